/*
 * tap.h -- a tiny Test Anything Protocol producer for LispOS's C tests.
 *
 * Each test program includes this, states its checks with ok()/is_int()/...,
 * and ends with done_testing() (or announces a plan first with plan()).
 * prove(1) runs the programs and reads their output:
 *
 *     #include "tests/tap.h"
 *     int main(void) {
 *         ok(1 + 1 == 2, "arithmetic works");
 *         is_int(lo_disk_size(d), 64, "size in blocks");
 *         return done_testing();
 *     }
 *
 * Header-only and hosted (tests may use libc).  The exit status is non-zero
 * when any check failed, so a test binary also works without prove.
 */
#ifndef LO_TAP_H
#define LO_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_run, tap_failed, tap_planned = -1;

static inline void tap_vline(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stdout);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static inline void plan(int n)
{
    tap_planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

/* A comment line; prove shows these on failure (or with -v). */
static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vline("# ", fmt, ap);
    va_end(ap);
}

static inline int tap_ok(int pass, const char *file, int line,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline int tap_ok(int pass, const char *file, int line,
                         const char *fmt, ...)
{
    tap_run++;
    if (!pass)
        tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!pass)
        printf("#   Failed test at %s line %d.\n", file, line);
    fflush(stdout);
    return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                              \
    do {                                                                    \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);    \
        if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))     \
            diag("     got: %lld\n#     expected: %lld", tap_g_, tap_w_);   \
    } while (0)

#define is_uint(got, want, ...)                                             \
    do {                                                                    \
        unsigned long long tap_g_ = (got), tap_w_ = (want);                 \
        if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))     \
            diag("     got: %llu\n#     expected: %llu", tap_g_, tap_w_);   \
    } while (0)

#define is_str(got, want, ...)                                              \
    do {                                                                    \
        const char *tap_g_ = (got), *tap_w_ = (want);                       \
        int tap_p_ = tap_g_ && tap_w_ ? strcmp(tap_g_, tap_w_) == 0         \
                                      : tap_g_ == tap_w_;                   \
        if (!tap_ok(tap_p_, __FILE__, __LINE__, __VA_ARGS__))               \
            diag("     got: \"%s\"\n#     expected: \"%s\"",                \
                 tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)");   \
    } while (0)

#define is_mem(got, want, len, ...)                                         \
    tap_ok(memcmp((got), (want), (len)) == 0, __FILE__, __LINE__, __VA_ARGS__)

/* Record n checks as skipped, with the reason. */
static inline void skip(int n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void skip(int n, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    for (int i = 0; i < n; i++)
        printf("ok %d # skip %s\n", ++tap_run, why);
    fflush(stdout);
}

/* Skip the whole program (must come before any check). */
static inline int skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    fflush(stdout);
    return 0;
}

/* Stop everything: the rest of the suite cannot be trusted. */
static inline void bail_out(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void bail_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vline("Bail out! ", fmt, ap);
    va_end(ap);
    exit(255);
}

static inline int done_testing(void)
{
    if (tap_planned < 0)
        printf("1..%d\n", tap_run);
    else if (tap_planned != tap_run)
        diag("planned %d tests but ran %d", tap_planned, tap_run);
    fflush(stdout);
    return tap_failed || (tap_planned >= 0 && tap_planned != tap_run);
}

#endif
