/*
 * symbol-syntax.c -- how symbols are written, both ways.
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
#include "package.h"
#include "sequences.h"

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

/* SBCL's character classes for deciding whether a name needs bars. */
enum { A_OTHER = 1, A_DIGIT = 2, A_UPPER = 4, A_LOWER = 8, A_SIGN = 16,
       A_EXT = 32, A_DOT = 64, A_SLASH = 128, A_FUNNY = 256 };

static unsigned attributes(uint32_t c)
{
    if (c >= 160) {
        if (lo_char_downcase(c) != c)
            return A_UPPER;
        return lo_char_upcase(c) != c ? A_LOWER : A_OTHER;
    }
    if (c >= '0' && c <= '9') return A_DIGIT;
    if (c >= 'A' && c <= 'Z') return A_UPPER;
    if (c >= 'a' && c <= 'z') return A_LOWER;
    switch (c) {
    case '+': case '-': return A_SIGN;
    case '^': case '_': return A_EXT;
    case '.': return A_DOT;
    case '/': return A_SLASH;
    case '!': case '@': case '$': case '%': case '&': case '*': case '=':
    case '~': case '[': case ']': case '{': case '}': case '?': case '<':
    case '>':
        return A_OTHER;
    default:
        return A_FUNNY;
    }
}

/*
 * The potential-number automaton: each character moves it to a state
 * (and says whether ending there looks like a number); reaching OTHER
 * means the name cannot be one.  Marker states are a letter seen where
 * an exponent marker could be: a second letter ends the number.
 */
enum pn_state { START, DOT_FOUND, START_STUFF, START_MARKER, START_DOT_STUFF,
                START_DOT_MARKER, DOT_DIGIT, DOT_MARKER, DIGIT, MARKER,
                OTHER };

static enum pn_state pn_step(enum pn_state s, unsigned a, bool *numeric)
{
    *numeric = false;
    switch (s) {
    case START_MARKER:
        if (a & A_UPPER) return OTHER;
        return pn_step(START_STUFF, a, numeric);
    case START_DOT_MARKER:
        if (a & A_UPPER) return OTHER;
        return pn_step(START_DOT_STUFF, a, numeric);
    case DOT_MARKER:
        if (a & A_UPPER) return OTHER;
        return pn_step(DOT_DIGIT, a, numeric);
    case MARKER:
        if (a & A_UPPER) return OTHER;
        return pn_step(DIGIT, a, numeric);
    default:
        break;
    }
    *numeric = true;
    if (a & A_OTHER)
        return OTHER;
    switch (s) {
    case START:
        if (a & A_DIGIT) return DIGIT;
        if (a & A_DOT) return DOT_FOUND;
        *numeric = false;
        return a & (A_UPPER | A_SLASH) ? OTHER : START_STUFF;
    case DOT_FOUND:
        if (a & A_DIGIT) return DOT_DIGIT;
        if (a & A_DOT) return DOT_FOUND;
        *numeric = false;
        return a & A_UPPER ? START_DOT_MARKER : START_DOT_STUFF;
    case START_STUFF:
        if (a & A_DIGIT) return DIGIT;
        *numeric = false;
        if (a & A_UPPER) return START_MARKER;
        return a & A_DOT ? START_DOT_STUFF : START_STUFF;
    case START_DOT_STUFF:
        if (a & A_DIGIT) return DOT_DIGIT;
        *numeric = false;
        return START_DOT_STUFF;
    case DOT_DIGIT:
        return a & A_UPPER ? DOT_MARKER : DOT_DIGIT;
    default:                            /* DIGIT */
        if (a & A_UPPER) return MARKER;
        return a & A_DOT ? DOT_DIGIT : DIGIT;
    }
}

static bool needs_bars(const uint32_t *s, uint64_t len)
{
    if (len == 0)
        return true;
    for (uint64_t i = 0; i < len; i++)
        if (attributes(s[i]) & (A_FUNNY | A_LOWER))
            return true;
    enum pn_state state = START;
    bool numeric = true;
    for (uint64_t i = 0; i < len && state != OTHER; i++)
        state = pn_step(state, attributes(s[i]), &numeric);
    return state != OTHER && numeric && !(attributes(s[len - 1]) & A_SIGN);
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
    bool bars = escape && needs_bars(s, len);
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
static void write_prefix(lo_lisp *L, lo_value sym, struct lo_text *out)
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
        write_prefix(L, sym, out);
    write_name(lo_symbol_name(sym), out, escape);
}
