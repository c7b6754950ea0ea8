/*
 * show.c -- values as Lisp text and as JSON (show.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clients/show.h"

/* The ext types of docs/protocol.md, "Values". */
enum {
    EXT_PRINTED = 1, EXT_KEYWORD, EXT_SYMBOL, EXT_INTEGER, EXT_RATIO,
    EXT_CHARACTER, EXT_DATE, EXT_DURATION, EXT_ENTRY, EXT_HANDLE,
};
enum { BYTES_SHOWN = 64 };      /* of a byte vector, in Lisp syntax */

/* ---- growing text ---- */

void lo_text_add(struct lo_text *t, const char *s, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + len + 1)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            fputs("out of memory\n", stderr);
            exit(1);
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, len);
    t->len += len;
    t->s[t->len] = 0;
}

void lo_text_adds(struct lo_text *t, const char *s)
{
    lo_text_add(t, s, strlen(s));
}

void lo_text_printf(struct lo_text *t, const char *format, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(small, sizeof small, format, ap);
    va_end(ap);
    if (n < (int)sizeof small) {
        lo_text_add(t, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, format);
    vsnprintf(big, (size_t)n + 1, format, ap);
    va_end(ap);
    lo_text_add(t, big, (size_t)n);
    free(big);
}

void lo_text_free(struct lo_text *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

/* ---- Lisp syntax ---- */

/* A double as Lisp prints it: the shortest digits that read back the
 * same, always with a point ("1.0", "1.0e20"). */
static void add_double(struct lo_text *t, double d)
{
    if (isnan(d) || isinf(d)) {
        lo_text_adds(t, isnan(d) ? "#<NaN>" : d > 0 ? "#<+Infinity>"
                                                    : "#<-Infinity>");
        return;
    }
    char digits[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(digits, sizeof digits, "%.*g", precision, d);
        if (strtod(digits, NULL) == d)
            break;
    }
    char *e = strchr(digits, 'e');
    char exponent[16] = "";
    if (e) {
        int x = atoi(e + 1);
        snprintf(exponent, sizeof exponent, "e%d", x);
        *e = 0;
    }
    lo_text_adds(t, digits);
    if (!strchr(digits, '.'))
        lo_text_adds(t, ".0");
    lo_text_adds(t, exponent);
}

static void add_lisp_string(struct lo_text *t, const char *s, size_t len)
{
    lo_text_adds(t, "\"");
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            lo_text_adds(t, "\\");
        lo_text_add(t, s + i, 1);
    }
    lo_text_adds(t, "\"");
}

/* A symbol's name, between bars when the reader would not read it back
 * as itself (lower case letters, blanks, parentheses ...). */
static void add_symbol_name(struct lo_text *t, const char *s, size_t len)
{
    bool plain = len > 0;
    for (size_t i = 0; i < len && plain; i++) {
        unsigned char c = (unsigned char)s[i];
        plain = c >= 0x80 || (isgraph(c) && !islower(c) &&
                              !strchr("()'\"`,;|\\#:", c));
    }
    if (plain) {
        lo_text_add(t, s, len);
        return;
    }
    lo_text_adds(t, "|");
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '|' || s[i] == '\\')
            lo_text_adds(t, "\\");
        lo_text_add(t, s + i, 1);
    }
    lo_text_adds(t, "|");
}

static void add_character(struct lo_text *t, const char *s, size_t len)
{
    static const char *names[33] = {
        "Nul", "Soh", "Stx", "Etx", "Eot", "Enq", "Ack", "Bel", "Backspace",
        "Tab", "Newline", "Vt", "Page", "Return", "So", "Si", "Dle", "Dc1",
        "Dc2", "Dc3", "Dc4", "Nak", "Syn", "Etb", "Can", "Em", "Sub",
        "Escape", "Fs", "Gs", "Rs", "Us", "Space" };
    lo_text_adds(t, "#\\");
    unsigned char c = len ? (unsigned char)s[0] : 0;
    if (len == 1 && c <= 32)
        lo_text_adds(t, names[c]);
    else if (len == 1 && c == 127)
        lo_text_adds(t, "Rubout");
    else
        lo_text_add(t, s, len);
}

/* [number, bits, type, summary]: the summary, or the type. */
static void add_handle(struct lo_text *t, const char *body, size_t len)
{
    msgpack_zone zone;
    msgpack_zone_init(&zone, 1024);
    msgpack_object h;
    size_t off = 0;
    if (msgpack_unpack(body, len, &off, &zone, &h) == MSGPACK_UNPACK_SUCCESS &&
        h.type == MSGPACK_OBJECT_ARRAY && h.via.array.size == 4 &&
        h.via.array.ptr[3].type == MSGPACK_OBJECT_STR &&
        h.via.array.ptr[3].via.str.size > 0)
        lo_text_add(t, h.via.array.ptr[3].via.str.ptr,
                    h.via.array.ptr[3].via.str.size);
    else
        lo_text_adds(t, "#<handle>");
    msgpack_zone_destroy(&zone);
}

static void add_ext(struct lo_text *t, const msgpack_object_ext *x,
                    const char *package)
{
    const char *s = x->ptr;
    size_t len = x->size;
    const char *nul;
    switch (x->type) {
    case EXT_PRINTED: case EXT_INTEGER: case EXT_RATIO:
        lo_text_add(t, s, len);
        break;
    case EXT_KEYWORD:
        lo_text_adds(t, ":");
        add_symbol_name(t, s, len);
        break;
    case EXT_SYMBOL:
        nul = memchr(s, 0, len);
        if (!nul) {
            add_symbol_name(t, s, len);
            break;
        }
        size_t plen = (size_t)(nul - s);
        bool home = (plen == 11 && !memcmp(s, "COMMON-LISP", 11)) ||
                    (package && strlen(package) == plen &&
                     !memcmp(s, package, plen));
        if (!home) {
            add_symbol_name(t, s, plen);
            lo_text_adds(t, "::");
        }
        add_symbol_name(t, nul + 1, len - plen - 1);
        break;
    case EXT_CHARACTER:
        add_character(t, s, len);
        break;
    case EXT_DATE: case EXT_DURATION:
        lo_text_adds(t, "#@");
        add_lisp_string(t, s, len);
        break;
    case EXT_ENTRY:
        lo_text_adds(t, "#<ENTRY ");
        lo_text_add(t, s, len);
        lo_text_adds(t, ">");
        break;
    case EXT_HANDLE:
        add_handle(t, s, len);
        break;
    default:
        lo_text_printf(t, "#<ext %d, %zu bytes>", x->type, len);
    }
}

static void add_bytes(struct lo_text *t, const char *s, size_t len)
{
    lo_text_adds(t, "#(");
    for (size_t i = 0; i < len && i < BYTES_SHOWN; i++)
        lo_text_printf(t, i ? " %u" : "%u", (unsigned char)s[i]);
    if (len > BYTES_SHOWN)
        lo_text_printf(t, " ... (%zu bytes)", len);
    lo_text_adds(t, ")");
}

/* o on one line. */
static void add_flat(struct lo_text *t, const msgpack_object *o,
                     const char *package)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        lo_text_adds(t, "NIL");
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        lo_text_adds(t, o->via.boolean ? "T" : "NIL");
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        lo_text_printf(t, "%llu", (unsigned long long)o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        lo_text_printf(t, "%lld", (long long)o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32: case MSGPACK_OBJECT_FLOAT64:
        add_double(t, o->via.f64);
        break;
    case MSGPACK_OBJECT_STR:
        add_lisp_string(t, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        add_bytes(t, o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_EXT:
        add_ext(t, &o->via.ext, package);
        break;
    case MSGPACK_OBJECT_ARRAY:
        lo_text_adds(t, o->via.array.size ? "(" : "NIL");
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                lo_text_adds(t, " ");
            add_flat(t, &o->via.array.ptr[i], package);
        }
        if (o->via.array.size)
            lo_text_adds(t, ")");
        break;
    case MSGPACK_OBJECT_MAP:
        lo_text_adds(t, "{");
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i)
                lo_text_adds(t, " ");
            add_flat(t, &o->via.map.ptr[i].key, package);
            lo_text_adds(t, " ");
            add_flat(t, &o->via.map.ptr[i].val, package);
        }
        lo_text_adds(t, "}");
        break;
    }
}

/* The columns from the last newline of t. */
static int column(const struct lo_text *t)
{
    size_t i = t->len;
    while (i > 0 && t->s[i - 1] != '\n')
        i--;
    return (int)(t->len - i);
}

/* o, its lists one element a line (aligned after the parenthesis) when
 * they do not fit within width. */
static void add_pretty(struct lo_text *t, const msgpack_object *o,
                       const char *package, int width)
{
    size_t start = t->len;
    int col = column(t);
    add_flat(t, o, package);
    if (width <= 0 || o->type != MSGPACK_OBJECT_ARRAY ||
        col + (int)(t->len - start) <= width)
        return;
    t->len = start;                     /* too long: again, broken */
    t->s[start] = 0;
    lo_text_adds(t, "(");
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        if (i)
            lo_text_printf(t, "\n%*s", col + 1, "");
        add_pretty(t, &o->via.array.ptr[i], package, width);
    }
    lo_text_adds(t, ")");
}

void lo_text_lisp(struct lo_text *t, const msgpack_object *o,
                  const char *package, int width)
{
    add_pretty(t, o, package, width);
}

void lo_text_cell(struct lo_text *t, const msgpack_object *o)
{
    if (o->type == MSGPACK_OBJECT_STR)
        lo_text_add(t, o->via.str.ptr, o->via.str.size);
    else if (o->type == MSGPACK_OBJECT_EXT &&
             (o->via.ext.type == EXT_DATE || o->via.ext.type == EXT_DURATION))
        lo_text_add(t, o->via.ext.ptr, o->via.ext.size);
    else
        add_flat(t, o, NULL);
}

/* ---- JSON ---- */

void lo_text_json_string(struct lo_text *t, const char *s, size_t len)
{
    lo_text_adds(t, "\"");
    size_t run = 0;                     /* bytes copied as they are */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        lo_text_add(t, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': lo_text_adds(t, "\\\""); break;
        case '\\': lo_text_adds(t, "\\\\"); break;
        case '\n': lo_text_adds(t, "\\n"); break;
        case '\t': lo_text_adds(t, "\\t"); break;
        case '\r': lo_text_adds(t, "\\r"); break;
        default: lo_text_printf(t, "\\u%04x", c);
        }
    }
    lo_text_add(t, s + run, len - run);
    lo_text_adds(t, "\"");
}

static void json_ext(struct lo_text *t, const msgpack_object_ext *x)
{
    struct lo_text lisp = { 0 };
    msgpack_zone zone;
    msgpack_object h;
    size_t off = 0;
    switch (x->type) {
    case EXT_INTEGER:
        lo_text_add(t, x->ptr, x->size);     /* JSON numbers have no limit */
        return;
    case EXT_ENTRY:
        lo_text_adds(t, "{\"entry\": ");
        lo_text_add(t, x->ptr, x->size);
        lo_text_adds(t, "}");
        return;
    case EXT_HANDLE:
        msgpack_zone_init(&zone, 1024);
        if (msgpack_unpack(x->ptr, x->size, &off, &zone, &h) ==
                MSGPACK_UNPACK_SUCCESS && h.type == MSGPACK_OBJECT_ARRAY &&
            h.via.array.size == 4) {
            const msgpack_object *a = h.via.array.ptr;
            lo_text_adds(t, "{\"handle\": ");
            lo_text_json(t, &a[0]);
            lo_text_adds(t, ", \"bits\": ");
            lo_text_json(t, &a[1]);
            lo_text_adds(t, ", \"type\": ");
            lo_text_json(t, &a[2]);
            lo_text_adds(t, ", \"summary\": ");
            lo_text_json(t, &a[3]);
            lo_text_adds(t, "}");
        } else {
            lo_text_adds(t, "null");
        }
        msgpack_zone_destroy(&zone);
        return;
    case EXT_PRINTED: case EXT_RATIO: case EXT_DATE: case EXT_DURATION:
    case EXT_CHARACTER:
        lo_text_json_string(t, x->ptr, x->size);
        return;
    default:                            /* keywords, symbols: as Lisp */
        add_ext(&lisp, x, NULL);
        lo_text_json_string(t, lisp.s ? lisp.s : "", lisp.len);
        lo_text_free(&lisp);
    }
}

void lo_text_json(struct lo_text *t, const msgpack_object *o)
{
    char *base64;
    size_t size;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        lo_text_adds(t, "null");
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        lo_text_adds(t, o->via.boolean ? "true" : "false");
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: case MSGPACK_OBJECT_NEGATIVE_INTEGER:
    case MSGPACK_OBJECT_FLOAT32: case MSGPACK_OBJECT_FLOAT64:
        if ((o->type == MSGPACK_OBJECT_FLOAT32 ||
             o->type == MSGPACK_OBJECT_FLOAT64) && !isfinite(o->via.f64))
            lo_text_adds(t, "null");
        else
            add_flat(t, o, NULL);
        break;
    case MSGPACK_OBJECT_STR:
        lo_text_json_string(t, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        size = sodium_base64_ENCODED_LEN(o->via.bin.size,
                                         sodium_base64_VARIANT_ORIGINAL);
        base64 = malloc(size);
        if (base64) {
            sodium_bin2base64(base64, size, (const unsigned char *)o->via.bin.ptr,
                              o->via.bin.size, sodium_base64_VARIANT_ORIGINAL);
            lo_text_json_string(t, base64, strlen(base64));
        }
        free(base64);
        break;
    case MSGPACK_OBJECT_EXT:
        json_ext(t, &o->via.ext);
        break;
    case MSGPACK_OBJECT_ARRAY:
        lo_text_adds(t, "[");
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                lo_text_adds(t, ", ");
            lo_text_json(t, &o->via.array.ptr[i]);
        }
        lo_text_adds(t, "]");
        break;
    case MSGPACK_OBJECT_MAP:
        lo_text_adds(t, "{");
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i)
                lo_text_adds(t, ", ");
            lo_text_key(t, &o->via.map.ptr[i].key);
            lo_text_adds(t, ": ");
            lo_text_json(t, &o->via.map.ptr[i].val);
        }
        lo_text_adds(t, "}");
        break;
    }
}

void lo_text_key(struct lo_text *t, const msgpack_object *key)
{
    if (key->type != MSGPACK_OBJECT_STR) {
        struct lo_text lisp = { 0 };
        add_flat(&lisp, key, NULL);
        lo_text_json_string(t, lisp.s ? lisp.s : "", lisp.len);
        lo_text_free(&lisp);
        return;
    }
    struct lo_text lower = { 0 };
    for (uint32_t i = 0; i < key->via.str.size; i++) {
        char c = (char)tolower((unsigned char)key->via.str.ptr[i]);
        lo_text_add(&lower, &c, 1);
    }
    lo_text_json_string(t, lower.s ? lower.s : "", lower.len);
    lo_text_free(&lower);
}
