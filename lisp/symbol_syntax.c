/*
 * symbol_syntax.c -- how symbols are written, both ways.
 *
 * Reading (reader.c hands over every token that is not a number): single
 * escapes \x and multiple escapes |...| (escaped characters keep their
 * case, the rest is upcased), and package markers: pkg:name (must be
 * external, as in SBCL), pkg::name, :name (a keyword), #:name
 * (uninterned).  A token of dots alone is an error.
 *
 * Printing (printer.c): a keyword as :NAME, an uninterned symbol as
 * #:NAME, a symbol not accessible in *PACKAGE* with its home package's
 * name and : or ::, and a name in |bars| when it would not read back as
 * itself -- lower-case or special characters, or a potential number.
 * The potential-number test is SBCL's (print.lisp, symbol-quotep) for
 * *PRINT-BASE* 10.
 */
#include <string.h>

#include "lisp/package.h"
#include "lisp/sequences.h"

enum { TOKEN_MAX = 4096 };

/* ---- reading ------------------------------------------------------------ */

/* The reader's own classes (reader.c). */
static bool whitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool terminating(char c)
{
    return c == '\0' || whitespace(c) || c == '(' || c == ')' || c == '\'' ||
           c == '"' || c == ';' || c == '`' || c == ',';
}

bool lo_token_is_symbol(const char *p)
{
    for (; !terminating(*p); p++)
        if (*p == '|' || *p == '\\' || *p == ':')
            return true;
    return false;
}

struct token {
    uint32_t chars[TOKEN_MAX];
    uint64_t len;
    bool escaped;               /* any escape: never all dots */
    int64_t marker;             /* index of the package marker, or -1 */
    int colons;                 /* 1 or 2 */
};

static void token_put(lo_lisp *L, struct token *t, uint32_t c)
{
    if (t->len == TOKEN_MAX)
        lo_error(L, "READER-ERROR", "symbol name longer than %d characters",
                 TOKEN_MAX);
    t->chars[t->len++] = c;
}

static uint32_t next_char(const unsigned char **p)
{
    return lo_utf8_next(p, *p + 4);   /* a NUL stops a broken sequence */
}

/* A colon outside escapes: the package marker, one group of 1 or 2. */
static void token_colon(lo_lisp *L, struct token *t, bool after_colon)
{
    if (after_colon) {
        if (++t->colons > 2)
            lo_error(L, "READER-ERROR", "too many colons in a symbol");
        return;
    }
    if (t->marker >= 0)
        lo_error(L, "READER-ERROR", "too many package markers in a symbol");
    t->marker = (int64_t)t->len;
    t->colons = 1;
}

static void scan_token(lo_lisp *L, const char **text, struct token *t)
{
    const unsigned char *p = (const unsigned char *)*text;
    bool bars = false, after_colon = false;
    t->len = 0;
    t->escaped = false;
    t->marker = -1;
    t->colons = 0;
    for (;;) {
        unsigned char c = *p;
        if (c == '\0' && bars)
            lo_error(L, "END-OF-FILE", "end of input inside |...|");
        if (!bars && terminating((char)c))
            break;
        bool colon = !bars && c == ':';
        if (c == '|') {
            bars = !bars;
            t->escaped = true;
            p++;
        } else if (c == '\\') {
            if (!*++p)
                lo_error(L, "END-OF-FILE", "end of input after \\");
            t->escaped = true;
            token_put(L, t, next_char(&p));
        } else if (colon) {
            token_colon(L, t, after_colon);
            p++;
        } else {
            uint32_t ch = next_char(&p);
            token_put(L, t, bars ? ch : lo_char_upcase(ch));
        }
        after_colon = colon;
    }
    *text = (const char *)p;
}

static void token_text(const uint32_t *chars, uint64_t len, char *buf,
                       size_t size)
{
    size_t at = 0;
    for (uint64_t i = 0; i < len; i++) {
        char tmp[4];
        size_t n = lo_utf8_encode(chars[i], tmp);
        if (at + n >= size)
            break;
        for (size_t k = 0; k < n; k++)
            buf[at++] = tmp[k];
    }
    buf[at] = '\0';
}

static bool all_dots(const struct token *t)
{
    for (uint64_t i = 0; i < t->len; i++)
        if (t->chars[i] != '.')
            return false;
    return true;
}

static struct lo_name token_name(const uint32_t *chars, uint64_t len)
{
    return (struct lo_name){ chars, len, lo_name_hash(chars, len) };
}

/* pkg:name -- the external symbol; pkg::name -- interned there. */
static lo_value qualified(lo_lisp *L, struct token *t)
{
    char pname[128], sname[128];
    uint64_t at = (uint64_t)t->marker;
    struct lo_name pkg_name = token_name(t->chars, at);
    struct lo_name name = token_name(t->chars + at, t->len - at);
    token_text(t->chars, at, pname, sizeof pname);
    token_text(t->chars + at, t->len - at, sname, sizeof sname);
    lo_value pkg = lo_find_package_named(L, &pkg_name);
    if (lo_null(L, pkg))
        lo_error(L, "READER-ERROR", "package %s does not exist", pname);
    enum lo_sym_status status;
    if (t->colons == 2 || lo_eq(pkg, lo_registry_ref(L, REG_KEYWORD)))
        return lo_intern_in(L, pkg, &name, &status);
    lo_value sym;
    status = lo_find_symbol(L, pkg, &name, &sym);
    if (status == LO_SYM_NONE)
        lo_error(L, "READER-ERROR", "symbol %s not found in the %s package",
                 sname, pname);
    if (status != LO_SYM_EXTERNAL)
        lo_error(L, "READER-ERROR", "the symbol %s is not external in the "
                 "%s package", sname, pname);
    return sym;
}

lo_value lo_read_symbol(lo_lisp *L, const char **p, bool uninterned)
{
    struct token t;
    scan_token(L, p, &t);
    enum lo_sym_status status;
    if (uninterned) {
        if (t.marker >= 0)
            lo_error(L, "READER-ERROR", "a package marker after #:");
        struct lo_name name = token_name(t.chars, t.len);
        return lo_make_symbol(L, &name, L->nil);
    }
    if (t.marker < 0) {
        if (!t.escaped && all_dots(&t))
            lo_error(L, "READER-ERROR", "a token of dots only");
        struct lo_name name = token_name(t.chars, t.len);
        return lo_intern_in(L, lo_current_package(L, true), &name, &status);
    }
    if ((uint64_t)t.marker == t.len)
        lo_error(L, "READER-ERROR", "nothing after a package marker");
    if (t.marker == 0) {
        struct lo_name name = token_name(t.chars, t.len);
        return lo_intern_in(L, lo_registry_ref(L, REG_KEYWORD), &name,
                            &status);
    }
    return qualified(L, &t);
}

/* ---- printing -------------------------------------------------------------- */

/*
 * Whether a name needs bars to read back as the same symbol: one with
 * lower-case letters or characters the reader treats specially, or one
 * that could be read as a number in base ("potential numbers", CLHS
 * 2.3.1.1).  SBCL's SYMBOL-QUOTEP decides that with the state machine
 * below.
 */
enum { A_NUMBER = 1, A_LOWER = 2, A_UPPER = 4, A_SIGN = 8, A_EXT = 16,
       A_DOT = 32, A_SLASH = 64, A_OTHER = 128, A_FUNNY = 256 };

static unsigned attributes(uint32_t c)
{
    if (c >= 160)
        return lo_char_downcase(c) != c ? A_UPPER
             : lo_char_upcase(c) != c ? A_LOWER : A_OTHER;
    if (c >= '0' && c <= '9') return A_NUMBER;
    if (c >= 'A' && c <= 'Z') return A_UPPER;
    if (c >= 'a' && c <= 'z') return A_LOWER;
    if (c == '+' || c == '-') return A_SIGN;
    if (c == '^' || c == '_') return A_EXT;
    if (c == '.') return A_DOT;
    if (c == '/') return A_SLASH;
    if (c && c < 128 && strchr("!@$%&*=~[]{}?<>", (int)c)) return A_OTHER;
    return A_FUNNY;
}

static bool digit_in_base(uint32_t c, unsigned base)
{
    unsigned w = c >= '0' && c <= '9' ? c - '0'
               : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 36;
    return w < base;
}

bool lo_name_needs_bars(const uint32_t *s, uint64_t len, unsigned base)
{
    const unsigned letter = A_UPPER;    /* readtable case :UPCASE */
    uint64_t i = 0;
    unsigned bits = 0;
    uint32_t c = 0;
#define ADVANCE(state, at_end) do {                                  \
        if (i == len) {                                              \
            if (at_end) goto test_sign;                              \
            return false;                                            \
        }                                                            \
        c = s[i++];                                                  \
        bits = attributes(c);                                        \
        goto state;                                                  \
    } while (0)
#define TEST(mask) ((bits & (mask)) != 0)
#define DIGITP (c < 128 && digit_in_base(c, base))
    ADVANCE(start, true);
test_sign:                  /* a potential number, unless it ends in a sign */
    return !TEST(A_SIGN);
other:                      /* no number: bars for lower case or funny */
    for (uint64_t j = i - 1; j < len; j++)
        if (attributes(s[j]) & (A_LOWER | A_FUNNY))
            return true;
    return false;
start:
    if (DIGITP) {
        if (TEST(letter)) ADVANCE(last_digit_alpha, true);
        ADVANCE(digit, true);
    }
    if (TEST(letter | A_NUMBER | A_OTHER | A_SLASH)) ADVANCE(other, false);
    if (c == '.') ADVANCE(dot_found, true);
    if (TEST(A_SIGN | A_EXT)) ADVANCE(start_stuff, false);
    return true;
dot_found:                  /* leading dots */
    if (TEST(letter)) ADVANCE(start_dot_marker, false);
    if (DIGITP) ADVANCE(dot_digit, true);
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(A_EXT | A_SLASH | A_SIGN)) ADVANCE(start_dot_stuff, false);
    if (c == '.') ADVANCE(dot_found, true);
    return true;
start_stuff:                /* signs and such before any dot or digit */
    if (DIGITP) {
        if (TEST(letter)) ADVANCE(last_digit_alpha, true);
        ADVANCE(digit, true);
    }
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(letter)) ADVANCE(start_marker, false);
    if (c == '.') ADVANCE(start_dot_stuff, false);
    if (TEST(A_SIGN | A_EXT | A_SLASH)) ADVANCE(start_stuff, false);
    return true;
start_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto start_stuff;
start_dot_stuff:            /* leading stuff with a dot, no digit yet */
    if (TEST(letter)) ADVANCE(start_dot_stuff, false);
    if (DIGITP) ADVANCE(dot_digit, true);
    if (TEST(A_SIGN | A_EXT | A_DOT | A_SLASH)) ADVANCE(start_dot_stuff, false);
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    return true;
start_dot_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto start_dot_stuff;
dot_digit:                  /* digits with a dot */
    if (TEST(letter)) ADVANCE(dot_marker, true);
    if (DIGITP) ADVANCE(dot_digit, true);
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(A_SIGN | A_EXT | A_DOT | A_SLASH)) ADVANCE(dot_digit, true);
    return true;
dot_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto dot_digit;
last_digit_alpha:           /* the last character was a letter digit */
    if (DIGITP || TEST(A_SIGN | A_SLASH)) ADVANCE(alpha_digit, true);
    if (TEST(letter | A_NUMBER | A_OTHER | A_DOT)) ADVANCE(other, false);
    return true;
alpha_digit:                /* seen a digit that is a letter */
    if (DIGITP || TEST(A_SIGN | A_SLASH)) {
        if (TEST(letter)) ADVANCE(last_digit_alpha, true);
        ADVANCE(alpha_digit, true);
    }
    if (TEST(letter)) ADVANCE(alpha_marker, true);
    if (TEST(A_NUMBER | A_OTHER | A_DOT)) ADVANCE(other, false);
    return true;
alpha_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto alpha_digit;
digit:                      /* only decimal digits so far */
    if (DIGITP) {
        if (TEST(letter)) ADVANCE(alpha_digit, true);
        ADVANCE(digit, true);
    }
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(letter)) ADVANCE(marker, true);
    if (TEST(A_EXT | A_SLASH | A_SIGN)) ADVANCE(digit, true);
    if (c == '.') ADVANCE(dot_digit, true);
    return true;
marker:                     /* a number marker in a number */
    if (TEST(letter)) ADVANCE(other, false);
    goto digit;
#undef ADVANCE
#undef TEST
#undef DIGITP
}

static void put_char(struct lo_text *out, uint32_t c)
{
    char utf8[4];
    lo_text_put(out, utf8, lo_utf8_encode(c, utf8));
}

static void write_name(lo_value string, struct lo_text *out, bool escape)
{
    const uint32_t *s = lo_string_chars(string);
    uint64_t len = lo_string_length(string);
    bool bars = escape && lo_name_needs_bars(s, len, 10);
    if (bars)
        lo_text_put(out, "|", 1);
    for (uint64_t i = 0; i < len; i++) {
        if (bars && (s[i] == '|' || s[i] == '\\'))
            lo_text_put(out, "\\", 1);
        put_char(out, s[i]);
    }
    if (bars)
        lo_text_put(out, "|", 1);
}

/* The prefix prin1 gives sym: "", ":", "#:" or "PKG:" / "PKG::". */
void lo_write_symbol_prefix(lo_lisp *L, lo_value sym, struct lo_text *out)
{
    lo_value home = lo_ptr(sym)[SYM_PACKAGE];
    if (!lo_packagep(home) || lo_package_deleted(home)) {
        lo_text_put(out, "#:", 2);
        return;
    }
    if (lo_keywordp(sym)) {
        lo_text_put(out, ":", 1);
        return;
    }
    lo_value current = lo_current_package(L, false), found;
    if (lo_eq(home, current))
        return;
    lo_value name = lo_symbol_name(sym);
    struct lo_name n = { lo_string_chars(name), lo_string_length(name),
                         (uint32_t)lo_fixnum_value(lo_ptr(sym)[SYM_HASH]) };
    if (lo_find_symbol(L, current, &n, &found) != LO_SYM_NONE &&
        lo_eq(found, sym))
        return;
    write_name(lo_ptr(home)[PKG_NAME], out, true);
    if (lo_symbol_external_p(sym))
        lo_text_put(out, ":", 1);
    else
        lo_text_put(out, "::", 2);
}

void lo_write_symbol(lo_lisp *L, lo_value sym, struct lo_text *out,
                     bool escape)
{
    if (escape)
        lo_write_symbol_prefix(L, sym, out);
    write_name(lo_symbol_name(sym), out, escape);
}
