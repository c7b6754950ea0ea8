/*
 * lisp_bytecode_translate.c -- translating a store's compiled code to
 * this build's bytecode (lisp/bytecode_translate.h, issue 18,
 * docs/upgrade-design.md 2.4).
 *
 * The permutation test: on a store booted cold, alice defines functions,
 * closures, a generic function with methods, a function using a macro's
 * expansion, and code with jumps, a far GO (a jump table), CATCH, UNWIND-
 * PROTECT and multiple values.  Every code object of the heap -- hers and
 * the system's -- then has its opcodes scrambled by a permutation Q, as
 * if compiled by a build numbering its opcodes otherwise (every
 * instruction changes; the code is not run in that state, which would
 * crash).  A chain of two test rows (97 -> 98 -> this build) undoing Q
 * brings every byte back, every answer is right again, and the heap
 * verifies.  The framework's refusals: no chain (the message names both
 * versions), a row that declines; the same version translates nothing.
 *
 * Lengths: an expand row splitting RETURN1 into MV1 and RETURN makes most
 * code objects a byte longer, so they move to new objects and every jump
 * over a RETURN1 is mapped; every answer is still right, before and after
 * a collection, which then finds the same code objects, no RETURN1 left
 * and exactly one byte more per RETURN1 there was.  An expand row writing
 * a jump into an operand is refused before writing anything; a whole-code
 * rewrite row lengthening everything moves everything.
 *
 * The open: a store whose system version says an unknown bytecode is
 * refused by lo_lisp_open_with with that message, and nothing is
 * written (the root page as it was, no page written).
 */
#include <stdio.h>
#include <string.h>

#include "drivers/checksum.h"
#include "gc/gc.h"
#include "lisp/bytecode.h"
#include "lisp/bytecode_translate.h"
#include "lisp/internal.h"
#include "lisp/opcodes.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { STORE_BLOCKS = 32768 };          /* 128 MiB */

static const char *const definitions[] = {
    "(defun sq (x) (* x x))",
    "(defun fact (n) (if (<= n 1) 1 (* n (fact (1- n)))))",
    "(defun make-adder (n) (lambda (x) (+ x n)))",
    "(defparameter *add5* (make-adder 5))",
    "(defun make-counter () (let ((c 0)) (lambda () (incf c))))",
    "(defparameter *ctr* (make-counter))",
    "(defclass square () ((side :initarg :side :reader side)))",
    "(defgeneric area (s))",
    "(defmethod area ((s square)) (* (side s) (side s)))",
    "(defmethod area ((s number)) (* 3 s s))",
    "(defmacro twice (x) `(progn ,x ,x))",
    "(defun use-twice () (let ((n 0)) (twice (incf n)) n))",
    "(defun upto (n) (let ((acc nil)) (dotimes (i n) (push i acc)) "
    "(nreverse acc)))",
    "(defun far-go () (let ((r 0)) (tagbody a (incf r) "
    "(funcall (lambda () (if (< r 3) (go a) (go b)))) b) r))",
    "(defun catcher () (catch 'k (throw 'k 42)))",
    "(defun unwinder () (let ((x 0)) (unwind-protect (setq x 1) "
    "(setq x (+ x 10))) x))",
    "(defun values-of () (multiple-value-bind (a b) (floor 7 2) (list a b)))",
    "(defun kind (x) (case x (1 'one) (2 'two) (t 'many)))",
};

static const struct {
    const char *form, *want;
} answers[] = {
    { "(sq 7)", "49" },
    { "(fact 20)", "2432902008176640000" },
    { "(funcall *add5* 10)", "15" },
    { "(list (funcall *ctr*) (funcall *ctr*))", NULL },  /* counts on */
    { "(area (make-instance 'square :side 4))", "16" },
    { "(area 2)", "12" },
    { "(use-twice)", "2" },
    { "(upto 5)", "(0 1 2 3 4)" },
    { "(far-go)", "3" },
    { "(catcher)", "42" },
    { "(unwinder)", "11" },
    { "(values-of)", "(3 1)" },
    { "(list (kind 1) (kind 2) (kind 9))", "(ONE TWO MANY)" },
    { "(mapcar #'sq '(1 2 3))", "(1 4 9)" },
};

/* Every answer right (the counter's: the next two counts). */
static void check_answers(lo_lisp *L, const char *when, int *count)
{
    fixture_as(L, "alice");
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        char want[64];
        const char *w = answers[i].want;
        if (!w) {
            snprintf(want, sizeof want, "(%d %d)", *count + 1, *count + 2);
            *count += 2;
            w = want;
        }
        eval_is(L, answers[i].form, w, "%s: %s is %s", when,
                answers[i].form, w);
    }
    fixture_as(L, NULL);
}

/* ---- the heap's code, seen from C -------------------------------------------- */

static unsigned char *code_bytes(uint64_t *code)
{
    return (unsigned char *)(code + 1 + lo_header_value_words(code[0]));
}

/* A summary of every code object's bytes, in address order. */
struct summary {
    uint64_t objects, bytes, instructions;
    uint32_t crc;
    const unsigned char *scramble;      /* when set: apply it (this build's
                                           layout finds the opcodes) */
    unsigned count_op;                  /* when set: count its instructions */
    uint64_t counted;
    bool bad;                           /* an instruction not understood */
};

static void summarize(uint64_t *object, void *ctx)
{
    struct summary *s = ctx;
    if ((object[0] & 0xff) != LO_T_CODE)
        return;
    unsigned char *bytes = code_bytes(object);
    uint32_t len = (uint32_t)lo_fixnum_value(object[CODE_LENGTH]);
    s->objects++;
    s->bytes += len;
    s->crc = lo_crc32c(s->crc, bytes, len);
    if (!s->scramble && !s->count_op)
        return;
    for (uint32_t pc = 0; pc < len;) {
        const char *operands = lo_op_operands(bytes[pc]);
        uint32_t size = operands ? lo_op_size_with(operands, bytes, len, pc)
                                 : 0;
        if (!size) {
            s->bad = true;
            return;
        }
        s->counted += bytes[pc] == s->count_op;
        if (s->scramble)
            bytes[pc] = s->scramble[bytes[pc]];
        s->instructions++;
        pc += size;
    }
}

/* Walk every code object; scramble its opcodes when asked, and count the
 * instructions of opcode count_op (unless 0). */
static struct summary walk_counting(lo_heap *h, const unsigned char *scramble,
                                    unsigned count_op)
{
    struct summary s = { .scramble = scramble, .count_op = count_op };
    if (!lo_heap_for_each_object(h, summarize, &s))
        s.bad = true;
    return s;
}

static struct summary walk(lo_heap *h, const unsigned char *scramble)
{
    return walk_counting(h, scramble, 0);
}

/* ---- the permutation --------------------------------------------------------- */

/* This build's opcodes, in order. */
static unsigned ops[256];
static unsigned nops;

/* A shift by k along the list of opcodes: ops[i] -> ops[i + k]. */
static void shift(unsigned char *map, int k)
{
    memset(map, 0, 256);
    for (unsigned i = 0; i < nops; i++)
        map[ops[i]] = (unsigned char)ops[(i + nops + (unsigned)k % nops +
                                          nops) % nops];
}

/* An expand row that changes lengths: RETURN1 becomes MV1 and RETURN,
 * which is what it does (bytecode.h), one byte longer; every other
 * instruction stays.  Code after a RETURN1 moves, so the jumps over one
 * are mapped; most code objects grow, so most move. */
static uint32_t split_return1(const unsigned char *insn, uint32_t size,
                              unsigned char *out, uint32_t cap, char *why,
                              size_t why_len)
{
    (void)why, (void)why_len;
    if (insn[0] == OP_RETURN1) {
        if (cap < 2)
            return 0;
        out[0] = OP_MV1;
        out[1] = OP_RETURN;
        return 2;
    }
    if (cap < size)
        return 0;
    memcpy(out, insn, size);
    return size;
}

/* An expand row that writes a code address no instruction starts at. */
static uint32_t jump_astray(const unsigned char *insn, uint32_t size,
                            unsigned char *out, uint32_t cap, char *why,
                            size_t why_len)
{
    uint32_t n = split_return1(insn, size, out, cap, why, why_len);
    if (n && insn[0] == OP_JUMP)
        out[1] = (unsigned char)(out[1] + 1);   /* into an operand */
    return n;
}

/* A rewrite row that lengthens every code object by a byte never run (a
 * POP after its end). */
static uint32_t lengthen(const unsigned char *old, uint32_t len,
                         unsigned char *out, uint32_t cap, char *why,
                         size_t why_len)
{
    (void)why, (void)why_len;
    if (len + 1 > cap)
        return 0;
    memcpy(out, old, len);
    out[len] = OP_POP;
    return len + 1;
}

static uint32_t decline(const unsigned char *old, uint32_t len,
                        unsigned char *out, uint32_t cap, char *why,
                        size_t why_len)
{
    (void)old, (void)len, (void)out, (void)cap;
    snprintf(why, why_len, "test: not this one");
    return 0;
}

static void permutation(struct fixture *fx, int *count)
{
    lo_lisp *L = fx->L;
    lo_heap *h = L->heap;
    fixture_as(L, "alice");
    for (size_t i = 0; i < sizeof definitions / sizeof definitions[0]; i++)
        fixture_setup(L, definitions[i]);
    fixture_as(L, NULL);
    check_answers(L, "before", count);

    for (unsigned op = 1; op < 256; op++)
        if (lo_op_name(op))
            ops[nops++] = op;
    ok(nops > 40 && lo_op_name(0) == NULL && lo_op_operands(OP_CLOSURE) &&
       !strcmp(lo_op_operands(OP_CLOSURE), "kn"),
       "the opcode table: %u opcodes, CLOSURE takes kn", nops);

    struct summary before = walk(h, NULL);
    ok(before.objects > 500 && !before.bad, "%llu code objects, %llu bytes",
       (unsigned long long)before.objects, (unsigned long long)before.bytes);

    char why[400] = "";
    uint64_t changed = 99;
    is_int(lo_translate_heap(h, LO_BYTECODE_VERSION, why, sizeof why), LO_OK,
           "this build's own version: nothing to do");
    static unsigned char back1[256], back2[256], identity[256];
    for (unsigned i = 0; i < 256; i++)
        identity[i] = (unsigned char)i;
    struct lo_bytecode_translator same[] = {
        { .from = 96, .to = LO_BYTECODE_VERSION, .renumber = identity },
    };
    is_int(lo_translate_heap_with(h, 96, LO_BYTECODE_VERSION, same, 1,
                                  &changed, why, sizeof why), LO_OK,
           "an identity row runs");
    is_uint(changed, 0, "and changes no code object");

    /* Scramble: every opcode moves 5 places along the list. */
    static unsigned char q[256];
    shift(q, 5);
    struct summary scrambled = walk(h, q);
    ok(!scrambled.bad && scrambled.objects == before.objects &&
       scrambled.instructions > before.bytes / 4, "scrambled %llu instructions in %llu "
       "code objects", (unsigned long long)scrambled.instructions,
       (unsigned long long)scrambled.objects);
    struct summary now = walk(h, NULL);
    ok(now.crc != before.crc, "the code differs from what it was");

    /* The refusals, which must write nothing. */
    is_int(lo_translate_heap_with(h, 97, LO_BYTECODE_VERSION, NULL, 0, NULL,
                                  why, sizeof why), LO_EINVAL,
           "no chain: refused");
    char want[200];
    snprintf(want, sizeof want, "the store's compiled code is bytecode "
             "version 97; this LispOS (bytecode %u) has no translator from "
             "it", LO_BYTECODE_VERSION);
    ok(strstr(why, want) != NULL, "naming both versions: %s", why);
    struct lo_bytecode_translator declining[] = {
        { .from = 97, .to = LO_BYTECODE_VERSION, .rewrite = decline },
    };
    is_int(lo_translate_heap_with(h, 97, LO_BYTECODE_VERSION, declining, 1,
                                  NULL, why, sizeof why), LO_EINVAL,
           "a row that declines: refused");
    ok(strstr(why, "test: not this one") != NULL, "with its reason: %s", why);
    ok(walk(h, NULL).crc == now.crc, "the refusals wrote no code");

    /* Undo Q in two steps: 97 -> 98 moves 2 back, 98 -> this build 3. */
    shift(back1, -2);
    shift(back2, -3);
    struct lo_bytecode_translator chain[] = {
        { .from = 98, .to = LO_BYTECODE_VERSION, .renumber = back2 },
        { .from = 97, .to = 98, .renumber = back1 },
    };
    is_int(lo_translate_heap_with(h, 97, LO_BYTECODE_VERSION, chain, 2,
                                  &changed, why, sizeof why), LO_OK,
           "the chain 97 -> 98 -> %u translates the heap",
           LO_BYTECODE_VERSION);
    ok(changed > 500 && changed <= before.objects,
       "%llu code objects changed", (unsigned long long)changed);
    struct summary after = walk(h, NULL);
    ok(after.crc == before.crc && after.bytes == before.bytes,
       "every code object's bytes are what they were");
    const char *vwhy = NULL;
    ok(lo_gc_verify(h, &vwhy) == 0, "the heap verifies%s%s",
       vwhy ? ": " : "", vwhy ? vwhy : "");
    check_answers(L, "translated", count);
    fixture_as(L, "alice");
    eval_is(L, "(progn (defun later (x) (list (sq x) (area x))) (later 3))",
            "(9 27)", "new code compiles and calls the translated code");
    fixture_as(L, NULL);
}

/* ---- code whose length changes ----------------------------------------------- */

/* Collect, so that a walk sees the code in use and not the garbage that
 * moved code leaves behind. */
static struct summary live_code(lo_lisp *L, unsigned count_op)
{
    fixture_run(L, "(gc)");
    return walk_counting(L->heap, NULL, count_op);
}

static void lengths(struct fixture *fx, int *count)
{
    lo_lisp *L = fx->L;
    lo_heap *h = L->heap;
    char why[400] = "";
    uint64_t changed = 0;
    struct summary before = live_code(L, OP_RETURN1);
    ok(before.counted > 100, "%llu RETURN1 instructions in %llu code objects",
       (unsigned long long)before.counted,
       (unsigned long long)before.objects);

    struct lo_bytecode_translator astray[] = {
        { .from = 97, .to = LO_BYTECODE_VERSION, .expand = jump_astray,
          .operands = lo_op_operands },
    };
    is_int(lo_translate_heap_with(h, 97, LO_BYTECODE_VERSION, astray, 1,
                                  NULL, why, sizeof why), LO_EINVAL,
           "an expand row writing a jump into an operand: refused");
    ok(strstr(why, "is no instruction's start") != NULL, "saying so: %s",
       why);
    ok(walk(h, NULL).crc == live_code(L, 0).crc &&
       walk(h, NULL).crc == before.crc, "and no code was written");

    struct lo_bytecode_translator split[] = {
        { .from = 97, .to = LO_BYTECODE_VERSION, .expand = split_return1,
          .operands = lo_op_operands },
    };
    is_int(lo_translate_heap_with(h, 97, LO_BYTECODE_VERSION, split, 1,
                                  &changed, why, sizeof why), LO_OK,
           "an expand row that splits RETURN1 translates the heap%s%s",
           *why ? ": " : "", why);
    const char *vwhy = NULL;
    ok(lo_gc_verify(h, &vwhy) == 0, "the heap verifies with the code "
       "moved%s%s", vwhy ? ": " : "", vwhy ? vwhy : "");
    check_answers(L, "split", count);
    struct summary after = live_code(L, OP_RETURN1);
    ok(after.objects == before.objects && after.counted == 0 &&
       after.bytes == before.bytes + before.counted,
       "after a collection: the same %llu code objects, no RETURN1, %llu "
       "bytes more", (unsigned long long)after.objects,
       (unsigned long long)(after.bytes - before.bytes));
    ok(changed >= 100 && changed <= before.objects, "%llu code objects "
       "moved", (unsigned long long)changed);
    ok(lo_gc_verify(h, &vwhy) == 0, "the heap verifies after the "
       "collection%s%s", vwhy ? ": " : "", vwhy ? vwhy : "");
    check_answers(L, "split, collected", count);

    struct summary pre = live_code(L, 0);
    struct lo_bytecode_translator longer[] = {
        { .from = 97, .to = LO_BYTECODE_VERSION, .rewrite = lengthen },
    };
    is_int(lo_translate_heap_with(h, 97, LO_BYTECODE_VERSION, longer, 1,
                                  &changed, why, sizeof why), LO_OK,
           "a rewrite row that lengthens every code object");
    ok(changed >= pre.objects, "moving all %llu code objects",
       (unsigned long long)changed);
    check_answers(L, "lengthened", count);
    struct summary longest = live_code(L, 0);
    /* One live code object is not the same: the (gc) form live_code
     * runs, compiled anew each time. */
    ok(longest.objects == pre.objects &&
       longest.bytes == pre.bytes + pre.objects - 1,
       "every one of the %llu code objects is one byte longer",
       (unsigned long long)pre.objects - 1);
    fixture_as(L, "alice");
    eval_is(L, "(progn (defun later2 (x) (list (kind x) (far-go))) "
            "(later2 2))", "(TWO 3)", "new code compiles and calls the "
            "moved code");
    fixture_as(L, NULL);
}

/* ---- the open ---------------------------------------------------------------- */

static uint64_t write_faults(lo_ckpt *c)
{
    struct lo_ckpt_stats st;
    lo_ckpt_stats(c, &st);
    return st.write_faults;
}

static unsigned char page[LO_CKPT_PAGE];

static void refused_open(struct fixture *fx)
{
    lo_ckpt *c = fx->store;
    if (lo_ckpt_sync(c) != LO_OK)
        bail_out("sync");
    lo_lisp_close(fx->L);
    fx->L = NULL;
    struct lo_heap_root *r = lo_ckpt_base(c);
    r->system_version = (uint64_t)9999 << 32 | (r->system_version &
                                                0xffffffffu);
    fixture_reseal_versions(r);
    if (lo_ckpt_sync(c) != LO_OK)
        bail_out("sync");
    memcpy(page, r, sizeof page);
    uint64_t faults = write_faults(c);
    char why[600] = "";
    struct lo_lisp_open_report report;
    lo_lisp *L = NULL;
    int status = lo_lisp_open_with(c, NULL, &L, &report, why, sizeof why);
    is_int(status, LO_EINVAL, "a store of an unknown bytecode: refused");
    char want[200];
    snprintf(want, sizeof want, "the store's compiled code is bytecode "
             "version 9999; this LispOS (bytecode %u) has no translator "
             "from it", LO_BYTECODE_VERSION);
    ok(strstr(why, want) && strstr(why, "Nothing was written"),
       "saying why: %s", why);
    ok(L == NULL, "no Lisp");
    is_mem(r, page, sizeof page, "the root page is as it was");
    is_uint(write_faults(c), faults, "no page was written");
    if (status == LO_OK)
        lo_lisp_close(L);
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, STORE_BLOCKS);
    int count = 0;
    permutation(&fx, &count);
    lengths(&fx, &count);
    refused_open(&fx);
    fixture_close(&fx);
    return done_testing();
}
