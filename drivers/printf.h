/*
 * printf.h -- a small freestanding printf for the core.
 *
 * The core may not call libc's printf family (it must also run on bare
 * metal), yet it needs to build error messages and log lines.  This covers
 * the common subset: %d %i %u %x %X %o %c %s %p %%, the length modifiers
 * hh h l ll z j t, flags '-' and '0', a field width and a precision (both
 * may be '*').  Floating point is not supported here.
 */
#ifndef LO_FORMAT_H
#define LO_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Like vsnprintf: writes at most size-1 characters plus a NUL (when size >
 * 0) and returns the length the full result would have had.
 */
int lo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int lo_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
