/*
 * strings.c -- characters and strings.
 *
 *   characters  codes, case, classes (alpha, digit, graphic), names, and
 *               the comparisons (char= ... char-not-lessp)
 *   strings     make-string, string, char/schar and their setters,
 *               comparisons with :start1 :end1 :start2 :end2, case
 *               conversion, trimming, parse-integer
 *
 * (The names of symbols are symbols.c's.)
 *
 * Strings are UTF-32 in the heap, two code points per word (value.h).
 * Every function that takes a string also takes a string designator (a
 * symbol or a character) where Common Lisp does; reading a string needs
 * its read access bit, changing one its write bit.
 *
 * Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic:
 * the scripts whose letters pair one upper-case with one lower-case letter
 * (Common Lisp wants the mapping one-to-one, so SBCL leaves letters like
 * German sharp s and Greek final sigma alone, and so does this).  SBCL maps
 * all of Unicode; other scripts' letters are neither cased nor alphabetic
 * here until Unicode tables come.  Digits are the ASCII ones.
 */
#include <string.h>

#include "drivers/checksum.h"
#include "lisp/numbers.h"
#include "lisp/package.h"
#include "lisp/sequences.h"

/* The code of the character argument v. */
static uint32_t char_code_arg(lo_lisp *L, lo_value v)
{
    return lo_char_code(lo_arg_character(L, v));
}

/* ---- case ------------------------------------------------------------------
 * Upper-case letters first..last (every step-th one) whose lower case is
 * delta away.  Generated from SBCL's char-downcase over the blocks covered. */

struct case_run {
    uint32_t first, last;
    int32_t delta;
    uint32_t step;
};

static const struct case_run case_runs[] = {
    { 0x41, 0x5a, 32, 1 },   { 0xc0, 0xd6, 32, 1 },   { 0xd8, 0xde, 32, 1 },
    { 0x100, 0x12e, 1, 2 },  { 0x132, 0x136, 1, 2 },  { 0x139, 0x147, 1, 2 },
    { 0x14a, 0x176, 1, 2 },  { 0x178, 0x178, -121, 1 }, { 0x179, 0x17d, 1, 2 },
    { 0x386, 0x386, 38, 1 }, { 0x388, 0x38a, 37, 1 }, { 0x38c, 0x38c, 64, 1 },
    { 0x38e, 0x38f, 63, 1 }, { 0x391, 0x3a1, 32, 1 }, { 0x3a3, 0x3ab, 32, 1 },
    { 0x400, 0x40f, 80, 1 }, { 0x410, 0x42f, 32, 1 }, { 0x460, 0x480, 1, 2 },
    { 0x48a, 0x4be, 1, 2 },  { 0x4c0, 0x4c0, 15, 1 }, { 0x4c1, 0x4cd, 1, 2 },
    { 0x4d0, 0x52e, 1, 2 },
};
enum { NRUNS = sizeof case_runs / sizeof case_runs[0] };

static bool in_run(const struct case_run *r, uint32_t c)
{
    return c >= r->first && c <= r->last && (c - r->first) % r->step == 0;
}

static uint32_t downcase(uint32_t c)
{
    if (c < 0x80)                       /* the common case, quickly */
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    for (unsigned i = 0; i < NRUNS; i++)
        if (in_run(&case_runs[i], c))
            return (uint32_t)((int32_t)c + case_runs[i].delta);
    return c;
}

static uint32_t upcase(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    for (unsigned i = 0; i < NRUNS; i++) {
        uint32_t upper = (uint32_t)((int32_t)c - case_runs[i].delta);
        if (in_run(&case_runs[i], upper))
            return upper;
    }
    return c;
}

uint32_t lo_char_upcase(uint32_t c) { return upcase(c); }
uint32_t lo_char_downcase(uint32_t c) { return downcase(c); }

static bool upper_case_p(uint32_t c) { return downcase(c) != c; }
static bool lower_case_p(uint32_t c) { return upcase(c) != c; }
static bool both_case_p(uint32_t c)
{
    return upper_case_p(c) || lower_case_p(c);
}

/* Letters of the covered blocks that have no case partner. */
static const uint16_t uncased_letters[] = {
    0xaa, 0xb5, 0xba, 0xdf, 0x130, 0x131, 0x138, 0x149, 0x17f,
    0x390, 0x3b0, 0x3c2,
};

static bool alpha_char_p(uint32_t c)
{
    if (both_case_p(c))
        return true;
    for (unsigned i = 0; i < sizeof uncased_letters / sizeof *uncased_letters;
         i++)
        if (c == uncased_letters[i])
            return true;
    return false;
}

/* The weight of c as a digit in radix, or -1. */
static int digit_weight(uint32_t c, int radix)
{
    int w = c >= '0' && c <= '9' ? (int)(c - '0')
          : c >= 'a' && c <= 'z' ? (int)(c - 'a') + 10
          : c >= 'A' && c <= 'Z' ? (int)(c - 'A') + 10 : -1;
    return w < radix ? w : -1;
}

static bool alphanumericp(uint32_t c)
{
    return alpha_char_p(c) || digit_weight(c, 10) >= 0;
}

bool lo_char_alphanumeric_p(uint32_t c) { return alphanumericp(c); }

/* As SBCL: everything but the C0 and C1 controls and Rubout. */
static bool graphic_char_p(uint32_t c)
{
    return (c > 31 && c < 127) || c > 159;
}

static int radix_arg(lo_lisp *L, lo_value v)
{
    if (v == LO_UNBOUND)
        return 10;
    if (!lo_fixnump(v) || lo_fixnum_value(v) < 2 || lo_fixnum_value(v) > 36)
        lo_arg_error(L, v, "(INTEGER 2 36)");
    return (int)lo_fixnum_value(v);
}

/* ---- character names --------------------------------------------------------
 * SBCL's names for the first 256 code points (char-name); name-char takes
 * them in any case, the aliases below, and U+hex. */

static const char *const char_names[256] = {
    "Nul", "Soh", "Stx", "Etx", "Eot", "Enq", "Ack", "Bel", "Backspace",
    "Tab", "Newline", "Vt", "Page", "Return", "So", "Si", "Dle", "Dc1",
    "Dc2", "Dc3", "Dc4", "Nak", "Syn", "Etb", "Can", "Em", "Sub", "Esc",
    "Fs", "Gs", "Rs", "Us", "Space", "EXCLAMATION_MARK", "QUOTATION_MARK",
    "NUMBER_SIGN", "DOLLAR_SIGN", "PERCENT_SIGN", "AMPERSAND", "APOSTROPHE",
    "LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "ASTERISK", "PLUS_SIGN",
    "COMMA", "HYPHEN-MINUS", "FULL_STOP", "SOLIDUS", "DIGIT_ZERO",
    "DIGIT_ONE", "DIGIT_TWO", "DIGIT_THREE", "DIGIT_FOUR", "DIGIT_FIVE",
    "DIGIT_SIX", "DIGIT_SEVEN", "DIGIT_EIGHT", "DIGIT_NINE", "COLON",
    "SEMICOLON", "LESS-THAN_SIGN", "EQUALS_SIGN", "GREATER-THAN_SIGN",
    "QUESTION_MARK", "COMMERCIAL_AT", "LATIN_CAPITAL_LETTER_A",
    "LATIN_CAPITAL_LETTER_B", "LATIN_CAPITAL_LETTER_C",
    "LATIN_CAPITAL_LETTER_D", "LATIN_CAPITAL_LETTER_E",
    "LATIN_CAPITAL_LETTER_F", "LATIN_CAPITAL_LETTER_G",
    "LATIN_CAPITAL_LETTER_H", "LATIN_CAPITAL_LETTER_I",
    "LATIN_CAPITAL_LETTER_J", "LATIN_CAPITAL_LETTER_K",
    "LATIN_CAPITAL_LETTER_L", "LATIN_CAPITAL_LETTER_M",
    "LATIN_CAPITAL_LETTER_N", "LATIN_CAPITAL_LETTER_O",
    "LATIN_CAPITAL_LETTER_P", "LATIN_CAPITAL_LETTER_Q",
    "LATIN_CAPITAL_LETTER_R", "LATIN_CAPITAL_LETTER_S",
    "LATIN_CAPITAL_LETTER_T", "LATIN_CAPITAL_LETTER_U",
    "LATIN_CAPITAL_LETTER_V", "LATIN_CAPITAL_LETTER_W",
    "LATIN_CAPITAL_LETTER_X", "LATIN_CAPITAL_LETTER_Y",
    "LATIN_CAPITAL_LETTER_Z", "LEFT_SQUARE_BRACKET", "REVERSE_SOLIDUS",
    "RIGHT_SQUARE_BRACKET", "CIRCUMFLEX_ACCENT", "LOW_LINE", "GRAVE_ACCENT",
    "LATIN_SMALL_LETTER_A", "LATIN_SMALL_LETTER_B", "LATIN_SMALL_LETTER_C",
    "LATIN_SMALL_LETTER_D", "LATIN_SMALL_LETTER_E", "LATIN_SMALL_LETTER_F",
    "LATIN_SMALL_LETTER_G", "LATIN_SMALL_LETTER_H", "LATIN_SMALL_LETTER_I",
    "LATIN_SMALL_LETTER_J", "LATIN_SMALL_LETTER_K", "LATIN_SMALL_LETTER_L",
    "LATIN_SMALL_LETTER_M", "LATIN_SMALL_LETTER_N", "LATIN_SMALL_LETTER_O",
    "LATIN_SMALL_LETTER_P", "LATIN_SMALL_LETTER_Q", "LATIN_SMALL_LETTER_R",
    "LATIN_SMALL_LETTER_S", "LATIN_SMALL_LETTER_T", "LATIN_SMALL_LETTER_U",
    "LATIN_SMALL_LETTER_V", "LATIN_SMALL_LETTER_W", "LATIN_SMALL_LETTER_X",
    "LATIN_SMALL_LETTER_Y", "LATIN_SMALL_LETTER_Z", "LEFT_CURLY_BRACKET",
    "VERTICAL_LINE", "RIGHT_CURLY_BRACKET", "TILDE", "Rubout", "C80", "C81",
    "Break-Permitted", "No-Break-Permitted", "C84", "Next-Line",
    "Start-Selected-Area", "End-Selected-Area", "Character-Tabulation-Set",
    "Character-Tabulation-With-Justification", "Line-Tabulation-Set",
    "Partial-Line-Forward", "Partial-Line-Backward", "Reverse-Linefeed",
    "Single-Shift-Two", "Single-Shift-Three", "Device-Control-String",
    "Private-Use-One", "Private-Use-Two", "Set-Transmit-State",
    "Cancel-Character", "Message-Waiting", "Start-Guarded-Area",
    "End-Guarded-Area", "Start-String", "C99", "Single-Character-Introducer",
    "Control-Sequence-Introducer", "String-Terminator",
    "Operating-System-Command", "Privacy-Message",
    "Application-Program-Command", "NO-BREAK_SPACE",
    "INVERTED_EXCLAMATION_MARK", "CENT_SIGN", "POUND_SIGN", "CURRENCY_SIGN",
    "YEN_SIGN", "BROKEN_BAR", "SECTION_SIGN", "DIAERESIS", "COPYRIGHT_SIGN",
    "FEMININE_ORDINAL_INDICATOR",
    "LEFT-POINTING_DOUBLE_ANGLE_QUOTATION_MARK", "NOT_SIGN", "SOFT_HYPHEN",
    "REGISTERED_SIGN", "MACRON", "DEGREE_SIGN", "PLUS-MINUS_SIGN",
    "SUPERSCRIPT_TWO", "SUPERSCRIPT_THREE", "ACUTE_ACCENT", "MICRO_SIGN",
    "PILCROW_SIGN", "MIDDLE_DOT", "CEDILLA", "SUPERSCRIPT_ONE",
    "MASCULINE_ORDINAL_INDICATOR",
    "RIGHT-POINTING_DOUBLE_ANGLE_QUOTATION_MARK",
    "VULGAR_FRACTION_ONE_QUARTER", "VULGAR_FRACTION_ONE_HALF",
    "VULGAR_FRACTION_THREE_QUARTERS", "INVERTED_QUESTION_MARK",
    "LATIN_CAPITAL_LETTER_A_WITH_GRAVE", "LATIN_CAPITAL_LETTER_A_WITH_ACUTE",
    "LATIN_CAPITAL_LETTER_A_WITH_CIRCUMFLEX",
    "LATIN_CAPITAL_LETTER_A_WITH_TILDE",
    "LATIN_CAPITAL_LETTER_A_WITH_DIAERESIS",
    "LATIN_CAPITAL_LETTER_A_WITH_RING_ABOVE", "LATIN_CAPITAL_LETTER_AE",
    "LATIN_CAPITAL_LETTER_C_WITH_CEDILLA",
    "LATIN_CAPITAL_LETTER_E_WITH_GRAVE", "LATIN_CAPITAL_LETTER_E_WITH_ACUTE",
    "LATIN_CAPITAL_LETTER_E_WITH_CIRCUMFLEX",
    "LATIN_CAPITAL_LETTER_E_WITH_DIAERESIS",
    "LATIN_CAPITAL_LETTER_I_WITH_GRAVE", "LATIN_CAPITAL_LETTER_I_WITH_ACUTE",
    "LATIN_CAPITAL_LETTER_I_WITH_CIRCUMFLEX",
    "LATIN_CAPITAL_LETTER_I_WITH_DIAERESIS", "LATIN_CAPITAL_LETTER_ETH",
    "LATIN_CAPITAL_LETTER_N_WITH_TILDE", "LATIN_CAPITAL_LETTER_O_WITH_GRAVE",
    "LATIN_CAPITAL_LETTER_O_WITH_ACUTE",
    "LATIN_CAPITAL_LETTER_O_WITH_CIRCUMFLEX",
    "LATIN_CAPITAL_LETTER_O_WITH_TILDE",
    "LATIN_CAPITAL_LETTER_O_WITH_DIAERESIS", "MULTIPLICATION_SIGN",
    "LATIN_CAPITAL_LETTER_O_WITH_STROKE",
    "LATIN_CAPITAL_LETTER_U_WITH_GRAVE", "LATIN_CAPITAL_LETTER_U_WITH_ACUTE",
    "LATIN_CAPITAL_LETTER_U_WITH_CIRCUMFLEX",
    "LATIN_CAPITAL_LETTER_U_WITH_DIAERESIS",
    "LATIN_CAPITAL_LETTER_Y_WITH_ACUTE", "LATIN_CAPITAL_LETTER_THORN",
    "LATIN_SMALL_LETTER_SHARP_S", "LATIN_SMALL_LETTER_A_WITH_GRAVE",
    "LATIN_SMALL_LETTER_A_WITH_ACUTE",
    "LATIN_SMALL_LETTER_A_WITH_CIRCUMFLEX",
    "LATIN_SMALL_LETTER_A_WITH_TILDE", "LATIN_SMALL_LETTER_A_WITH_DIAERESIS",
    "LATIN_SMALL_LETTER_A_WITH_RING_ABOVE", "LATIN_SMALL_LETTER_AE",
    "LATIN_SMALL_LETTER_C_WITH_CEDILLA", "LATIN_SMALL_LETTER_E_WITH_GRAVE",
    "LATIN_SMALL_LETTER_E_WITH_ACUTE",
    "LATIN_SMALL_LETTER_E_WITH_CIRCUMFLEX",
    "LATIN_SMALL_LETTER_E_WITH_DIAERESIS", "LATIN_SMALL_LETTER_I_WITH_GRAVE",
    "LATIN_SMALL_LETTER_I_WITH_ACUTE",
    "LATIN_SMALL_LETTER_I_WITH_CIRCUMFLEX",
    "LATIN_SMALL_LETTER_I_WITH_DIAERESIS", "LATIN_SMALL_LETTER_ETH",
    "LATIN_SMALL_LETTER_N_WITH_TILDE", "LATIN_SMALL_LETTER_O_WITH_GRAVE",
    "LATIN_SMALL_LETTER_O_WITH_ACUTE",
    "LATIN_SMALL_LETTER_O_WITH_CIRCUMFLEX",
    "LATIN_SMALL_LETTER_O_WITH_TILDE", "LATIN_SMALL_LETTER_O_WITH_DIAERESIS",
    "DIVISION_SIGN", "LATIN_SMALL_LETTER_O_WITH_STROKE",
    "LATIN_SMALL_LETTER_U_WITH_GRAVE", "LATIN_SMALL_LETTER_U_WITH_ACUTE",
    "LATIN_SMALL_LETTER_U_WITH_CIRCUMFLEX",
    "LATIN_SMALL_LETTER_U_WITH_DIAERESIS", "LATIN_SMALL_LETTER_Y_WITH_ACUTE",
    "LATIN_SMALL_LETTER_THORN", "LATIN_SMALL_LETTER_Y_WITH_DIAERESIS",
};

static const struct { const char *name; uint8_t code; } char_aliases[] = {
    { "Null", 0 }, { "Bs", 8 }, { "Ht", 9 }, { "Linefeed", 10 },
    { "Lf", 10 }, { "Nl", 10 }, { "Form", 12 }, { "Formfeed", 12 },
    { "Ff", 12 }, { "Np", 12 }, { "Cr", 13 }, { "Escape", 27 },
    { "Altmode", 27 }, { "Alt", 27 }, { "Sp", 32 }, { "Delete", 127 },
    { "Del", 127 },
};

const char *lo_char_name(uint32_t code)
{
    return code < 256 ? char_names[code] : NULL;
}

static bool same_name(const char *a, size_t len, const char *name)
{
    if (strlen(name) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char x = a[i], y = name[i];
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 32);
        if (x != y)
            return false;
    }
    return true;
}

bool lo_name_char(const char *name, size_t len, uint32_t *code)
{
    for (unsigned c = 0; c < 256; c++)
        if (same_name(name, len, char_names[c])) {
            *code = c;
            return true;
        }
    for (unsigned i = 0; i < sizeof char_aliases / sizeof char_aliases[0]; i++)
        if (same_name(name, len, char_aliases[i].name)) {
            *code = char_aliases[i].code;
            return true;
        }
    /* U+41, u41: a code point in hex */
    size_t i = 1;
    if (len < 2 || (name[0] != 'U' && name[0] != 'u'))
        return false;
    if (name[1] == '+')
        i = 2;
    if (i == len || len - i > 6)
        return false;
    uint32_t v = 0;
    for (; i < len; i++) {
        int w = digit_weight((unsigned char)name[i], 16);
        if (w < 0)
            return false;
        v = v * 16 + (uint32_t)w;
    }
    if (v > 0x10ffff)
        return false;
    *code = v;
    return true;
}

/* ---- character primitives ---- */

LO_PRIMITIVE(p_char_code, "CHAR-CODE", CL, ANY, 1, 1, "(character)",
             "The code of CHARACTER: its Unicode code point, 0 to #x10FFFF.")
{
    return lo_fixnum(char_code_arg(L, args[0]));
}
LO_PRIMITIVE_ALIAS(p_char_int, p_char_code, "CHAR-INT", CL, ANY, 1, 1,
                   "(character)",
                   "The integer encoding CHARACTER: its code point, as "
                   "CHAR-CODE (characters have no attributes here).");


LO_PRIMITIVE(p_code_char, "CODE-CHAR", CL, ANY, 1, 1, "(code)",
             "The character whose code point is CODE, 0 to #x10FFFF "
             "(surrogates included).")
{
    if (!lo_fixnump(args[0]) || lo_fixnum_value(args[0]) < 0 ||
        lo_fixnum_value(args[0]) > 0x10ffff)
        lo_arg_error(L, args[0], "(MOD 1114112)");
    return lo_char((uint32_t)lo_fixnum_value(args[0]));
}

LO_PRIMITIVE(p_char_upcase, "CHAR-UPCASE", CL, ANY, 1, 1, "(character)",
             "The upper-case partner of CHARACTER, or CHARACTER itself when "
             "it has none.  Case covers Latin, Greek and Cyrillic here.")
{
    return lo_char(upcase(char_code_arg(L, args[0])));
}

LO_PRIMITIVE(p_char_downcase, "CHAR-DOWNCASE", CL, ANY, 1, 1, "(character)",
             "The lower-case partner of CHARACTER, or CHARACTER itself when "
             "it has none.  Case covers Latin, Greek and Cyrillic here.")
{
    return lo_char(downcase(char_code_arg(L, args[0])));
}

#define CHAR_PREDICATE(fname, test, opname, docstr)                         \
    LO_PRIMITIVE(fname, opname, CL, ANY, 1, 1, "(character)", docstr)        \
    {                                                                       \
        return lo_truth(L, test(char_code_arg(L, args[0])));               \
    }
CHAR_PREDICATE(p_upper_case_p, upper_case_p, "UPPER-CASE-P",
               "True when CHARACTER is an upper-case letter with a lower-case "
               "partner (Latin, Greek and Cyrillic here).")
CHAR_PREDICATE(p_lower_case_p, lower_case_p, "LOWER-CASE-P",
               "True when CHARACTER is a lower-case letter with an upper-case "
               "partner (Latin, Greek and Cyrillic here).")
CHAR_PREDICATE(p_both_case_p, both_case_p, "BOTH-CASE-P",
               "True when CHARACTER has a partner of the other case (Latin, "
               "Greek and Cyrillic here).")
CHAR_PREDICATE(p_alpha_char_p, alpha_char_p, "ALPHA-CHAR-P",
               "True when CHARACTER is a letter.  Only the Latin, Greek and "
               "Cyrillic letters are known so far.")
CHAR_PREDICATE(p_alphanumericp, alphanumericp, "ALPHANUMERICP",
               "True when CHARACTER is a letter (as ALPHA-CHAR-P) or one of "
               "the digits 0 to 9.")
CHAR_PREDICATE(p_graphic_char_p, graphic_char_p, "GRAPHIC-CHAR-P",
               "True when CHARACTER prints as itself: anything but the C0 and "
               "C1 control characters and Rubout.")

LO_PRIMITIVE(p_digit_char_p, "DIGIT-CHAR-P", CL, ANY, 1, 2,
             "(char &optional radix)",
             "The weight of CHAR as a digit in RADIX (2 to 36, by default "
             "10), or NIL when it is none: 0-9, then A-Z in either case.")
{
    uint32_t c = char_code_arg(L, args[0]);
    int w = digit_weight(c, radix_arg(L, nargs > 1 ? args[1] : LO_UNBOUND));
    return w < 0 ? L->nil : lo_fixnum(w);
}

LO_PRIMITIVE(p_digit_char, "DIGIT-CHAR", CL, ANY, 1, 2,
             "(weight &optional radix)",
             "The character that is the digit WEIGHT in RADIX (2 to 36, by "
             "default 10), upper case past 9; NIL when WEIGHT is not below "
             "RADIX.")
{
    int radix = radix_arg(L, nargs > 1 ? args[1] : LO_UNBOUND);
    if ((!lo_fixnump(args[0]) && !lo_typep(args[0], LO_T_BIGNUM)) ||
        lo_num_sign(L, args[0], "DIGIT-CHAR") < 0)
        lo_arg_error(L, args[0], "UNSIGNED-BYTE");
    if (!lo_fixnump(args[0]) || lo_fixnum_value(args[0]) >= radix)
        return L->nil;
    int64_t w = lo_fixnum_value(args[0]);
    return lo_char(w < 10 ? '0' + (uint32_t)w : 'A' + (uint32_t)w - 10);
}

LO_PRIMITIVE(p_char_name, "CHAR-NAME", CL, ANY, 1, 1, "(character)",
             "The name of CHARACTER as a string (\"Space\", \"Newline\", "
             "\"LATIN_SMALL_LETTER_A\"...), SBCL's names; NIL past the first "
             "256 code points so far.")
{
    const char *name = lo_char_name(char_code_arg(L, args[0]));
    return name ? lo_make_string(L, name, strlen(name)) : L->nil;
}

/* The comparisons: every neighbouring pair in order (char/= and
 * char-not-equal: every pair distinct).  The case-insensitive ones
 * compare lower cases, as SBCL does (so #\_ is char-lessp #\a). */
enum order { EQ, NE, LT, GT, LE, GE };

static bool ordered(int64_t x, int64_t y, enum order how)
{
    switch (how) {
    case EQ: return x == y;
    case NE: return x != y;
    case LT: return x < y;
    case GT: return x > y;
    case LE: return x <= y;
    default: return x >= y;
    }
}

static lo_value compare_chars(lo_lisp *L, lo_value *a, uint32_t n,
                              enum order how, bool fold)
{
    for (uint32_t i = 0; i < n; i++)
        lo_arg_character(L, a[i]);
    for (uint32_t i = 0; i + 1 < n; i++) {
        uint32_t last = how == NE ? n : i + 2;
        for (uint32_t j = i + 1; j < last; j++) {
            uint32_t x = lo_char_code(a[i]), y = lo_char_code(a[j]);
            if (fold) {
                x = downcase(x);
                y = downcase(y);
            }
            if (!ordered(x, y, how))
                return L->nil;
        }
    }
    return L->t;
}

#define CHAR_COMPARE(fname, how, fold, opname, docstr)                      \
    LO_PRIMITIVE(fname, opname, CL, ANY, 1, -1,                             \
                 "(character &rest more-characters)", docstr)               \
    {                                                                       \
        return compare_chars(L, args, nargs, how, fold);                    \
    }
CHAR_COMPARE(p_char_eq, EQ, false, "CHAR=",
             "True when all the characters given are the same character.")
CHAR_COMPARE(p_char_ne, NE, false, "CHAR/=",
             "True when no two of the characters given are the same.")
CHAR_COMPARE(p_char_lt, LT, false, "CHAR<",
             "True when the characters' codes strictly increase from left to "
             "right.")
CHAR_COMPARE(p_char_gt, GT, false, "CHAR>",
             "True when the characters' codes strictly decrease from left to "
             "right.")
CHAR_COMPARE(p_char_le, LE, false, "CHAR<=",
             "True when the characters' codes never decrease from left to "
             "right.")
CHAR_COMPARE(p_char_ge, GE, false, "CHAR>=",
             "True when the characters' codes never increase from left to "
             "right.")
CHAR_COMPARE(p_char_equal, EQ, true, "CHAR-EQUAL",
             "True when all the characters given are the same, ignoring case "
             "(their lower-case forms are compared).")
CHAR_COMPARE(p_char_not_equal, NE, true, "CHAR-NOT-EQUAL",
             "True when no two of the characters given are the same, ignoring "
             "case.")
CHAR_COMPARE(p_char_lessp, LT, true, "CHAR-LESSP",
             "As CHAR< on the characters' lower-case forms (so #\\_ is less "
             "than #\\a, as in SBCL).")
CHAR_COMPARE(p_char_greaterp, GT, true, "CHAR-GREATERP",
             "As CHAR> on the characters' lower-case forms.")
CHAR_COMPARE(p_char_not_greaterp, LE, true, "CHAR-NOT-GREATERP",
             "As CHAR<= on the characters' lower-case forms.")
CHAR_COMPARE(p_char_not_lessp, GE, true, "CHAR-NOT-LESSP",
             "As CHAR>= on the characters' lower-case forms.")

/* ---- strings: making and reading ----------------------------------------- */

lo_value lo_alloc_string(lo_lisp *L, uint64_t length)
{
    if (length > LO_MAX_SEQUENCE)
        lo_error(L, "STORAGE-CONDITION", "a string of %llu characters is "
                 "too long", (unsigned long long)length);
    uint64_t *p = lo_alloc_raw(L, LO_T_STRING, 2 + (length + 1) / 2, 1);
    p[1] = lo_fixnum((int64_t)length);
    return lo_make_object(p);
}

/*
 * A string designator's characters: a string's own, a symbol's name, or
 * one character.  The pointer is into the heap (or into the struct for a
 * character): good until the next call back into Lisp -- and none of the
 * string functions makes one.
 */
struct text {
    const uint32_t *chars;
    uint64_t len;
    uint32_t one;
};

#define STRING_DESIGNATOR "(OR STRING SYMBOL CHARACTER)"

static void text_of(lo_lisp *L, lo_value v, struct text *t, const char *op)
{
    if (lo_charp(v)) {
        t->one = lo_char_code(v);
        t->chars = &t->one;
        t->len = 1;
        return;
    }
    if (lo_symbolp(v))
        v = lo_symbol_name(v);
    else if (lo_typep(v, LO_T_STRING))
        lo_check_access(L, v, LO_ACCESS_READ, op);
    else
        lo_arg_error_op(L, op, v, STRING_DESIGNATOR);
    t->chars = lo_string_chars(v);
    t->len = lo_string_length(v);
}

static lo_value string_from(lo_lisp *L, const uint32_t *chars, uint64_t len)
{
    lo_value s = lo_alloc_string(L, len);   /* allocating moves nothing */
    memcpy(lo_string_chars(s), chars, len * sizeof *chars);
    return s;
}

/* (name-char name): names are ASCII, so nothing else names a character. */
LO_PRIMITIVE(p_name_char, "NAME-CHAR", CL, ANY, 1, 1, "(name)",
             "The character called NAME (a string designator) in any case: a "
             "name CHAR-NAME gives, an alias such as Linefeed or Escape, or "
             "U+ and the code in hex; NIL when none is.")
{
    struct text t;
    text_of(L, args[0], &t, "NAME-CHAR");
    char name[64];
    if (t.len >= sizeof name)
        return L->nil;
    for (uint64_t i = 0; i < t.len; i++) {
        if (t.chars[i] >= 0x80)
            return L->nil;
        name[i] = (char)t.chars[i];
    }
    uint32_t code;
    return lo_name_char(name, t.len, &code) ? lo_char(code) : L->nil;
}

/* (make-string size &key initial-element element-type) */
LO_PRIMITIVE(p_make_string, "MAKE-STRING", CL, ANY, 1, -1,
             "(size &key initial-element element-type)",
             "A fresh string of SIZE characters, each INITIAL-ELEMENT (by "
             "default code 0).  ELEMENT-TYPE is accepted and ignored: every "
             "string holds any character.")
{
    lo_value k[2];
    lo_parse_keys(L, "MAKE-STRING", args, nargs, 1, "INITIAL-ELEMENT ELEMENT-TYPE", k);
    uint64_t len = lo_index_arg(L, args[0], "MAKE-STRING");
    uint32_t fill = k[0] == LO_UNBOUND ? 0 : char_code_arg(L, k[0]);
    lo_value s = lo_alloc_string(L, len);
    for (uint64_t i = 0; i < len; i++)
        lo_string_chars(s)[i] = fill;
    return s;
}

/* (string x): a string as it is, a symbol's name, a character as a string
 * of one. */
LO_PRIMITIVE(p_string, "STRING", CL, ANY, 1, 1, "(x)",
             "X as a string: a string itself, a symbol's name (read-only), or "
             "a fresh string holding the character X.")
{
    if (lo_typep(args[0], LO_T_STRING))
        return args[0];
    if (lo_symbolp(args[0]))
        return lo_read_only(lo_symbol_name(args[0]));
    if (lo_charp(args[0])) {
        uint32_t c = lo_char_code(args[0]);
        return string_from(L, &c, 1);
    }
    lo_arg_error(L, args[0], STRING_DESIGNATOR);
}

/* char and schar: strings are all simple here. */
LO_PRIMITIVE(p_char, "CHAR", CL, ANY, 2, 2, "(string index)",
             "The character at INDEX (from 0) of STRING; needs its read bit.")
{
    lo_value s = lo_arg_string_with(L, args[0], LO_ACCESS_READ, "CHAR");
    return lo_char(lo_string_chars(s)[lo_arg_index(L, args[1],
                                                   lo_string_length(s))]);
}
LO_PRIMITIVE_ALIAS(p_schar, p_char, "SCHAR", CL, ANY, 2, 2, "(string index)",
                   "The character at INDEX (from 0) of the simple STRING; "
                   "needs its read bit.  Every string is simple here.");


/* (%char-set string index char): what (setf (char s i) c) becomes. */
LO_PRIMITIVE(p_char_set, "%CHAR-SET", INTERNAL, ANY, 3, 3,
             "(string index character)",
             "Store CHARACTER at INDEX of STRING (its write bit needed); "
             "returns CHARACTER.  What (SETF CHAR) becomes.")
{
    lo_value s = lo_arg_string_with(L, args[0], LO_ACCESS_WRITE, "(SETF CHAR)");
    uint64_t i = lo_arg_index(L, args[1], lo_string_length(s));
    lo_string_chars(s)[i] = char_code_arg(L, args[2]);
    return args[2];
}
LO_PRIMITIVE_ALIAS(p_schar_set, p_char_set, "%SCHAR-SET", INTERNAL, ANY, 3,
                   3, "(string index character)",
                   "Store CHARACTER at INDEX of STRING (its write bit "
                   "needed); returns CHARACTER.  What (SETF SCHAR) "
                   "becomes.");


/* ---- string comparisons ----
 * (string< s1 s2 &key start1 end1 start2 end2) and the rest: compare the
 * two ranges character by character; the answer is true or false for
 * string= and string-equal, else the index in s1 where they first differ
 * (nil when the order does not hold). */

static lo_value compare_strings(lo_lisp *L, lo_value *a, uint32_t n,
                                enum order how, bool fold, const char *op)
{
    lo_value k[4];
    lo_parse_keys(L, op, a, n, 2, "START1 END1 START2 END2", k);
    struct text t1, t2;
    text_of(L, a[0], &t1, op);
    text_of(L, a[1], &t2, op);
    uint64_t s1, e1, s2, e2;
    lo_bounds(L, op, k[0], k[1], t1.len, &s1, &e1);
    lo_bounds(L, op, k[2], k[3], t2.len, &s2, &e2);
    uint64_t i = s1, j = s2;
    int cmp = 0;                        /* s1's range against s2's */
    for (; i < e1 && j < e2; i++, j++) {
        uint32_t x = t1.chars[i], y = t2.chars[j];
        if (fold) {
            x = downcase(x);
            y = downcase(y);
        }
        if (x != y) {
            cmp = x < y ? -1 : 1;
            break;
        }
    }
    if (cmp == 0 && (i < e1 || j < e2))
        cmp = i < e1 ? 1 : -1;          /* a proper prefix is less */
    if (how == EQ)
        return lo_truth(L, cmp == 0);
    return ordered(cmp, 0, how) ? lo_fixnum((int64_t)i) : L->nil;
}

#define STRING_COMPARE(fname, how, fold, opname, docstr)                    \
    LO_PRIMITIVE(fname, opname, CL, ANY, 2, -1,                             \
                 "(string1 string2 &key start1 end1 start2 end2)",          \
                 docstr)                                                    \
    {                                                                       \
        return compare_strings(L, args, nargs, how, fold, opname);          \
    }
STRING_COMPARE(p_string_eq, EQ, false, "STRING=",
               "True when the range START1..END1 of STRING1 holds the same "
               "characters as START2..END2 of STRING2 (string designators; "
               "their read bits needed).")
STRING_COMPARE(p_string_ne, NE, false, "STRING/=",
               "The index in STRING1 where the two ranges (as for STRING=) "
               "first differ, or NIL when they are equal.")
STRING_COMPARE(p_string_lt, LT, false, "STRING<",
               "The index in STRING1 where the two ranges (as for STRING=) "
               "first differ when STRING1's sorts first by character code (a "
               "proper prefix does), else NIL.")
STRING_COMPARE(p_string_gt, GT, false, "STRING>",
               "The index in STRING1 where the two ranges (as for STRING=) "
               "first differ when STRING1's sorts last by character code, "
               "else NIL.")
STRING_COMPARE(p_string_le, LE, false, "STRING<=",
               "As STRING<, but equal ranges are in order too (the index is "
               "then their end in STRING1).")
STRING_COMPARE(p_string_ge, GE, false, "STRING>=",
               "As STRING>, but equal ranges are in order too (the index is "
               "then their end in STRING1).")
STRING_COMPARE(p_string_equal, EQ, true, "STRING-EQUAL",
               "As STRING=, ignoring case.")
STRING_COMPARE(p_string_not_equal, NE, true, "STRING-NOT-EQUAL",
               "As STRING/=, ignoring case.")
STRING_COMPARE(p_string_lessp, LT, true, "STRING-LESSP",
               "As STRING<, ignoring case (lower-case forms are compared).")
STRING_COMPARE(p_string_greaterp, GT, true, "STRING-GREATERP",
               "As STRING>, ignoring case (lower-case forms are compared).")
STRING_COMPARE(p_string_not_greaterp, LE, true, "STRING-NOT-GREATERP",
               "As STRING<=, ignoring case (lower-case forms are compared).")
STRING_COMPARE(p_string_not_lessp, GE, true, "STRING-NOT-LESSP",
               "As STRING>=, ignoring case (lower-case forms are compared).")

/* ---- case conversion ----
 * string-upcase and friends return a fresh string; the nstring- ones
 * change theirs (which takes the write bit).  Capitalizing upcases the
 * first alphanumeric character of each word (a run of alphanumerics) and
 * downcases the rest; a word starts anew at :start. */

enum case_mode { UPCASE, DOWNCASE, CAPITALIZE };

static void convert_case(uint32_t *chars, uint64_t start, uint64_t end,
                         enum case_mode mode)
{
    bool in_word = false;
    for (uint64_t i = start; i < end; i++) {
        uint32_t c = chars[i];
        if (mode == UPCASE) {
            chars[i] = upcase(c);
        } else if (mode == DOWNCASE) {
            chars[i] = downcase(c);
        } else {
            chars[i] = in_word ? downcase(c) : upcase(c);
            in_word = alphanumericp(c);
        }
    }
}

static lo_value string_case(lo_lisp *L, lo_value *a, uint32_t n,
                            enum case_mode mode, const char *op)
{
    lo_value k[2];
    lo_parse_keys(L, op, a, n, 1, "START END", k);
    struct text t;
    text_of(L, a[0], &t, op);
    uint64_t start, end;
    lo_bounds(L, op, k[0], k[1], t.len, &start, &end);
    lo_value s = string_from(L, t.chars, t.len);
    convert_case(lo_string_chars(s), start, end, mode);
    return s;
}

static lo_value nstring_case(lo_lisp *L, lo_value *a, uint32_t n,
                             enum case_mode mode, const char *op)
{
    lo_value k[2];
    lo_parse_keys(L, op, a, n, 1, "START END", k);
    lo_value s = lo_arg_string_with(L, a[0], LO_ACCESS_READ | LO_ACCESS_WRITE,
                                    op);
    uint64_t start, end;
    lo_bounds(L, op, k[0], k[1], lo_string_length(s), &start, &end);
    convert_case(lo_string_chars(s), start, end, mode);
    return s;
}

LO_PRIMITIVE(p_string_upcase, "STRING-UPCASE", CL, ANY, 1, -1,
             "(string &key start end)",
             "A fresh copy of the string designator STRING with the "
             "characters from START to END in upper case.")
{ return string_case(L, args, nargs, UPCASE, "STRING-UPCASE"); }
LO_PRIMITIVE(p_string_downcase, "STRING-DOWNCASE", CL, ANY, 1, -1,
             "(string &key start end)",
             "A fresh copy of the string designator STRING with the "
             "characters from START to END in lower case.")
{ return string_case(L, args, nargs, DOWNCASE, "STRING-DOWNCASE"); }
LO_PRIMITIVE(p_string_capitalize, "STRING-CAPITALIZE", CL, ANY, 1, -1,
             "(string &key start end)",
             "A fresh copy of the string designator STRING in which each word "
             "(a run of letters and digits) from START to END starts in upper "
             "case and goes on in lower case.")
{ return string_case(L, args, nargs, CAPITALIZE, "STRING-CAPITALIZE"); }
LO_PRIMITIVE(p_nstring_upcase, "NSTRING-UPCASE", CL, ANY, 1, -1,
             "(string &key start end)",
             "Put the characters of STRING from START to END in upper case, "
             "in place (its read and write bits needed); returns STRING.")
{ return nstring_case(L, args, nargs, UPCASE, "NSTRING-UPCASE"); }
LO_PRIMITIVE(p_nstring_downcase, "NSTRING-DOWNCASE", CL, ANY, 1, -1,
             "(string &key start end)",
             "Put the characters of STRING from START to END in lower case, "
             "in place (its read and write bits needed); returns STRING.")
{ return nstring_case(L, args, nargs, DOWNCASE, "NSTRING-DOWNCASE"); }
LO_PRIMITIVE(p_nstring_capitalize, "NSTRING-CAPITALIZE", CL, ANY, 1, -1,
             "(string &key start end)",
             "Capitalize the words of STRING from START to END (as "
             "STRING-CAPITALIZE), in place (its read and write bits needed); "
             "returns STRING.")
{ return nstring_case(L, args, nargs, CAPITALIZE, "NSTRING-CAPITALIZE"); }

/* ---- trimming ----
 * (string-trim bag string): bag is any sequence of characters. */

static bool in_bag(lo_lisp *L, lo_value bag, uint32_t c, const char *op)
{
    lo_value ch = lo_char(c);
    if (lo_null(L, bag) || lo_consp(bag)) {
        for (; lo_consp(bag); bag = lo_cdr_raw(bag))
            if (lo_eq(lo_car_raw(bag), ch))
                return true;
        return false;
    }
    if (!lo_any_vector_p(bag))
        lo_arg_error_op(L, op, bag, "SEQUENCE");
    lo_check_access(L, bag, LO_ACCESS_READ, op);
    for (uint64_t i = 0; i < lo_any_vector_length(bag); i++)
        if (lo_eq(lo_any_vector_ref(bag, i), ch))
            return true;
    return false;
}

static lo_value trim(lo_lisp *L, lo_value *a, bool left, bool right,
                     const char *op)
{
    struct text t;
    text_of(L, a[1], &t, op);
    uint64_t start = 0, end = t.len;
    while (left && start < end && in_bag(L, a[0], t.chars[start], op))
        start++;
    while (right && end > start && in_bag(L, a[0], t.chars[end - 1], op))
        end--;
    return string_from(L, t.chars + start, end - start);
}

LO_PRIMITIVE(p_string_trim, "STRING-TRIM", CL, ANY, 2, 2,
             "(character-bag string)",
             "A fresh string of the string designator STRING without the "
             "characters in the sequence CHARACTER-BAG at either end.")
{ return trim(L, args, true, true, "STRING-TRIM"); }
LO_PRIMITIVE(p_string_left_trim, "STRING-LEFT-TRIM", CL, ANY, 2, 2,
             "(character-bag string)",
             "A fresh string of the string designator STRING without the "
             "characters in the sequence CHARACTER-BAG at its start.")
{ return trim(L, args, true, false, "STRING-LEFT-TRIM"); }
LO_PRIMITIVE(p_string_right_trim, "STRING-RIGHT-TRIM", CL, ANY, 2, 2,
             "(character-bag string)",
             "A fresh string of the string designator STRING without the "
             "characters in the sequence CHARACTER-BAG at its end.")
{ return trim(L, args, false, true, "STRING-RIGHT-TRIM"); }

/* ---- parse-integer ----
 * (parse-integer string &key start end radix junk-allowed): two values,
 * the integer (or nil) and the index where parsing stopped.  Whitespace
 * around the number is what SBCL skips: space, tab, newline, return, page.
 */

static bool parse_blank(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

LO_PRIMITIVE(p_parse_integer, "PARSE-INTEGER", CL, ANY, 1, -1,
             "(string &key start end radix junk-allowed)",
             "Read an optionally signed integer in RADIX (2 to 36, by default "
             "10) from STRING between START and END, blanks around it "
             "allowed.  Two values: the integer and the index where reading "
             "stopped.  Anything else is a PARSE-ERROR unless JUNK-ALLOWED "
             "(then the integer may be NIL).")
{
    const char *op = "PARSE-INTEGER";
    lo_value k[4];
    lo_parse_keys(L, op, args, nargs, 1, "START END RADIX JUNK-ALLOWED", k);
    lo_value s = lo_arg_string_with(L, args[0], LO_ACCESS_READ, op);
    const uint32_t *c = lo_string_chars(s);
    uint64_t i, end;
    lo_bounds(L, op, k[0], k[1], lo_string_length(s), &i, &end);
    int radix = radix_arg(L, k[2]);
    bool junk_allowed = lo_given(L, k[3]);

    while (i < end && parse_blank(c[i]))
        i++;
    bool negative = i < end && c[i] == '-';
    if (i < end && (c[i] == '-' || c[i] == '+'))
        i++;
    uint64_t first = i;
    while (i < end && digit_weight(c[i], radix) >= 0)
        i++;
    uint64_t digits = i - first;
    lo_value result[2] = { L->nil, lo_fixnum((int64_t)i) };
    if (digits) {                   /* the digits as ASCII, for numtext.c */
        char *text = (char *)lo_big_scratch(L, digits / 8 + 1);
        for (uint64_t k = 0; k < digits; k++)
            text[k] = (char)c[first + k];
        result[0] = lo_digits_integer(L, text, digits, (unsigned)radix,
                                      negative);
    }
    if (junk_allowed)
        return lo_values(L, 2, result);
    while (i < end && parse_blank(c[i]))
        i++;
    if (!digits || i < end)
        lo_error(L, "PARSE-ERROR", "%s: not an integer in radix %d", op,
                 radix);
    result[1] = lo_fixnum((int64_t)end);
    return lo_values(L, 2, result);
}

/* ---- symbols ------------------------------------------------------------- */

LO_PRIMITIVE(p_stringp, "STRINGP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a string.")
{ return lo_truth(L, lo_typep(args[0], LO_T_STRING)); }

LO_PRIMITIVE(p_characterp, "CHARACTERP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a character.")
{ return lo_truth(L, lo_charp(args[0])); }

const struct lo_primitive *const lo_prims_strings[] = {
    LO_ROW(p_char_code),
    LO_ROW(p_char_int),
    LO_ROW(p_code_char),
    LO_ROW(p_char_upcase),
    LO_ROW(p_char_downcase),
    LO_ROW(p_upper_case_p),
    LO_ROW(p_lower_case_p),
    LO_ROW(p_both_case_p),
    LO_ROW(p_alpha_char_p),
    LO_ROW(p_alphanumericp),
    LO_ROW(p_graphic_char_p),
    LO_ROW(p_digit_char_p),
    LO_ROW(p_digit_char),
    LO_ROW(p_char_name),
    LO_ROW(p_name_char),
    LO_ROW(p_char_eq),
    LO_ROW(p_char_ne),
    LO_ROW(p_char_lt),
    LO_ROW(p_char_gt),
    LO_ROW(p_char_le),
    LO_ROW(p_char_ge),
    LO_ROW(p_char_equal),
    LO_ROW(p_char_not_equal),
    LO_ROW(p_char_lessp),
    LO_ROW(p_char_greaterp),
    LO_ROW(p_char_not_greaterp),
    LO_ROW(p_char_not_lessp),
    LO_ROW(p_make_string),
    LO_ROW(p_string),
    LO_ROW(p_char),
    LO_ROW(p_schar),
    LO_ROW(p_char_set),
    LO_ROW(p_schar_set),
    LO_ROW(p_string_eq),
    LO_ROW(p_string_ne),
    LO_ROW(p_string_lt),
    LO_ROW(p_string_gt),
    LO_ROW(p_string_le),
    LO_ROW(p_string_ge),
    LO_ROW(p_string_equal),
    LO_ROW(p_string_not_equal),
    LO_ROW(p_string_lessp),
    LO_ROW(p_string_greaterp),
    LO_ROW(p_string_not_greaterp),
    LO_ROW(p_string_not_lessp),
    LO_ROW(p_string_upcase),
    LO_ROW(p_string_downcase),
    LO_ROW(p_string_capitalize),
    LO_ROW(p_nstring_upcase),
    LO_ROW(p_nstring_downcase),
    LO_ROW(p_nstring_capitalize),
    LO_ROW(p_string_trim),
    LO_ROW(p_string_left_trim),
    LO_ROW(p_string_right_trim),
    LO_ROW(p_parse_integer),
    LO_ROW(p_stringp),
    LO_ROW(p_characterp),
    NULL,
};
