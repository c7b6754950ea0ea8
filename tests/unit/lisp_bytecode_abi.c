/*
 * lisp_bytecode_abi.c -- the instruction set only grows (lisp/bytecode.h,
 * docs/upgrade.md "Rules for developers"): every store holds code
 * compiled to the opcodes' numbers and operands, which no upgrade
 * recompiles, so none may change.
 *
 * tests/unit/bytecode_abi.txt lists every instruction: its number, its
 * name in enum lo_op, its name in DISASSEMBLE and its operands.  This
 * test reads enum lo_op from lisp/bytecode.h's text (the names and their
 * numbers, as C numbers them) and checks it against the list: a listed
 * instruction that changed its number or went away fails, and so does an
 * instruction the list lacks -- the diagnostic gives the row to add when
 * it is new at the end.  What the compiler made of the enum is checked
 * too, through lisp/opcodes.c's table, which the disassembler and the
 * translator share (lo_op_name, which is keyed by
 * the compiled OP_ constants): at each listed number, the listed
 * instruction with the listed operands.
 *
 * Run from the tree's root (make check does), where it finds both files.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp/bytecode.h"
#include "lisp/opcodes.h"
#include "tests/tap.h"

#define LIST "tests/unit/bytecode_abi.txt"
#define HEADER "lisp/bytecode.h"

enum { MAX_OPS = 256, NAME = 48 };

struct op {
    unsigned number;
    char name[NAME];            /* OP_... */
    char shown[NAME];           /* as DISASSEMBLE shows it */
    char operands[NAME];        /* "" for none */
};

static struct op listed[MAX_OPS], enumerated[MAX_OPS];
static int nlisted, nenumerated;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        bail_out("cannot read %s (run from the tree's root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n)
        bail_out("cannot read %s", path);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* The list: "NUMBER OP_NAME SHOWN OPERANDS" a line, # comments. */
static void read_list(void)
{
    char *text = slurp(LIST), *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (nlisted == MAX_OPS)
            bail_out(LIST ": more than %d rows", MAX_OPS);
        struct op *o = &listed[nlisted++];
        if (sscanf(line, "%u %47s %47s %47s", &o->number, o->name, o->shown,
                   o->operands) != 4)
            bail_out(LIST ": not \"NUMBER OP_NAME SHOWN OPERANDS\": %s", line);
        if (!strcmp(o->operands, "-"))
            o->operands[0] = '\0';
    }
    free(text);
}

/* Blank out the C comments of text, in place. */
static void strip_comments(char *text)
{
    for (char *p = text; (p = strstr(p, "/*"));) {
        char *end = strstr(p + 2, "*/");
        if (!end)
            bail_out(HEADER ": a comment does not end");
        memset(p, ' ', (size_t)(end + 2 - p));
    }
}

/* enum lo_op of the header: each enumerator "OP_NAME" or "OP_NAME = N",
 * numbered as C numbers them.  Anything else in it is a reason to stop:
 * this reader would no longer know what the compiler makes of it. */
static void read_enum(void)
{
    char *text = slurp(HEADER);
    strip_comments(text);
    char *start = strstr(text, "enum lo_op {");
    if (!start)
        bail_out(HEADER ": no \"enum lo_op {\"");
    start += strlen("enum lo_op {");
    char *end = strstr(start, "};");
    if (!end)
        bail_out(HEADER ": enum lo_op does not end");
    *end = '\0';
    unsigned next = 0;
    char *save = NULL;
    for (char *item = strtok_r(start, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        if (!*item)
            continue;
        if (nenumerated == MAX_OPS)
            bail_out(HEADER ": more than %d opcodes", MAX_OPS);
        struct op *o = &enumerated[nenumerated++];
        int used = 0;
        if (sscanf(item, "%47[A-Z0-9_]%n", o->name, &used) != 1 ||
            strncmp(o->name, "OP_", 3))
            bail_out(HEADER ": enum lo_op holds \"%s\", not OP_NAME", item);
        char *rest = item + used;
        while (isspace((unsigned char)*rest))
            rest++;
        if (*rest == '=') {
            char *after;
            next = (unsigned)strtoul(rest + 1, &after, 0);
            while (isspace((unsigned char)*after))
                after++;
            if (*after)
                bail_out(HEADER ": %s = %s: only a number is understood",
                         o->name, rest + 1);
        } else if (*rest) {
            bail_out(HEADER ": enum lo_op holds \"%s\"", item);
        }
        o->number = next++;
    }
    free(text);
}

static const struct op *find(const struct op *ops, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ops[i].name, name))
            return &ops[i];
    return NULL;
}

/* The list itself: numbered 1, 2, ... in order, each name once. */
static void list_is_whole(void)
{
    int bad = 0;
    for (int i = 0; i < nlisted; i++) {
        if (listed[i].number != (unsigned)i + 1) {
            if (!bad++)
                diag(LIST ": row %d is numbered %u", i + 1, listed[i].number);
        } else if (find(listed, i, listed[i].name)) {
            if (!bad++)
                diag(LIST ": %s is listed twice", listed[i].name);
        }
    }
    is_int(bad, 0, "the list numbers its %d instructions 1 to %d, in order",
           nlisted, nlisted);
}

/* Every listed instruction is still in the enum, under its number. */
static void listed_kept(void)
{
    int gone = 0, moved = 0;
    for (int i = 0; i < nlisted; i++) {
        const struct op *l = &listed[i];
        const struct op *e = find(enumerated, nenumerated, l->name);
        if (!e) {
            gone++;
            diag("%s (number %u) is gone from enum lo_op: every store holds "
                 "code that uses it. Keep it; an incompatible change of the "
                 "bytecode bumps LO_BYTECODE_VERSION (lisp/open.c) and ships "
                 "a translator (docs/upgrade-design.md 2.4)",
                 l->name, l->number);
        } else if (e->number != l->number) {
            moved++;
            diag("%s is number %u in enum lo_op but %u in " LIST ": an "
                 "opcode never changes its number (put new ones at the end "
                 "of the enum)", l->name, e->number, l->number);
        }
    }
    is_int(gone, 0, "no listed instruction is removed from enum lo_op");
    is_int(moved, 0, "every listed instruction keeps its number");
}

/* Every instruction of the enum is listed: a new one, numbered after the
 * list's last, needs its row. */
static void enumerated_listed(void)
{
    int missing = 0;
    for (int i = 0; i < nenumerated; i++) {
        const struct op *e = &enumerated[i];
        if (find(listed, nlisted, e->name))
            continue;
        missing++;
        const char *shown = lo_op_name(e->number);
        const char *operands = shown ? lo_op_operands(e->number) : "";
        if (e->number > (unsigned)nlisted)
            diag("%s (number %u) is new: add its row at the end of " LIST
                 ":\n#     %u %s %s %s", e->name, e->number, e->number,
                 e->name, shown ? shown : "NAME-IN-DISASSEMBLE.C",
                 shown && *operands ? operands : "-");
        else
            diag("%s has number %u, which %s had: new instructions take "
                 "numbers after the last listed one (%d)", e->name,
                 e->number, listed[e->number - 1].name, nlisted);
    }
    is_int(missing, 0, "every instruction of enum lo_op (%d) is listed",
           nenumerated);
}

/* What the compiler made of it: the disassembler's table, keyed by the
 * compiled constants, has each listed instruction at its number, with
 * its operands. */
static void compiled_agrees(void)
{
    int wrong = 0;
    for (int i = 0; i < nlisted; i++) {
        const struct op *l = &listed[i];
        const char *shown = lo_op_name(l->number);
        const char *operands = shown ? lo_op_operands(l->number) : "";
        if (!shown || strcmp(shown, l->shown) || strcmp(operands, l->operands)) {
            wrong++;
            diag("compiled opcode %u is %s (operands \"%s\"); " LIST
                 " says %s %s (operands \"%s\")", l->number,
                 shown ? shown : "nothing", shown ? operands : "",
                 l->name, l->shown, l->operands);
        }
    }
    is_int(wrong, 0, "each compiled opcode is the listed instruction, with "
           "the listed operands (lisp/opcodes.c's table)");
    int unknown = 0;
    for (int i = 0; i < nenumerated; i++)
        if (!lo_op_name(enumerated[i].number)) {
            unknown++;
            diag("%s (number %u) has no row in lisp/opcodes.c's table",
                 enumerated[i].name, enumerated[i].number);
        }
    is_int(unknown, 0, "the disassembler knows every instruction");
    ok(nenumerated < 256, "opcodes fit their byte (%d)", nenumerated);
}

int main(void)
{
    read_list();
    read_enum();
    ok(nlisted > 0 && nenumerated > 0, "%d instructions listed, %d in enum "
       "lo_op", nlisted, nenumerated);
    list_is_whole();
    listed_kept();
    enumerated_listed();
    compiled_agrees();
    return done_testing();
}
