/*
 * boot.h -- the system code written in Lisp (the files of lisp/boot), embedded
 * in the binary by conf/embed_boot.sh and evaluated, in name order, when a
 * cold boot builds a new heap.  Its text is part of the system version.
 */
#ifndef LO_LISP_BOOT_H
#define LO_LISP_BOOT_H

struct lo_boot_file {
    const char *name;
    const char *text;
};

extern const struct lo_boot_file lo_boot_files[];
extern const unsigned lo_boot_file_count;

#endif
