/*
 * size_arg.h -- "256M"-style sizes on the command lines of the tools.
 */
#ifndef LO_SERVER_SIZE_ARG_H
#define LO_SERVER_SIZE_ARG_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* "256M" -> bytes (K, M, G, T suffixes); 0 on a malformed size. */
static inline uint64_t lo_parse_size(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-')
        return 0;
    uint64_t unit = 1;
    switch (*end) {
    case 'k': case 'K': unit = 1ull << 10; end++; break;
    case 'm': case 'M': unit = 1ull << 20; end++; break;
    case 'g': case 'G': unit = 1ull << 30; end++; break;
    case 't': case 'T': unit = 1ull << 40; end++; break;
    }
    if (*end != '\0' || n > UINT64_MAX / unit)
        return 0;
    return n * unit;
}

#endif
