/*
 * conditions.c -- what the condition system needs from C beyond raising
 * (control.c): the condition object, restart objects, backtraces, the
 * top level's ABORT restart, and printing reports that are functions.
 *
 * The condition system proper -- DEFINE-CONDITION, SIGNAL, ERROR,
 * HANDLER-BIND, RESTART-CASE, INVOKE-RESTART... -- is Lisp, in
 * lisp/boot/20-conditions.lisp.  Restarts are established by binding
 * *%RESTARTS*; a RESTART-CASE restart leaves by GO, so it unwinds through
 * the catch stack like any non-local exit and fails with a CONTROL-ERROR
 * once its extent has ended.
 *
 * Backtraces: an error that reaches an evaluation entry point unhandled
 * has the frames above the entry point written down (lo_backtrace_capture,
 * from lo_raise, after the handlers declined and before the unwinding),
 * innermost first, "0: (FOO 1 2)", at most LO_BACKTRACE_FRAMES of them
 * and then "... N more frames": the host takes the text with
 * lo_lisp_take_backtrace (lisp.h).  Arguments are the required ones as
 * the frame holds them now; a function with &optional, &rest or &key
 * shows "..." for the rest.  A primitive has no frame: its caller is the
 * innermost frame.
 *
 * Errors with their standard slots: C code signals the built-in
 * conditions with the initargs their readers give back (CELL-ERROR-NAME,
 * ARITHMETIC-ERROR-OPERATION and -OPERANDS, FILE-ERROR-PATHNAME,
 * PACKAGE-ERROR-PACKAGE, STREAM-ERROR-STREAM...) through
 * lo_error_initargs and the helpers on it.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/environment.h"
#include "lisp/internal.h"
#include "lisp/package.h"
#include "lisp/streams.h"

/* ---- errors with their standard slots ---- */

struct initargs {
    const struct lo_initarg *pairs;
    unsigned n;
    /* an ARITHMETIC-ERROR's operation (by name) and operands */
    const char *operation;
    const lo_value *operands;
    unsigned noperands;
};

/* The standard symbol named op, or the primitive running when op is
 * NULL; nil when there is no such symbol (none is made). */
static lo_value operation_symbol(lo_lisp *L, const char *op)
{
    if (!op)
        return L->primitive ? lo_primitive_symbol(L, L->primitive) : L->nil;
    struct lo_name name = lo_name_of(lo_make_string(L, op, strlen(op)));
    lo_value sym;
    if (lo_find_symbol(L, lo_registry_ref(L, REG_INTERNAL), &name, &sym) ==
        LO_SYM_NONE)
        return L->nil;
    return sym;
}

/* The condition's data: :KEY value ..., made only once the error is
 * being raised (nothing is allocated when allocating is what failed). */
static lo_value initargs_data(lo_lisp *L, void *ctx)
{
    struct initargs *a = ctx;
    lo_value data = L->nil;
    for (unsigned i = a->n; i-- > 0;)
        data = lo_cons(L, lo_intern_keyword(L, a->pairs[i].key),
                       lo_cons(L, a->pairs[i].value, data));
    if (a->operands || a->operation) {
        lo_value operands = L->nil;
        for (unsigned k = a->noperands; k-- > 0;)
            operands = lo_cons(L, a->operands[k], operands);
        data = lo_cons(L, lo_intern_keyword(L, "OPERATION"),
               lo_cons(L, operation_symbol(L, a->operation),
               lo_cons(L, lo_intern_keyword(L, "OPERANDS"),
               lo_cons(L, operands, data))));
    }
    return data;
}

static _Noreturn void raise_with(lo_lisp *L, const char *type,
                                 struct initargs *a, const char *fmt,
                                 va_list ap)
{
    char message[LO_ERROR_MAX];
    lo_vsnprintf(message, sizeof message, fmt, ap);
    lo_raise_error(L, type, message, initargs_data, a);
}

_Noreturn void lo_error_initargs(lo_lisp *L, const char *type,
                                 const struct lo_initarg *initargs, unsigned n,
                                 const char *fmt, ...)
{
    struct initargs a = { initargs, n, NULL, NULL, 0 };
    va_list ap;
    va_start(ap, fmt);
    raise_with(L, type, &a, fmt, ap);
}

_Noreturn void lo_arithmetic_error(lo_lisp *L, const char *type,
                                   const char *op, const lo_value *operands,
                                   unsigned n, const char *fmt, ...)
{
    static const lo_value none[1];
    struct initargs a = { NULL, 0, op, operands ? operands : none,
                          operands ? n : 0 };
    va_list ap;
    va_start(ap, fmt);
    raise_with(L, type, &a, fmt, ap);
}

_Noreturn void lo_cell_error(lo_lisp *L, lo_value name, bool function)
{
    char text[64];
    if (function)
        name = lo_function_name(L, name);   /* (SETF F), not its symbol */
    lo_value sym = lo_consp(name) && lo_consp(lo_cdr_raw(name))
                   ? lo_car_raw(lo_cdr_raw(name)) : name;
    lo_string_utf8(lo_symbol_name(sym), text, sizeof text);
    struct lo_initarg pair = { "NAME", name };
    if (function)
        lo_error_initargs(L, "UNDEFINED-FUNCTION", &pair, 1,
                          sym == name ? "the function %s is undefined"
                                      : "the function (SETF %s) is undefined",
                          text);
    lo_error_initargs(L, "UNBOUND-VARIABLE", &pair, 1,
                      "the variable %s is unbound", text);
}

/* A primitive object whose name this binary has no row for: the heap is
 * older than the binary, and a call of it reached by a cell or a value
 * kept since (primitives.c, lo_bind_primitives). */
_Noreturn void lo_removed_primitive_error(lo_lisp *L, lo_value prim)
{
    lo_value sym = lo_ptr(prim)[PRIM_NAME];
    char name[64] = "?", package[64] = "";
    if (lo_symbolp(sym)) {
        lo_string_utf8(lo_symbol_name(sym), name, sizeof name);
        lo_value home = lo_ptr(sym)[SYM_PACKAGE];
        if (lo_packagep(home) && !lo_package_deleted(home))
            lo_string_utf8(lo_ptr(home)[PKG_NAME], package, sizeof package);
    }
    struct lo_initarg pair = { "NAME", sym };
    lo_error_initargs(L, "UNDEFINED-FUNCTION", &pair, 1,
                      "the function %s%s%s was removed from LispOS", package,
                      *package ? ":" : "", name);
}

/* ---- backtraces ---- */

enum { BACKTRACE_CAP = 16384, FRAME_LINE = 400 };

/* What a frame's argument slot holds: a box (a nameless cell) stands for
 * its value. */
static lo_value slot_value(lo_lisp *L, lo_value v)
{
    if (lo_typep(v, LO_T_CELL) && lo_null(L, lo_ptr(v)[CELL_NAME]))
        return lo_cell_get(v);
    return v;
}

/* "(NAME arg...)" for the frame f into t (bounded: printing stops when it
 * is full). */
static void frame_text(lo_lisp *L, const struct lo_frame *f, struct lo_text *t)
{
    uint64_t *code = lo_ptr(f->code);
    lo_value name = code[CODE_NAME];
    lo_text_put(t, "(", 1);
    if (lo_null(L, name))
        lo_text_put(t, "(LAMBDA)", 8);
    else if (lo_symbolp(name) && lo_null(L, lo_ptr(name)[SYM_PACKAGE]))
        lo_print(L, name, 0, t);        /* a (SETF F) function's hidden name */
    else
        lo_print(L, name, 1, t);
    int64_t arity = lo_fixnum_value(code[CODE_ARITY]);
    uint32_t required = (uint32_t)(arity & (CODE_REST_FLAG - 1));
    for (uint32_t i = 0; i < required && f->base + i < L->sp; i++) {
        lo_text_put(t, " ", 1);
        lo_print(L, slot_value(L, L->stack[f->base + i]), 1, t);
    }
    if (arity & CODE_REST_FLAG)
        lo_text_put(t, " ...", 4);
    lo_text_put(t, ")", 1);
}

static void backtrace_put(lo_lisp *L, const char *s)
{
    size_t n = strlen(s);
    if (L->backtrace_len + n + 1 > L->backtrace_cap)
        return;
    memcpy(L->backtrace + L->backtrace_len, s, n + 1);
    L->backtrace_len += n;
}

/* The frames of the evaluation entry point catches[top] (those above the
 * frames it found), innermost first. */
void lo_backtrace_capture(lo_lisp *L, uint32_t top)
{
    if (L->in_backtrace) {      /* printing a frame failed: give up */
        L->in_backtrace = false;
        return;
    }
    if (!L->backtrace) {
        L->backtrace = lo_mem_alloc(BACKTRACE_CAP);
        if (!L->backtrace)
            return;
        L->backtrace_cap = BACKTRACE_CAP;
    }
    L->in_backtrace = true;
    L->backtrace_len = 0;
    L->backtrace[0] = '\0';
    uint32_t floor = L->catches[top].nframes;
    uint32_t n = L->nframes > floor ? L->nframes - floor : 0;
    for (uint32_t i = 0; i < n && i < LO_BACKTRACE_FRAMES; i++) {
        char line[FRAME_LINE];
        int k = lo_snprintf(line, sizeof line, "%u: ", i);
        struct lo_text t = { .buf = line + k, .cap = sizeof line - k - 8 };
        frame_text(L, &L->frames[L->nframes - 1 - i], &t);
        if (t.len + 1 >= t.cap)
            memcpy(line + k + t.len, "...)", 5);
        backtrace_put(L, line);
        backtrace_put(L, "\n");
    }
    if (n > LO_BACKTRACE_FRAMES) {
        char more[64];
        lo_snprintf(more, sizeof more, "... %u more frames\n",
                    n - LO_BACKTRACE_FRAMES);
        backtrace_put(L, more);
    }
    L->in_backtrace = false;
}

size_t lo_lisp_take_backtrace(lo_lisp *L, const char **text)
{
    size_t n = L->backtrace_len;
    *text = n ? L->backtrace : "";
    L->backtrace_len = 0;
    return n;
}

/* (%backtrace &optional count): the innermost evaluation entry point's
 * frames (the innermost count of them) as a list of forms, innermost
 * first: ((FOO 1 2) (BAR 3) ...), each with the required arguments only;
 * an anonymous function is (LAMBDA). */
LO_PRIMITIVE(p_backtrace, "%BACKTRACE", INTERNAL, ANY, 0, 1,
             "(&optional count)",
             "The frames of the innermost evaluation, innermost first, as "
             "forms ((FOO 1 2) (BAR 3) ...) showing the required arguments "
             "only: all of them, or the innermost COUNT (NIL: all).  For "
             "the debugger's and the REPL's backtraces.")
{
    uint32_t floor = 0;
    for (uint32_t i = L->ncatches; i-- > 0;)
        if (L->catches[i].kind == LO_CATCH_TOPLEVEL) {
            floor = L->catches[i].nframes;
            break;
        }
    if (nargs && !lo_null(L, args[0])) {
        if (!lo_fixnump(args[0]) || lo_fixnum_value(args[0]) < 0)
            lo_arg_error(L, args[0], "UNSIGNED-BYTE");
        int64_t count = lo_fixnum_value(args[0]);
        if (L->nframes > floor && (int64_t)(L->nframes - floor) > count)
            floor = L->nframes - (uint32_t)count;
    }
    /* The system's functions acting for a user may hold objects the user
     * was never given, with more access bits than the user's own
     * references: a user sees their arguments read-only. */
    bool user = !lo_env_is_system(L, lo_current_env(L));
    lo_value result = L->nil;           /* built outermost first */
    for (uint32_t i = floor; i < L->nframes; i++) {
        const struct lo_frame *f = &L->frames[i];
        uint64_t *code = lo_ptr(f->code);
        int64_t arity = lo_fixnum_value(code[CODE_ARITY]);
        uint32_t required = (uint32_t)(arity & (CODE_REST_FLAG - 1));
        bool read_only = user && lo_frozen_p(f->code);
        lo_value args = L->nil;
        for (uint32_t j = required; j-- > 0;)
            if (f->base + j < L->sp) {
                lo_value v = slot_value(L, L->stack[f->base + j]);
                if (read_only && lo_carries_access(v))
                    v = lo_read_only(v);
                args = lo_cons(L, v, args);
            }
        lo_value name = lo_ptr(f->code)[CODE_NAME];
        if (lo_null(L, name))
            name = lo_cons(L, lo_intern(L, "LAMBDA"), L->nil);
        result = lo_cons(L, lo_cons(L, name, args), result);
    }
    return result;
}

/* ---- reports that are functions ---- */

/* The function named name (a system symbol), or 0 when it is not
 * defined (yet: cold boot). */
static lo_value system_function(lo_lisp *L, const char *name)
{
    lo_value cell = lo_function_cell(L, lo_intern(L, name), false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        return 0;
    return lo_cell_get(cell);
}

static void put_string(struct lo_text *out, lo_value s)
{
    uint64_t n = lo_string_length(s);
    for (uint64_t i = 0; i < n; i++) {
        char utf8[4];
        lo_text_put(out, utf8, lo_utf8_encode(lo_string_ref(s, i), utf8));
    }
}

/*
 * PRINC of a condition whose report is a function, or of a restart whose
 * report is one: %REPORT-STRING calls it.  The printer holds values in C
 * while this runs, so no collection may move them: it is inhibited, as
 * in the compiler while macros run.
 */
bool lo_print_report(lo_lisp *L, lo_value object, struct lo_text *out)
{
    if (!L->ncatches || L->nlevels == 0)
        return false;
    lo_value fn = system_function(L, "%REPORT-STRING");
    if (!fn)
        return false;
    lo_gc_inhibit(L);
    lo_value s = lo_vm_apply(L, fn, &object, 1);
    lo_gc_allow(L);
    if (!lo_typep(s, LO_T_STRING))
        return false;
    put_string(out, s);
    return true;
}

/*
 * Before an unhandled condition leaves for the entry point, which runs no
 * Lisp to report it: a report that is a function is called now and its
 * text becomes the condition's message.
 */
void lo_condition_report(lo_lisp *L, lo_value *c)
{
    if (!lo_typep(*c, LO_T_CONDITION) ||
        lo_typep(lo_ptr(*c)[CONDITION_MESSAGE], LO_T_STRING) ||
        L->signal_depth >= 8)
        return;
    lo_value fn = system_function(L, "%UNHANDLED-REPORT-STRING");
    if (!fn)
        return;
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, c);
    L->signal_depth++;
    lo_value s = lo_vm_apply(L, fn, c, 1);
    L->signal_depth--;
    lo_roots_release(L, mark);
    if (lo_typep(s, LO_T_STRING))
        lo_ptr(*c)[CONDITION_MESSAGE] = s;
}

/* ---- restarts ---- */

LO_PRIMITIVE(p_make_restart, "%MAKE-RESTART", INTERNAL, ANY, 2, 5,
             "(name function &optional report interactive test)",
             "A fresh restart object: its NAME, the FUNCTION INVOKE-RESTART "
             "calls, and its REPORT, INTERACTIVE and TEST functions (NIL when "
             "not given).  RESTART-BIND and RESTART-CASE make theirs so.")
{
    uint64_t *r = lo_alloc_object(L, LO_T_RESTART, RESTART_WORDS);
    for (uint32_t i = 0; i < RESTART_WORDS - 1; i++)
        r[1 + i] = i < nargs ? args[i] : L->nil;
    return lo_make_object(r);
}

LO_PRIMITIVE(p_restartp, "%RESTARTP", INTERNAL, ANY, 1, 1, "(object)",
             "True when OBJECT is a restart object, for TYPEP and TYPE-OF.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_RESTART));
}

/* (%restart-field restart i): 0 name, 1 function, 2 report,
 * 3 interactive, 4 test. */
LO_PRIMITIVE(p_restart_field, "%RESTART-FIELD", INTERNAL, ANY, 2, 2,
             "(restart index)",
             "Field INDEX of RESTART: 0 its name, 1 its function, 2 its "
             "report, 3 its interactive function, 4 its test.  RESTART-NAME, "
             "INVOKE-RESTART and the printer read restarts so.")
{
    if (!lo_typep(args[0], LO_T_RESTART))
        lo_arg_error(L, args[0], "RESTART");
    return lo_ptr(args[0])[1 + lo_arg_index(L, args[1], RESTART_WORDS - 1)];
}

/* ---- conditions ---- */

lo_value lo_arg_condition(lo_lisp *L, lo_value v)
{
    if (!lo_typep(v, LO_T_CONDITION))
        lo_arg_error(L, v, "CONDITION");
    return v;
}

/* A condition to change: its write bit is needed. */
static uint64_t *condition(lo_lisp *L, lo_value c)
{
    lo_arg_condition(L, c);
    if (!(lo_access_bits(c) & LO_ACCESS_WRITE))
        lo_error(L, "ACCESS-DENIED", "changing a condition without the "
                 "write access bit");
    return lo_ptr(c);
}

LO_PRIMITIVE(p_set_condition_message, "%SET-CONDITION-MESSAGE", INTERNAL,
             ANY, 2, 2, "(condition message)",
             "Make MESSAGE the message of CONDITION (its write bit needed); "
             "returns MESSAGE.  MAKE-CONDITION sets a report's text so.")
{
    condition(L, args[0])[CONDITION_MESSAGE] = args[1];
    return args[1];
}

LO_PRIMITIVE(p_set_condition_data, "%SET-CONDITION-DATA", INTERNAL, ANY,
             2, 2, "(condition data)",
             "Make DATA the property list of CONDITION's slots (its write "
             "bit needed); returns DATA.  MAKE-CONDITION and the slot "
             "writers use it.")
{
    condition(L, args[0])[CONDITION_DATA] = args[1];
    return args[1];
}

/* (%unhandled condition): as an error nobody handles -- the backtrace
 * taken, to the evaluation entry point (INVOKE-DEBUGGER). */
LO_PRIMITIVE(p_unhandled, "%UNHANDLED", INTERNAL, ANY, 1, 1, "(condition)",
             "Leave for the evaluation entry point with CONDITION as an error "
             "no handler took, its backtrace taken.  Never returns; "
             "INVOKE-DEBUGGER ends with it.")
{
    lo_unhandled(L, lo_arg_condition(L, args[0]));
}

/* ---- the top level's ABORT restart ---- */

/* The ABORT restart of each evaluation: its function is %TOPLEVEL-ABORT,
 * which ends the innermost evaluation.  An evaluation entry point binds
 * *%RESTARTS* to it alone, so it is the innermost one's (and one whose
 * evaluation has ended is found by no FIND-RESTART). */
void lo_bind_toplevel_restarts(lo_lisp *L)
{
    lo_value var = lo_variable_cell(L, lo_intern(L, "*%RESTARTS*"), false);
    if (lo_null(L, var) ||
        !(lo_cell_flags(var) & CELL_SPECIAL))
        return;
    lo_value fn = system_function(L, "%TOPLEVEL-ABORT");
    if (!fn)
        return;
    static const char report[] = "Abort the evaluation.";
    uint64_t *r = lo_alloc_object(L, LO_T_RESTART, RESTART_WORDS);
    r[RESTART_NAME] = lo_intern(L, "ABORT");
    r[RESTART_FUNCTION] = fn;
    r[RESTART_REPORT] = lo_make_string(L, report, strlen(report));
    r[RESTART_INTERACTIVE] = L->nil;
    r[RESTART_TEST] = L->nil;
    lo_bind_special(L, var, lo_cons(L, lo_make_object(r), L->nil));
}

/* (%toplevel-abort &rest ignored): end the innermost evaluation, running
 * the cleanups on the way; it fails with a message saying so (the exit
 * carries the message, a string, where an error carries its condition:
 * api.c tells them apart). */
LO_PRIMITIVE(p_toplevel_abort, "%TOPLEVEL-ABORT", INTERNAL, ANY, 0, -1,
             "(&rest ignored)",
             "End the innermost evaluation, running the cleanups on the way: "
             "the function of the ABORT restart every evaluation entry point "
             "makes.  The evaluation fails with a message saying so.")
{
    for (uint32_t i = L->ncatches; i-- > 0;) {
        if (L->catches[i].kind == LO_CATCH_TOPLEVEL) {
            static const char text[] = "the evaluation was aborted (its "
                                       "ABORT restart was invoked)";
            L->unwind_v[0] = lo_make_string(L, text, strlen(text));
            L->unwind_n = 1;
            L->backtrace_len = 0;
            lo_unwind(L, i);
        }
    }
    lo_error(L, "CONTROL-ERROR", "no evaluation to abort");
}

/* ---- the condition object ----
 * The condition system proper (HANDLER-BIND, HANDLER-CASE, SIGNAL,
 * ERROR, the type hierarchy) is Lisp, in lisp/boot/20-conditions.lisp;
 * what it needs from C is the condition object and raising one
 * (control.c), which is also what errors signalled from C go through. */

static lo_value condition_field(lo_lisp *L, lo_value c, int field)
{
    return lo_ptr(lo_arg_condition(L, c))[field];
}

LO_PRIMITIVE(p_make_condition, "%MAKE-CONDITION", INTERNAL, ANY, 1, 3,
             "(type &optional message data)",
             "A fresh condition object of TYPE (a symbol) with MESSAGE (a "
             "string, or NIL until its report is made) and DATA (the "
             "property list of its slots); MAKE-CONDITION builds on it.")
{
    lo_arg_symbol(L, args[0]);
    return lo_make_condition(L, args[0], nargs > 1 ? args[1] : L->nil,
                             nargs > 2 ? args[2] : L->nil);
}

LO_PRIMITIVE(p_condition_type, "%CONDITION-TYPE", INTERNAL, ANY, 1, 1,
             "(condition)",
             "The type of CONDITION, a symbol: what TYPE-OF and TYPEP of a "
             "condition read.")
{
    return condition_field(L, args[0], CONDITION_TYPE);
}

LO_PRIMITIVE(p_condition_message, "%CONDITION-MESSAGE", INTERNAL, ANY, 1,
             1, "(condition)",
             "The message of CONDITION (a string, or NIL when its report is "
             "a function): what printing it without escapes shows.")
{
    return condition_field(L, args[0], CONDITION_MESSAGE);
}

LO_PRIMITIVE(p_condition_data, "%CONDITION-DATA", INTERNAL, ANY, 1, 1,
             "(condition)",
             "The property list of CONDITION's slots (:DATUM 1 ...): what "
             "the condition readers, such as TYPE-ERROR-DATUM, look in.")
{
    return condition_field(L, args[0], CONDITION_DATA);
}

LO_PRIMITIVE(p_conditionp, "%CONDITIONP", INTERNAL, ANY, 1, 1, "(object)",
             "True when OBJECT is a condition object, for TYPEP and "
             "TYPE-OF.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_CONDITION));
}

/* (%raise condition): as an error -- to the handlers, then to the
 * evaluation entry point.  Never returns. */
LO_PRIMITIVE(p_raise, "%RAISE", INTERNAL, ANY, 1, 1, "(condition)",
             "Signal CONDITION as an error: offer it to the handlers, then "
             "leave for the evaluation entry point with it.  Never returns; "
             "ERROR ends with it.")
{
    lo_raise(L, lo_arg_condition(L, args[0]));
}

const struct lo_primitive *const lo_prims_conditions[] = {
    LO_ROW(p_make_restart),
    LO_ROW(p_restartp),
    LO_ROW(p_restart_field),
    LO_ROW(p_set_condition_message),
    LO_ROW(p_set_condition_data),
    LO_ROW(p_unhandled),
    LO_ROW(p_toplevel_abort),
    LO_ROW(p_backtrace),
    LO_ROW(p_make_condition),
    LO_ROW(p_condition_type),
    LO_ROW(p_condition_message),
    LO_ROW(p_condition_data),
    LO_ROW(p_conditionp),
    LO_ROW(p_raise),
    NULL,
};
