/*
 * version_arg.h -- what --version prints on the command lines of the
 * tools: the program and its release, then the versions a store opened
 * by this build records (gc/heap.h, "Versions").
 */
#ifndef LO_SERVER_VERSION_ARG_H
#define LO_SERVER_VERSION_ARG_H

#include <stdio.h>

#include "gc/heap.h"
#include "lisp/lisp.h"

/*   lispos-repl 0.1.0
 *   system code version 0000000e1c2d3b4a
 *   layout version 0 */
static inline void lo_print_version(FILE *out, const char *program)
{
    fprintf(out, "%s %s\n"
            "system code version %016llx\n"
            "layout version %u\n", program, lo_lisp_release(),
            (unsigned long long)lo_lisp_system_version(), LO_LAYOUT_VERSION);
}

#endif
