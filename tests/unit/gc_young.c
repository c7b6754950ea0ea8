/*
 * gc_young.c -- young collections (gc.h, lo_gc_collect_young) on
 * hand-built object graphs against an oracle.  Each round makes new
 * objects with edges to old and new ones, then changes edges of old
 * objects to point at new ones (and elsewhere) -- the writes the store's
 * barrier must see -- sometimes with a snapshot in between (the flip
 * write-protects pages the barrier had seen writable), and collects: young
 * in three rounds of four, else full; after a reopen of the store, young
 * from the first collection on.  After a young collection every old
 * object is still there (reachable or not), exactly the new objects
 * reachable from the roots or from any old object survive, and every
 * surviving object's edges, access bits and raw words are intact; after a
 * full one, only what the roots reach.  The heap walks cleanly after each.
 */
#include <stdlib.h>
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

/* ROUNDS rounds, then the store is reopened and REOPENED more are young
 * from the first (the crossing map persists) */
enum { OBJECTS = 2000, ROOTS = 30, ROUNDS = 16, REOPENED = 4, WRITES = 300 };
#define MAX_NODES (OBJECTS * (ROUNDS + REOPENED))
#define TAG_OBJECT 3ull
#define TAG_CONS 1ull

/* word 1 = id (a fixnum), words 2.. edges, then raw words id * 7 + i */
struct node {
    uint64_t *at;               /* address, or NULL once collected */
    unsigned size, edges, raw;
    int edge_to[8];
    unsigned edge_bits[8];
    int cons_tagged[8];
    bool old;                   /* survived a collection */
};

static struct node nodes[MAX_NODES];
static int nnodes;
static lo_value roots[ROOTS];
static int root_id[ROOTS];

static lo_value make_ref(int id, unsigned bits, int cons)
{
    uint64_t addr = (uint64_t)(uintptr_t)nodes[id].at;
    return cons ? addr | TAG_CONS : addr | TAG_OBJECT | (uint64_t)bits << 60;
}

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < ROOTS; i++)
        visit(&roots[i], gc);
}

static int any_live(void)
{
    int to;
    do
        to = rand() % nnodes;
    while (!nodes[to].at);
    return to;
}

static void set_edge(int id, unsigned i, int to)
{
    struct node *x = &nodes[id];
    x->edge_to[i] = to;
    x->cons_tagged[i] = rand() % 4 == 0;
    x->edge_bits[i] = x->cons_tagged[i] ? 0 : (unsigned)(rand() % 16);
    x->at[2 + i] = make_ref(to, x->edge_bits[i], x->cons_tagged[i]);
}

static void make_objects(lo_heap *h, struct lo_alloc_buffer *b)
{
    int first = nnodes;
    for (int n = 0; n < OBJECTS; n++) {
        struct node *x = &nodes[nnodes];
        x->edges = (unsigned)(rand() % 6);
        x->raw = rand() % 3 == 0 ? (unsigned)(rand() % 5) : 0;
        if (rand() % 300 == 0)
            x->raw = 1500;                  /* spans pages */
        x->size = 2 + x->edges + x->raw;
        x->old = false;
        x->at = lo_heap_alloc(h, b, x->size);
        x->at[0] = x->raw ? lo_header_raw(1, x->size, 1 + x->edges)
                          : lo_header(2, x->size);
        x->at[1] = (uint64_t)nnodes << 2;
        for (unsigned i = 0; i < x->raw; i++)
            x->at[2 + x->edges + i] = (uint64_t)nnodes * 7 + i;
        nnodes++;
    }
    for (int id = first; id < nnodes; id++)
        for (unsigned i = 0; i < nodes[id].edges; i++)
            set_edge(id, i, any_live());
}

/* Old objects' edges changed: mostly to new objects. */
static int write_old(int first_new)
{
    int written = 0;
    for (int k = 0; k < WRITES * 20 && written < WRITES; k++) {
        int id = rand() % first_new;
        if (!nodes[id].at || !nodes[id].edges)
            continue;
        int to = rand() % 4 ? first_new + rand() % (nnodes - first_new)
                            : any_live();
        set_edge(id, (unsigned)(rand() % nodes[id].edges), to);
        written++;
    }
    return written;
}

static void reroot(void)
{
    for (int i = 0; i < ROOTS; i++) {
        if (root_id[i] >= 0 && nodes[root_id[i]].at && rand() % 2)
            continue;
        root_id[i] = any_live();
        roots[i] = make_ref(root_id[i], 0xf, 0);
    }
}

/* The oracle: what survives -- from the roots, and for a young
 * collection from every old object too. */
static void reach(int id, char *seen)
{
    static int stack[MAX_NODES];
    int sp = 0;
    if (seen[id])
        return;
    seen[id] = 1;
    stack[sp++] = id;
    while (sp) {
        struct node *x = &nodes[stack[--sp]];
        for (unsigned i = 0; i < x->edges; i++)
            if (!seen[x->edge_to[i]]) {
                seen[x->edge_to[i]] = 1;
                stack[sp++] = x->edge_to[i];
            }
    }
}

int main(void)
{
    srand(4711);
    struct fixture fx = { 0 };
    fixture_heap(&fx, 65536, 1);
    lo_heap *h = fx.heap;
    lo_heap_set_nursery(h, 4096, 4096);     /* young collections wanted */
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);
    for (int i = 0; i < ROOTS; i++)
        root_id[i] = -1;
    int young_rounds = 0;

    for (int round = 0; round < ROUNDS + REOPENED; round++) {
        if (round == ROUNDS) {
            lo_heap_unregister_buffer(h, &b);
            is_int(lo_ckpt_sync(fx.store), LO_OK, "synced before reopening");
            fixture_reopen(&fx);            /* same addresses: roots hold */
            h = fx.heap;
            lo_heap_set_nursery(h, 4096, 4096);
            lo_heap_register_buffer(h, &b);
        }
        int first_new = nnodes;
        make_objects(h, &b);
        if (round % 3 == 1)                 /* a flip between the writes */
            is_int(lo_ckpt_sync(fx.store), LO_OK, "round %d: synced", round);
        int written = first_new ? write_old(first_new) : 0;
        reroot();
        bool young = round >= ROUNDS || round % 4 != 0;

        static char seen[MAX_NODES];
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < ROOTS; i++)
            reach(root_id[i], seen);
        for (int id = 0; young && id < first_new; id++)
            if (nodes[id].at)
                reach(id, seen);            /* old: all live */
        uint64_t live = 0;
        for (int id = 0; id < nnodes; id++)
            if (nodes[id].at && seen[id])
                live += nodes[id].size * 8ull;

        struct lo_gc_result r;
        lo_heap_retire_buffers(h);
        int status = young ? lo_gc_collect_young(h, roots_fn, NULL, &r)
                           : lo_gc_collect(h, roots_fn, NULL, &r);
        is_int(status, LO_OK, "round %d: %s collection, %d old objects "
               "written", round, young ? "young" : "full", written);
        is_int(r.young, young, "round %d: it was %s", round,
               young ? "young" : "full");
        young_rounds += r.young;
        is_int((long long)r.live_bytes, (long long)live,
               "round %d: live bytes = the oracle's (%llu)", round,
               (unsigned long long)live);
        const char *bad = "";
        ok(lo_gc_verify(h, &bad) == 0, "round %d: the heap walks: %s",
           round, bad);

        /* new addresses, by walking the heap in order */
        int wrong = 0;
        for (int id = 0; id < nnodes; id++)
            if (nodes[id].at && !seen[id])
                nodes[id].at = NULL;
        for (uint64_t *p = lo_heap_start(h); p < lo_heap_top(h);
             p += lo_header_words(p[0])) {
            if ((p[0] & 0xff) == LO_T_FILLER)
                continue;
            int id = (int)((int64_t)p[1] >> 2);
            if (id < 0 || id >= nnodes || !nodes[id].at) {
                wrong++;
                break;
            }
            nodes[id].at = p;
            nodes[id].old = true;
        }
        for (int i = 0; i < ROOTS; i++)
            if (roots[i] != make_ref(root_id[i], 0xf, 0))
                wrong++;
        for (int id = 0; id < nnodes; id++) {
            struct node *x = &nodes[id];
            if (!x->at)
                continue;
            if ((int64_t)x->at[1] >> 2 != id)
                wrong++;
            for (unsigned i = 0; i < x->edges; i++)
                if (x->at[2 + i] != make_ref(x->edge_to[i], x->edge_bits[i],
                                             x->cons_tagged[i]))
                    wrong++;
            for (unsigned i = 0; i < x->raw; i++)
                if (x->at[2 + x->edges + i] != (uint64_t)id * 7 + i)
                    wrong++;
        }
        is_int(wrong, 0, "round %d: every survivor, edge, access bit and "
               "raw word intact", round);
    }
    ok(young_rounds >= ROUNDS / 2 + REOPENED, "%d young collections",
       young_rounds);
    lo_heap_unregister_buffer(h, &b);
    fixture_close(&fx);
    return done_testing();
}
