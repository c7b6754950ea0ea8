/*
 * store_peek.c -- one entry read by C without the Lisp (store_api.h,
 * lo_store_peek), which the server's event loop answers store.get with:
 * every kind of value told as the Lisp would give it, the caller's view
 * (owner, ACL rows, another user, the administrator), nothing for what
 * the caller may not read, and a refusal (LO_EBUSY) -- never a wait or
 * a wrong answer -- for what only the Lisp or a wait could answer.
 * tests/integration/server_store.t compares it with the Lisp's answer
 * over the wire.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lisp/api.h"
#include "lisp/primitive.h"
#include "store/store_api.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

/* What a peek told, as text: the head, then each value. */
struct told {
    char text[8192];
    size_t len;
};

static void put(struct told *t, const char *s, size_t n)
{
    if (t->len + n + 1 < sizeof t->text) {
        memcpy(t->text + t->len, s, n);
        t->len += n;
        t->text[t->len] = 0;
    }
}

static void putf(struct told *t, const char *format, long long a)
{
    char s[64];
    int n = snprintf(s, sizeof s, format, a);
    put(t, s, (size_t)n);
}

static void on_head(void *ctx, const struct lo_peek_head *h)
{
    struct told *t = ctx;
    putf(t, "id=%lld", h->id);
    putf(t, " version=%lld", h->version);
    putf(t, " access=%lld", h->access);
    putf(t, " n=%lld owner=", h->attributes);
    if (h->administrator)
        put(t, ":ADMINISTRATOR", 14);
    else
        put(t, h->owner, strlen(h->owner));
    put(t, " |", 2);
}

static void on_value(void *ctx, const struct lo_peek_value *v)
{
    static const char *const roles[] = { "", "key ", "", "" };
    struct told *t = ctx;
    put(t, " ", 1);
    put(t, roles[v->role], strlen(roles[v->role]));
    switch (v->kind) {
    case LO_PEEK_NIL:     put(t, "NIL", 3); break;
    case LO_PEEK_T:       put(t, "T", 1); break;
    case LO_PEEK_INTEGER: putf(t, "%lld", v->integer); break;
    case LO_PEEK_DOUBLE:  putf(t, "%lldd", (long long)(v->number * 10)); break;
    case LO_PEEK_STRING:  put(t, "\"", 1); put(t, v->text, v->length);
                          put(t, "\"", 1); break;
    case LO_PEEK_BYTES:   putf(t, "bytes:%lld", (long long)v->length); break;
    case LO_PEEK_KEYWORD: put(t, ":", 1); put(t, v->text, v->length); break;
    case LO_PEEK_LIST:    putf(t, "(%lld)", v->integer); break;
    }
}

/* Entry id peeked as user: the status, and what was told in *t. */
static int peek(lo_lisp *L, const char *user, int64_t id, struct told *t)
{
    t->len = 0;
    t->text[0] = 0;
    struct lo_peek_visitor visitor = { on_head, on_value, t };
    return lo_store_peek(L, user, id, &visitor);
}

/* Form evaluated as user, for its effect. */
static void run_as(lo_lisp *L, const char *user, const char *form)
{
    fixture_as(L, user);
    fixture_run(L, form);
    fixture_as(L, NULL);
}

/* An entry id made by evaluating form as user. */
static int64_t made_by(lo_lisp *L, const char *user, const char *form)
{
    char text[1024];
    snprintf(text, sizeof text, "(entry-id %s)", form);
    fixture_as(L, user);
    long long id = -1;
    if (fixture_eval(L, text) != LO_OK || sscanf(fixture_out(), "%lld", &id) != 1)
        diag("%s: %s", form, fixture_out());
    fixture_as(L, NULL);
    return id;
}

/* Does peeking entry id as user end with status and, unless want is
 * NULL, tell exactly want? */
static bool peeks(lo_lisp *L, const char *user, int64_t id, int status,
                  const char *want)
{
    struct told t;
    int s = peek(L, user, id, &t);
    if (s == status && (!want || !strcmp(t.text, want)))
        return true;
    diag("got %d: %s\n# wanted %d: %s", s, t.text, status, want ? want : "");
    return false;
}
#define peek_is(L, user, id, status, want, name) \
    ok(peeks((L), (user), (id), (status), (want)), "%s", (name))

/* A writer holding the store's lock, until told to let go. */
struct writer {
    lo_lisp *main;
    pthread_mutex_t m;
    pthread_cond_t c;
    int stage;          /* 1 holding, 2 let go, 3 done */
};

static void set_stage(struct writer *w, int stage)
{
    pthread_mutex_lock(&w->m);
    w->stage = stage;
    pthread_cond_broadcast(&w->c);
    pthread_mutex_unlock(&w->m);
}

static void wait_stage(struct writer *w, int stage)
{
    pthread_mutex_lock(&w->m);
    while (w->stage < stage)
        pthread_cond_wait(&w->c, &w->m);
    pthread_mutex_unlock(&w->m);
}

static void *hold_lock(void *arg)
{
    struct writer *w = arg;
    lo_lisp *L;
    if (lo_lisp_thread_open(w->main, &L) != LO_OK) {
        set_stage(w, 3);
        return NULL;
    }
    lo_data_lock_exclusive(L);
    set_stage(w, 1);
    lo_lisp_wait_begin(L);
    wait_stage(w, 2);
    lo_lisp_wait_end(L);
    lo_data_unlock_exclusive(L);
    lo_lisp_thread_close(L);
    set_stage(w, 3);
    return NULL;
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    lo_lisp *L = fx.L;
    struct told t;

    ok(peek(L, NULL, 1, &t) == LO_ENOENT, "no store yet: no entry");
    int64_t plain = made_by(L, "alice",
        "(store-put \"h\xc3\xa9llo\" :name \"x\" :n -5 :f 2.5d0 :k :kw "
        ":yes t :no nil :list (list 1 (list \"two\" (list :three)) nil))");
    int64_t shared = made_by(L, "alice",
        "(store-put (make-array 3 :element-type '(unsigned-byte 8)) "
        ":tag 1 :tag 2 :acl '((\"bob\" 1) ((:group \"staff\") 3) "
        "(:everyone 0)))");
    int64_t systems = made_by(L, NULL, "(store-put 42 :acl '((:everyone 1)))");
    ok(plain == 1 && shared == 2 && systems == 3, "three entries made");
    run_as(L, "bob", "1");             /* bob's environment exists now */

    peek_is(L, "alice", plain, LO_OK,
            "id=1 version=1 access=15 n=14 owner=alice | \"h\xc3\xa9llo\" "
            "key :NAME \"x\" key :N -5 key :F 25d key :K :KW key :YES T "
            "key :NO NIL key :LIST (3) 1 (2) \"two\" (1) :THREE NIL",
            "every plain kind of value, told to the owner in stored order");
    peek_is(L, "alice", shared, LO_OK,
            "id=2 version=1 access=15 n=6 owner=alice | bytes:3 key :TAG 1 "
            "key :TAG 2 key :ACL (3) (2) \"bob\" 1 (2) (2) :GROUP \"staff\" "
            "3 (2) :EVERYONE 0",
            "a byte vector, a repeated key, and the ACL last as :ACL");
    peek_is(L, "bob", shared, LO_OK,
            "id=2 version=1 access=1 n=6 owner=alice | bytes:3 key :TAG 1 "
            "key :TAG 2 key :ACL (3) (2) \"bob\" 1 (2) (2) :GROUP \"staff\" "
            "3 (2) :EVERYONE 0",
            "another user reads what the ACL grants, with its bits");
    peek_is(L, "bob", plain, LO_ENOENT, NULL,
            "nothing of a private entry for another user");
    peek_is(L, NULL, plain, LO_OK, NULL, "the administrator reads it all");
    peek_is(L, "alice", systems, LO_OK,
            "id=3 version=1 access=1 n=2 owner=:ADMINISTRATOR | 42 "
            "key :ACL (1) (2) :EVERYONE 1",
            "the administrator's entry, read by everyone");
    peek_is(L, "alice", 99, LO_ENOENT, NULL, "an id never used");
    peek_is(L, "alice", 0, LO_ENOENT, NULL, "id 0");
    peek_is(L, "carol", systems, LO_EBUSY, NULL,
            "a user without an environment yet: left to the Lisp");

    run_as(L, "alice", "(progn (store-set-object 1 \"again\") "
                       "(store-add-attribute 1 :more 1))");
    struct told t2;
    ok(peek(L, "alice", plain, &t2) == LO_OK &&
       !strncmp(t2.text, "id=1 version=3 ", 15) &&
       strstr(t2.text, "| \"again\" ") && strstr(t2.text, "key :MORE 1"),
       "a changed entry: its newest version, object and attributes");
    run_as(L, "alice", "(store-delete 1)");
    peek_is(L, "alice", plain, LO_ENOENT, NULL, "a deleted entry: none");

    /* what only the Lisp answers, or is more than the loop should carry */
    static const char *const others[] = {
        "(store-put #\\a)", "(store-put 1/3)", "(store-put (expt 2 70))",
        "(store-put \"d\" :when (date 2013 5))", "(store-put 'car)",
        "(store-put (vector 1 2))", "(store-put (restrict \"w\" 2))",
        "(store-put (make-string 5000 :initial-element #\\z))",
        "(store-put (make-list 2000 :initial-element 1))",
        "(store-put (let ((l (list 1 2))) (setf (cddr l) l) l))",
        "(store-put (cons 1 2))",
        "(store-put (let ((x nil)) (dotimes (i 20 x) (setq x (list x)))))",
    };
    int refused = 0;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        int64_t id = made_by(L, "alice", others[i]);
        int s = peek(L, "alice", id, &t);
        refused += s == LO_EBUSY;
        if (s != LO_EBUSY)
            diag("%s: %d %s", others[i], s, t.text);
    }
    ok(refused == (int)(sizeof others / sizeof others[0]),
       "characters, ratios, big integers, dates, symbols, objects sent as "
       "handles, strings without the read bit, and what is too long, "
       "circular, dotted or deep are left to the Lisp");
    peek_is(L, "alice", made_by(L, "alice",
                                "(store-put (make-string 4000 "
                                ":initial-element #\\z))"),
            LO_OK, NULL, "a string of 4000 characters is not too long");

    /* a writer holding the store's lock: no wait, a refusal */
    struct writer w = { .main = L, .m = PTHREAD_MUTEX_INITIALIZER,
                        .c = PTHREAD_COND_INITIALIZER };
    pthread_t thread;
    lo_lisp_wait_begin(L);
    pthread_create(&thread, NULL, hold_lock, &w);
    wait_stage(&w, 1);
    lo_lisp_wait_end(L);
    peek_is(L, "alice", systems, LO_EBUSY, NULL,
            "a writer holds the store's lock: refused at once");
    lo_lisp_wait_begin(L);
    set_stage(&w, 2);
    wait_stage(&w, 3);
    pthread_join(thread, NULL);
    lo_lisp_wait_end(L);
    peek_is(L, "alice", systems, LO_OK, NULL, "and read once it let go");

    /* the thread's own wait: lo_lisp_wait_try_end */
    lo_lisp_wait_begin(L);
    ok(lo_lisp_wait_try_end(L), "lo_lisp_wait_try_end with no collection "
       "under way ends the wait");
    peek_is(L, "alice", systems, LO_OK, NULL, "and the thread reads");

    fixture_close(&fx);
    return done_testing();
}
