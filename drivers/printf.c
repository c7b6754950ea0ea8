/*
 * printf.c -- lo_vsnprintf, the core's printf (see printf.h).
 *
 * Output goes through a tiny sink that counts every character but stores
 * only what fits, so truncation behaves exactly like C's snprintf.
 */
#include <stdbool.h>
#include <stdint.h>

#include "drivers/printf.h"

struct sink {
    char *buf;
    size_t size;
    size_t len;            /* characters produced so far, stored or not */
};

static void put_char(struct sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void put_padding(struct sink *s, int count, char pad)
{
    while (count-- > 0)
        put_char(s, pad);
}

static void put_field(struct sink *s, const char *text, int len, int width,
                      bool left, char pad)
{
    if (!left)
        put_padding(s, width - len, pad);
    for (int i = 0; i < len; i++)
        put_char(s, text[i]);
    if (left)
        put_padding(s, width - len, ' ');
}

/* Digits of value in base, most significant first; returns the count. */
static int render_unsigned(char *out, uintmax_t value, unsigned base,
                           bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[64];
    int n = 0;
    do {
        tmp[n++] = digits[value % base];
        value /= base;
    } while (value != 0);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE,
              LEN_MAX, LEN_PTRDIFF };

static uintmax_t fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:    return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT:   return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG:    return va_arg(*ap, unsigned long);
    case LEN_LLONG:   return va_arg(*ap, unsigned long long);
    case LEN_SIZE:    return va_arg(*ap, size_t);
    case LEN_MAX:     return va_arg(*ap, uintmax_t);
    case LEN_PTRDIFF: return (uintmax_t)va_arg(*ap, ptrdiff_t);
    case LEN_INT:     break;
    }
    return va_arg(*ap, unsigned);
}

static intmax_t fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:    return (signed char)va_arg(*ap, int);
    case LEN_SHORT:   return (short)va_arg(*ap, int);
    case LEN_LONG:    return va_arg(*ap, long);
    case LEN_LLONG:   return va_arg(*ap, long long);
    case LEN_SIZE:    return (intmax_t)va_arg(*ap, size_t);
    case LEN_MAX:     return va_arg(*ap, intmax_t);
    case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    case LEN_INT:     break;
    }
    return va_arg(*ap, int);
}

static enum length parse_length(const char **fmt)
{
    const char *p = *fmt;
    enum length len = LEN_INT;
    switch (*p) {
    case 'h':
        len = (p[1] == 'h') ? LEN_CHAR : LEN_SHORT;
        p += (p[1] == 'h') ? 2 : 1;
        break;
    case 'l':
        len = (p[1] == 'l') ? LEN_LLONG : LEN_LONG;
        p += (p[1] == 'l') ? 2 : 1;
        break;
    case 'z': len = LEN_SIZE; p++; break;
    case 'j': len = LEN_MAX; p++; break;
    case 't': len = LEN_PTRDIFF; p++; break;
    }
    *fmt = p;
    return len;
}

static int parse_number(const char **fmt, va_list *ap)
{
    const char *p = *fmt;
    int n = 0;
    if (*p == '*') {
        n = va_arg(*ap, int);
        p++;
    } else {
        while (*p >= '0' && *p <= '9')
            n = n * 10 + (*p++ - '0');
    }
    *fmt = p;
    return n;
}

int lo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct sink s = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);

    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put_char(&s, *p);
            continue;
        }
        p++;
        bool left = false;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-') left = true;
            else if (*p == '0') pad = '0';
            else break;
        }
        int width = parse_number(&p, &ap);
        if (width < 0) {
            left = true;
            width = -width;
        }
        int precision = -1;
        if (*p == '.') {
            p++;
            precision = parse_number(&p, &ap);
        }
        enum length len = parse_length(&p);

        char digits[72];
        int n;
        switch (*p) {
        case 'd':
        case 'i': {
            intmax_t v = fetch_signed(&ap, len);
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            n = 0;
            if (v < 0)
                digits[n++] = '-';
            n += render_unsigned(digits + n, mag, 10, false);
            if (v < 0 && pad == '0' && !left) {
                /* sign goes before the zero padding */
                put_char(&s, '-');
                put_field(&s, digits + 1, n - 1, width - 1, left, pad);
            } else {
                put_field(&s, digits, n, width, left, pad);
            }
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned base = (*p == 'u') ? 10 : (*p == 'o') ? 8 : 16;
            n = render_unsigned(digits, fetch_unsigned(&ap, len), base,
                                *p == 'X');
            put_field(&s, digits, n, width, left, pad);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            digits[0] = '0';
            digits[1] = 'x';
            n = 2 + render_unsigned(digits + 2, v, 16, false);
            put_field(&s, digits, n, width, left, ' ');
            break;
        }
        case 'c':
            digits[0] = (char)va_arg(ap, int);
            put_field(&s, digits, 1, width, left, ' ');
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int slen = 0;
            while (str[slen] && (precision < 0 || slen < precision))
                slen++;
            put_field(&s, str, slen, width, left, ' ');
            break;
        }
        case '%':
            put_char(&s, '%');
            break;
        case '\0':
            p--;            /* a lone '%' at the end: stop cleanly */
            break;
        default:            /* unknown conversion: show it as written */
            put_char(&s, '%');
            put_char(&s, *p);
            break;
        }
    }
    va_end(ap);
    if (size > 0)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return (int)s.len;
}

int lo_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = lo_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
