/*
 * freestanding/string.h -- the string.h the core is compiled against.
 *
 * The core is built with -ffreestanding -nostdinc (see the Makefile), so it
 * sees the compiler's own freestanding headers (stdint.h, stddef.h, ...) and
 * this file instead of libc's string.h.  Anything the core uses from
 * string.h must be declared here, and the bare-metal platform must provide
 * it; the calls go to the compiler's builtins so small copies are inlined.
 */
#ifndef LO_FREESTANDING_STRING_H
#define LO_FREESTANDING_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#define memcpy(d, s, n)  __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define memset(d, c, n)  __builtin_memset((d), (c), (n))
#define memcmp(a, b, n)  __builtin_memcmp((a), (b), (n))
#define strlen(s)        __builtin_strlen(s)
#define strcmp(a, b)     __builtin_strcmp((a), (b))
#define strncmp(a, b, n) __builtin_strncmp((a), (b), (n))
#define strchr(s, c)     __builtin_strchr((s), (c))

#endif
