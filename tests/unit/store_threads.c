/*
 * store_threads.c -- the object store under threads (issue 19): writers
 * put entries and change them while readers query through the indexes
 * and by scans, and a thread collects.
 *
 * Each writer w (a user) puts entries with :writer "w" and :seq 1, 2, 3
 * ... in order, each readable by everyone, and every third put changes
 * an earlier entry's :touch (a hash index) too.  Puts are atomic and a
 * query sees one state of the store, so whatever a reader gets for
 * (= :writer "w") -- from the hash index -- must have the seqs 1..m for
 * some m, with no gap; (and (= :writer "w") (<= :seq 20)) -- an ordered
 * index too -- the seqs 1..min(m', 20); a scan (a SATISFIES term) the
 * same prefix.  At the end every index agrees with a scan of the entries
 * and every writer's entries are all there.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "ckpt/safepoint.h"
#include "lisp/lisp.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { WRITERS = 3, READERS = 3, PUTS = 400, STORE_BLOCKS = 65536 };

/* What every thread defines in its own environment first. */
static const char *const helpers[] = {
    "(defvar *n* 0)",
    "(defun random-ish () (setq *n* (mod (+ (* *n* 31) 7) 11)))",
    /* the seqs a query answers, sorted: 1..m with m <= limit */
    "(defun seq-prefix-p (filter limit) "
    "  (let* ((d (store-query filter)) "
    "         (seqs (sort (mapcar (lambda (e) (entry-attribute e :seq)) "
    "                             (directory-entries d)) #'<))) "
    "    (and (<= (length seqs) limit) "
    "         (loop for s in seqs for k from 1 always (eql s k)))))",
};

static lo_lisp *main_L;
static atomic_int writers_left = WRITERS;
static int failures[WRITERS + READERS + 1];
static char first_error[WRITERS + READERS + 1][600];
static int queries[READERS];

static void expect(int t, lo_lisp *L, const char *form, const char *want)
{
    if (!fixture_evaluates(L, form, LO_OK, want) && !failures[t]++)
        snprintf(first_error[t], sizeof first_error[t],
                 "%s -> %s (wanted %s)", form, fixture_out(), want);
}

static lo_lisp *open_thread(int t, const char *user)
{
    lo_lisp *L;
    if (lo_lisp_thread_open(main_L, &L) != LO_OK) {
        failures[t]++;
        return NULL;
    }
    if (user && lo_lisp_set_user(L, user) != LO_OK)
        failures[t]++;
    static const char *const defined[] = { "*N*", "RANDOM-ISH",
                                           "SEQ-PREFIX-P" };
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
        expect(t, L, helpers[i], defined[i]);
    return L;
}

static void *writer(void *arg)
{
    int t = (int)(intptr_t)arg;
    char user[16], form[400], want[32];
    snprintf(user, sizeof user, "w%d", t);
    lo_lisp *L = open_thread(t, user);
    if (L) {
        for (int k = 1; k <= PUTS; k++) {
            snprintf(form, sizeof form,
                     "(progn (store-put %d :writer \"%s\" :seq %d "
                     ":acl '((:everyone 1))) %s t)", k, user, k,
                     k % 3 == 0 ? "(let ((e (car (directory-entries "
                                  "(store-query '(= :seq 1) :limit 1))))) "
                                  "(when e (ignore-errors (setf "
                                  "(entry-attribute e :touch) (random-ish)))))"
                                : "");
            snprintf(want, sizeof want, "T");
            expect(t, L, form, want);
        }
        lo_lisp_thread_close(L);
    }
    atomic_fetch_sub(&writers_left, 1);
    return NULL;
}

/* The reader's checks of one writer's entries, in Lisp (seq-prefix-p is
 * defined by main). */
static void *reader(void *arg)
{
    int r = (int)(intptr_t)arg, t = WRITERS + r;
    char user[16], form[600];
    snprintf(user, sizeof user, "r%d", r);
    lo_lisp *L = open_thread(t, r == READERS - 1 ? NULL : user);
    if (!L)
        return NULL;
    /* one query of each kind at least: a reader that starts late (a
     * loaded machine, fast writers) finds the writers done */
    for (int i = 0; (i < 3 || atomic_load(&writers_left) > 0) && i < 5000;
         i++) {
        int w = i % WRITERS;
        const char *filter = i % 3 == 0 ? "(= :writer \"w%d\")"
                           : i % 3 == 1 ? "(and (= :writer \"w%d\") (<= :seq 20))"
                                        : "(and (satisfies (lambda (e) e)) "
                                          "(= :writer \"w%d\"))";
        char f[200];
        snprintf(f, sizeof f, filter, w);
        snprintf(form, sizeof form, "(seq-prefix-p '%s %d)", f,
                 i % 3 == 1 ? 20 : 1000000);
        expect(t, L, form, "T");
        queries[r]++;
    }
    lo_lisp_thread_close(L);
    return NULL;
}

static void *collector(void *arg)
{
    (void)arg;
    int t = WRITERS + READERS;
    lo_lisp *L = open_thread(t, NULL);
    if (!L)
        return NULL;
    while (atomic_load(&writers_left) > 0)
        expect(t, L, "(progn (gc) t)", "T");
    lo_lisp_thread_close(L);
    return NULL;
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, STORE_BLOCKS);
    main_L = fx.L;
    fixture_setup(main_L, "(store-create-index :writer :kind :hash)");
    fixture_setup(main_L, "(store-create-index :seq :kind :ordered)");
    fixture_setup(main_L, "(store-create-index :touch :kind :hash)");
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
        fixture_setup(main_L, helpers[i]);
    pthread_t threads[WRITERS + READERS + 1];
    /* main's Lisp waits outside the heap: a stop of the world must not
     * wait for it */
    bool blocked = lo_mutator_block_begin();
    for (int t = 0; t < WRITERS; t++)
        pthread_create(&threads[t], NULL, writer, (void *)(intptr_t)t);
    for (int r = 0; r < READERS; r++)
        pthread_create(&threads[WRITERS + r], NULL, reader,
                       (void *)(intptr_t)r);
    pthread_create(&threads[WRITERS + READERS], NULL, collector, NULL);
    for (int t = 0; t < WRITERS + READERS + 1; t++)
        pthread_join(threads[t], NULL);
    lo_mutator_block_end(blocked);

    for (int t = 0; t < WRITERS; t++)
        ok(failures[t] == 0, "writer %d put %d entries%s%s", t, PUTS,
           failures[t] ? ": " : "", first_error[t]);
    for (int r = 0; r < READERS; r++)
        ok(failures[WRITERS + r] == 0 && queries[r] > 0,
           "reader %d: %d queries, each a consistent prefix%s%s", r,
           queries[r], failures[WRITERS + r] ? ": " : "",
           first_error[WRITERS + r]);
    ok(failures[WRITERS + READERS] == 0, "the collector ran%s%s",
       failures[WRITERS + READERS] ? ": " : "",
       first_error[WRITERS + READERS]);
    char want[32];
    snprintf(want, sizeof want, "%d", WRITERS * PUTS);
    eval_is(main_L, "(store-count '(has :writer))", want,
            "every writer's entries are all there");
    eval_is(main_L, "(lispos-internal::%store-check-indexes)", "NIL",
            "every index agrees with a scan");
    eval_is(main_L, "(seq-prefix-p '(= :writer \"w1\") 1000000)", "T",
            "a writer's entries are 1..n");
    fixture_close(&fx);
    return done_testing();
}
