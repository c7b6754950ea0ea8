/*
 * format.c -- lo_snprintf, the core's printf, against libc's snprintf on
 * the conversions the core uses, including truncation.
 */
#include <stdint.h>

#include "drivers/printf.h"
#include "tests/tap.h"

#define SAME(...)                                                           \
    do {                                                                    \
        char ours[128], libc[128];                                          \
        int n1 = lo_snprintf(ours, sizeof ours, __VA_ARGS__);               \
        int n2 = snprintf(libc, sizeof libc, __VA_ARGS__);                  \
        ok(n1 == n2 && !strcmp(ours, libc), "%s -> \"%s\"", #__VA_ARGS__, ours); \
        if (n1 != n2 || strcmp(ours, libc))                                 \
            diag("libc gives \"%s\" (%d), we give \"%s\" (%d)", libc, n2, ours, n1); \
    } while (0)

int main(void)
{
    SAME("plain text");
    SAME("%d %i %u", -42, 17, 4000000000u);
    SAME("%ld %lu %lld %llu", -1L, 2UL, (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
    SAME("%zu %zd %jd", (size_t)123456, (ssize_t)-5, (intmax_t)-77);
    SAME("%x %X %o %x", 0xbeefu, 0xbeefu, 8u, 0u);
    SAME("%5d|%-5d|%05d|", 42, 42, 42);
    SAME("%05d %5s %-5s|", -42, "ab", "ab");
    SAME("%.3s %.*s %*d", "abcdef", 2, "xyz", 6, 9);
    SAME("%c%c %% %s", 'o', 'k', "done");
    SAME("%hhu %hd", 300, 70000);
    SAME("%p", (void *)0x1234);
    SAME("%s", "");

    char small[8];
    int n = lo_snprintf(small, sizeof small, "%s", "a long string");
    ok(n == 13 && !strcmp(small, "a long "), "truncation keeps size-1 chars and reports the full length");
    n = lo_snprintf(NULL, 0, "%d", 12345);
    is_int(n, 5, "size 0 only measures");
    const char *volatile nothing = NULL;
    lo_snprintf(small, sizeof small, "%s", nothing);
    is_str(small, "(null)", "NULL string prints (null)");
    return done_testing();
}
