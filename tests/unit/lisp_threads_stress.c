/*
 * lisp_threads_stress.c -- the object system under threads: several
 * users' threads defining classes and generic functions at once, two
 * threads of one user redefining the same class and generic function
 * against each other, while a thread collects and another takes
 * snapshots.  The shared system state they all update (class serial
 * numbers, the list of generic functions, the dispatch caches, the
 * subclass lists of system classes) must stay consistent.
 *
 * What is checked:
 *   - every thread's results are right, for its own user: its classes,
 *     methods, slot values and functions (each user has a BASE, a WHO...
 *     of their own);
 *   - no cache outlives a change: a generic function made while others
 *     are made elsewhere still has its cache emptied when a class loses
 *     a superclass (a lost generic function returned a method of the
 *     superclass the class no longer had);
 *   - the two threads of one user: the generic function and every
 *     accessor have one method per specializer (never duplicates); an
 *     instance reads each slot as its value or as missing (an error),
 *     never as something else (a stale layout marked valid read missing
 *     slots as NIL); no "no applicable method", no runaway recursion;
 *   - at the end: every class has a serial number of its own (the
 *     system's and every user's), none is missing, every instance either
 *     thread of the pair made has exactly the final layout, and it all
 *     survives a reopen of the store.
 *
 * It runs for LISPOS_STRESS_SECONDS seconds (default 3; a longer run:
 * LISPOS_STRESS_SECONDS=90 build/tests/lisp_threads_stress.t), and on
 * until every thread has done MIN_ROUNDS rounds (a slow build, such as
 * ThreadSanitizer's on a loaded machine, takes longer), at most
 * MAX_EXTRA seconds more.  An alarm ends it if it hangs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/safepoint.h"
#include "lisp/lisp.h"
#include "tests/tap.h"

/* Threads: SOLO threads of their own (thread 0 in the system
 * environment, the others each a user), then the PAIR threads, both of
 * the user "pair". */
enum { SOLO = 4, PAIR = 2, THREADS = SOLO + PAIR };
enum { MIN_ROUNDS = 3, MAX_EXTRA = 300 };

static lo_lisp *main_L;
static lo_ckpt *store;
static double seconds = 3;
static atomic_bool stop;            /* the workers' time is up */
static atomic_bool stop_helpers;    /* the collector and snapshotter too */
static atomic_int collections;
static int failures[THREADS];
static atomic_int iterations[THREADS];
static char first_error[THREADS][1500];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* Evaluate form on L; the printed value must be want. */
static bool expect(int t, lo_lisp *L, const char *form, const char *want)
{
    char out[1024];
    int status = lo_lisp_eval_string(L, form, out, sizeof out);
    if (status == LO_OK && strcmp(out, want) == 0)
        return true;
    if (!failures[t]++)
        snprintf(first_error[t], sizeof first_error[t],
                 "%.600s -> %.600s (wanted %.200s)", form, out, want);
    return false;
}

/* ---- the solo threads: their own classes and generic functions ---- */

static void solo_setup(int t, lo_lisp *L)
{
    char form[512];
    snprintf(form, sizeof form, "(defvar *me* \"u%d\")", t);
    expect(t, L, form, "*ME*");
    snprintf(form, sizeof form, "(defun who () \"u%d\")", t);
    expect(t, L, form, "WHO");
    expect(t, L, "(defclass base () ((owner :initform *me* :reader owner)))",
           "#<STANDARD-CLASS COMMON-LISP-USER::BASE>");
    expect(t, L, "(progn (defgeneric kind (x)) "
           "(defmethod kind ((x base)) :base) t)", "T");
}

/*
 * One round: a new class K-i under BASE, a method for it, and a new
 * generic function PROBE-i with a method on BASE and one on T.  The
 * instance's results are its own user's; then K-i is redefined without
 * BASE, and PROBE-i must forget the method of BASE at once.
 */
static void solo_round(int t, lo_lisp *L, int i)
{
    char form[2048], want[256];
    snprintf(form, sizeof form,
             "(progn"
             " (defclass k-%d (base) ((v :initarg :v :initform %d :reader v-of)))"
             " (defmethod kind ((x k-%d)) %d)"
             " (defgeneric probe-%d (x))"
             " (defmethod probe-%d ((x base)) :via-base)"
             " (defmethod probe-%d (x) :default)"
             " (let* ((a (make-instance 'k-%d))"
             "        (b (make-instance 'k-%d :v 7))"
             "        (before (list (kind a) (v-of a) (v-of b) (owner a) (who)"
             "                      (probe-%d a))))"
             "   (defclass k-%d () ((v :initarg :v :initform %d :reader v-of)))"
             "   (list before (probe-%d a) (kind (make-instance 'base)) (v-of a)"
             "         (slot-exists-p a 'owner))))",
             i, i, i, i, i, i, i, i, i, i, i, i, i);
    snprintf(want, sizeof want, "((%d %d 7 \"u%d\" \"u%d\" :VIA-BASE) "
             ":DEFAULT :BASE %d NIL)", i, i, t, t, i);
    expect(t, L, form, want);
}

/* ---- the pair: two threads of one user, one class ---- */

/* Made once in the pair's environment, before the threads start. */
static const char *const pair_setup[] = {
    /* a slot's value, or :MISSING when the instance has no such slot */
    "(defun probe-slot (x name)"
    "  (handler-case (slot-value x name)"
    "    (error (e)"
    "      (let ((text (princ-to-string e)))"
    "        (if (search \"is missing\" text) :missing (list :error text))))))",
    /* every slot its own value (a 1, b 2, c 3) or missing; b is in both
     * layouts, so never missing */
    "(defun slots-ok (x)"
    "  (let ((a (probe-slot x 'a)) (b (probe-slot x 'b)) (c (probe-slot x 'c)))"
    "    (if (and (member a '(1 :missing)) (eql b 2) (member c '(3 :missing)))"
    "        t"
    "        (list :slots a b c))))",
    /* thread j's round: its layout of SHAPE, its AREA method on SHAPE,
     * an instance of its own checked, and the methods counted: one AREA
     * method and at most one method of each accessor, whatever the other
     * thread does */
    "(defun pair-round (j i kept)"
    "  (if (eql j 0)"
    "      (defclass shape () ((a :initform 1 :accessor shape-a)"
    "                          (b :initform 2 :accessor shape-b)))"
    "      (defclass shape () ((b :initform 2 :accessor shape-b)"
    "                          (c :initform 3 :accessor shape-c))))"
    "  (defgeneric area (s))"
    "  (defmethod area ((s shape)) (list :area j))"
    "  (let* ((x (make-instance 'shape))"
    "         (kept (or kept (list x)))"
    "         (old (nth (mod i (length kept)) kept))"
    "         (area (handler-case (area x) (error (e) (princ-to-string e))))"
    "         (counts (mapcar (lambda (name)"
    "                           (if (fboundp name)"
    "                               (length (generic-function-methods"
    "                                        (fdefinition name)))"
    "                               0))"
    "                         '(area shape-a shape-b shape-c)))"
    "         (bad (remove t (list (slots-ok x) (slots-ok old)"
    "                              (if (member area '((:area 0) (:area 1))"
    "                                          :test #'equal)"
    "                                  t (list :area area))"
    "                              (if (and (eql (first counts) 1)"
    "                                       (<= (second counts) 1)"
    "                                       (<= (third counts) 1)"
    "                                       (<= (fourth counts) 1))"
    "                                  t (list :methods counts))))))"
    "    (values (or bad :ok) x)))",
    "(defvar *kept-0* nil)",
    "(defvar *kept-1* nil)",
    NULL,
};

static void pair_round(int t, lo_lisp *L, int j, int i)
{
    char form[512];
    /* the instances are kept per thread (no user variable is shared),
     * the last 32 */
    snprintf(form, sizeof form,
             "(multiple-value-bind (verdict x)"
             "    (pair-round %d %d *kept-%d*)"
             "  (push x *kept-%d*)"
             "  (when (> (length *kept-%d*) 32)"
             "    (setq *kept-%d* (subseq *kept-%d* 0 16)))"
             "  verdict)", j, i, j, j, j, j, j);
    expect(t, L, form, ":OK");
}

/* ---- threads ---- */

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    lo_lisp *L;
    if (lo_lisp_thread_open(main_L, &L) != LO_OK) {
        failures[t]++;
        return NULL;
    }
    char user[16];
    if (t >= SOLO)
        snprintf(user, sizeof user, "pair");
    else
        snprintf(user, sizeof user, "u%d", t);
    if (t > 0 && lo_lisp_set_user(L, user) != LO_OK)
        failures[t]++;
    if (t < SOLO)
        solo_setup(t, L);
    for (int i = 0; !atomic_load(&stop) && failures[t] < 20; i++) {
        if (t < SOLO)
            solo_round(t, L, i);
        else
            pair_round(t, L, t - SOLO, i);
        atomic_store(&iterations[t], i + 1);
    }
    lo_lisp_thread_close(L);
    return NULL;
}

/* Collections forced every few milliseconds (besides those allocation
 * triggers), from a thread of its own. */
static void *collector(void *arg)
{
    (void)arg;
    lo_lisp *L;
    if (lo_lisp_thread_open(main_L, &L) != LO_OK)
        return NULL;
    while (!atomic_load(&stop_helpers)) {
        struct lo_gc_result r;
        if (lo_lisp_collect(L, &r) == LO_OK)
            atomic_fetch_add(&collections, 1);
        /* a mutator that waits must not hold up the others' stops */
        bool blocked = lo_mutator_block_begin();
        pause_ms(20);
        lo_mutator_block_end(blocked);
    }
    lo_lisp_thread_close(L);
    return NULL;
}

static void *snapshotter(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_helpers)) {
        lo_ckpt_snapshot(store);
        pause_ms(5);
    }
    return NULL;
}

/* ---- the final checks, in the system environment and the pair's ---- */

/* The serial numbers of the classes of the system (every class from T
 * down, by the subclass links) and of every user (the classes named by
 * their own symbols: a user's class is no subclass of the system's, as
 * the system's objects record nothing of a user's), appended to out. */
static const char *const system_serials =
    "(let ((seen (make-hash-table)) (todo (list (find-class t))) (r nil))"
    "  (loop while todo"
    "        do (let ((c (pop todo)))"
    "             (unless (gethash c seen)"
    "               (setf (gethash c seen) t)"
    "               (push (lispos-internal::%slot-ref c 12) r)"
    "               (setq todo (append (lispos-internal::%slot-ref c 8) todo)))))"
    "  r)";
static const char *const user_serials =
    "(let ((r nil) (home (find-package \"COMMON-LISP-USER\")))"
    "  (do-symbols (s home r)"
    "    (let ((c (and (eq (symbol-package s) home) (find-class s nil))))"
    "      (when c (push (lispos-internal::%slot-ref c 12) r)))))";

static int add_serials(const char *user, const char *form, long *serials,
                       int n, int max)
{
    static char out[1 << 20];
    lo_lisp_set_user(main_L, user);
    lo_lisp_eval_string(main_L, form, out, sizeof out);
    lo_lisp_set_user(main_L, NULL);
    if (out[0] != '(' && strcmp(out, "NIL") != 0) {
        diag("%s: %.300s", user ? user : "system", out);
        return -1;
    }
    for (char *p = out; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        if (n < max)
            serials[n] = v;
        n++;
        p = end;
    }
    return n;
}

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static void check_serials(int classes_before, int made)
{
    enum { MAX = 1 << 17 };
    static long serials[MAX];
    int n = add_serials(NULL, system_serials, serials, 0, MAX);
    for (int t = 1; t <= SOLO && n >= 0; t++) {
        char user[16] = "pair";
        if (t < SOLO)
            snprintf(user, sizeof user, "u%d", t);
        n = add_serials(user, user_serials, serials, n, MAX);
    }
    int duplicates = 0;
    if (n > 0 && n <= MAX) {
        qsort(serials, (size_t)n, sizeof *serials, compare_long);
        for (int i = 1; i < n; i++)
            duplicates += serials[i] == serials[i - 1];
    }
    is_int(n, classes_before + made, "every class made is there");
    is_int(duplicates, 0, "each class has a serial number of its own");
}

static void check_pair(const char *when)
{
    char out[1024];
    lo_lisp_set_user(main_L, "pair");
    lo_lisp_eval_string(main_L,
        "(let* ((class (find-class 'shape))"
        "       (names (mapcar (lambda (s) (svref s 0))"
        "                      (lispos-internal::%slot-ref class 4)))"
        "       (want (if (member 'a names) '(1 2 :missing) '(:missing 2 3)))"
        "       (bad (remove-if (lambda (x)"
        "                         (equal (mapcar (lambda (n) (probe-slot x n))"
        "                                        '(a b c))"
        "                                want))"
        "                       (append *kept-0* *kept-1*))))"
        "  (list (length bad) (and bad (mapcar (lambda (n) (probe-slot (car bad) n))"
        "                                      '(a b c)))))", out, sizeof out);
    is_str(out, "(0 NIL)", "%s: every instance of SHAPE either thread made has "
           "the final layout", when);
    lo_lisp_eval_string(main_L,
        "(mapcar (lambda (name)"
        "          (length (generic-function-methods (fdefinition name))))"
        "        (list 'area 'shape-b"
        "              (if (member 'a (mapcar (lambda (s) (svref s 0))"
        "                                     (lispos-internal::%slot-ref"
        "                                      (find-class 'shape) 4)))"
        "                  'shape-a 'shape-c)))", out, sizeof out);
    is_str(out, "(1 1 1)", "%s: one AREA method, one method of each accessor "
           "of the final layout", when);
    lo_lisp_set_user(main_L, NULL);
}

static int count_classes(void)
{
    char out[64];
    lo_lisp_eval_string(main_L,
        "(let ((seen (make-hash-table)) (todo (list (find-class t))))"
        "  (loop while todo"
        "        do (let ((c (pop todo)))"
        "             (unless (gethash c seen)"
        "               (setf (gethash c seen) t)"
        "               (setq todo (append (lispos-internal::%slot-ref c 8)"
        "                                  todo)))))"
        "  (hash-table-count seen))", out, sizeof out);
    return atoi(out);
}

int main(void)
{
    const char *s = getenv("LISPOS_STRESS_SECONDS");
    if (s && atof(s) > 0)
        seconds = atof(s);
    alarm((unsigned)(seconds * 20) + MAX_EXTRA + 600);  /* a hang fails */

    lo_disk *d;
    lo_ram_disk_open(1 << 17, 4096, &d);        /* 512 MiB */
    char why[300];
    struct lo_ckpt_options opt = { .create = true };
    if (lo_ckpt_open(d, &opt, &store, why, sizeof why) != LO_OK)
        bail_out("%s", why);
    if (lo_lisp_open(store, &main_L, why, sizeof why) != LO_OK)
        bail_out("%s", why);
    /* Stress mode: a collection at the first safepoint after every 256
     * KiB, young ones (three in four) whatever the heap's size, the heap
     * verified after each -- so young collections run among the threads'
     * writes, beside the full ones the collector thread asks for. */
    lo_lisp_gc_stress(main_L, 32 << 10);

    int classes_before = count_classes();
    ok(classes_before > 20, "%d classes before", classes_before);
    lo_lisp_set_user(main_L, "pair");
    for (int i = 0; pair_setup[i]; i++) {
        char out[256];
        if (lo_lisp_eval_string(main_L, pair_setup[i], out, sizeof out) != LO_OK)
            bail_out("pair setup: %s", out);
    }
    lo_lisp_set_user(main_L, NULL);

    pthread_t th[THREADS], snap, coll;
    pthread_create(&snap, NULL, snapshotter, NULL);
    pthread_create(&coll, NULL, collector, NULL);
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    /* The main thread is a mutator too: it waits as "blocked" so that it
     * holds up no stop. */
    bool blocked = lo_mutator_block_begin();
    double end = now() + seconds;
    for (;;) {
        int slowest = atomic_load(&iterations[0]);
        for (int t = 1; t < THREADS; t++)
            if (atomic_load(&iterations[t]) < slowest)
                slowest = atomic_load(&iterations[t]);
        if ((now() >= end && slowest >= MIN_ROUNDS) ||
            now() >= end + MAX_EXTRA)
            break;
        pause_ms(10);
    }
    atomic_store(&stop, true);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    atomic_store(&stop_helpers, true);
    pthread_join(snap, NULL);
    pthread_join(coll, NULL);
    lo_mutator_block_end(blocked);

    int made = 1;                       /* SHAPE */
    for (int t = 0; t < THREADS; t++) {
        diag("thread %d: %d rounds", t, iterations[t]);
        is_int(failures[t], 0, "thread %d (%s): every result right %s", t,
               t == 0 ? "system" : t < SOLO ? "its own user" : "pair",
               first_error[t]);
        if (failures[t])    /* on stderr too: prove shows it, CI logs keep it */
            fprintf(stderr, "thread %d: %d wrong results; the first: %s\n",
                    t, failures[t], first_error[t]);
        if (t < SOLO)
            made += 1 + iterations[t];  /* BASE and the K-i */
    }
    diag("%d forced collections", atomic_load(&collections));
    struct lo_gc_stats gs;
    lo_lisp_gc_stats(main_L, &gs);
    ok(gs.young > 0, "young collections ran among the threads (%llu of "
       "%llu)", (unsigned long long)gs.young,
       (unsigned long long)gs.collections);
    ok(iterations[SOLO] > 1 && iterations[SOLO + 1] > 1,
       "both threads of the pair ran several rounds");

    check_serials(classes_before, made);
    check_pair("after the run");

    is_int(lo_ckpt_sync(store), LO_OK, "made durable");
    lo_lisp_close(main_L);
    if (lo_lisp_open(store, &main_L, why, sizeof why) != LO_OK)
        bail_out("%s", why);
    check_serials(classes_before, made);
    check_pair("after a reopen");
    lo_lisp_close(main_L);
    lo_ckpt_close(store);
    lo_disk_close(d);
    return done_testing();
}
