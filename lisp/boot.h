/*
 * boot.h -- what the build embeds in the core as data: the system code
 * written in Lisp (the files of lisp/boot, embedded by conf/embed_boot.sh
 * and evaluated, in name order, when a cold boot builds a new heap; its
 * text is part of the system version), and the release (the top-level
 * VERSION file, by conf/gen_release.sh; lisp.h, lo_lisp_release).
 */
#ifndef LO_LISP_BOOT_H
#define LO_LISP_BOOT_H

struct lo_boot_file {
    const char *name;
    const char *text;
};

extern const struct lo_boot_file lo_boot_files[];
extern const unsigned lo_boot_file_count;

/* "0.1.0": at most LO_HEAP_RELEASE - 1 characters (gc/heap.h). */
extern const char lo_release[];

#endif
