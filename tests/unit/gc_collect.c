/*
 * gc_collect.c -- the sliding collector on hand-built object graphs,
 * checked against an oracle: random objects (some with raw tails), random
 * edges with random access bits, random roots; after each collection the
 * graph reachable from the roots must be exactly what it was (same ids,
 * same edges, same access bits, same raw data), the unreachable objects
 * gone (the heap shrinks to the live size), allocation order kept, and
 * the heap must walk cleanly.
 */
#include <stdlib.h>
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { OBJECTS = 3000, ROOTS = 40, ROUNDS = 6 };
#define TAG_OBJECT 3ull
#define TAG_CONS 1ull

/* Object layout in this test: word 1 = id (a fixnum), words 2.. edges
 * (values), then, with a raw tail, raw words holding id * 7 + i. */
struct node {
    uint64_t *at;               /* address, or NULL once dropped */
    unsigned size, edges, raw;
    int edge_to[8];
    unsigned edge_bits[8];
    int cons_tagged[8];
};

static struct node nodes[OBJECTS * ROUNDS];
static int nnodes;
static lo_value roots[ROOTS];
static int root_id[ROOTS];

static lo_value make_ref(int id, unsigned bits, int cons)
{
    uint64_t addr = (uint64_t)(uintptr_t)nodes[id].at;
    if (cons)
        return addr | TAG_CONS;
    return addr | TAG_OBJECT | (uint64_t)bits << 60;
}

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < ROOTS; i++)
        visit(&roots[i], gc);
}

static int id_of(lo_value v)
{
    uint64_t *p = (uint64_t *)(uintptr_t)(v & ~(0xfull << 60 | 7));
    return (int)((int64_t)p[1] >> 2);
}

static void make_objects(lo_heap *h, struct lo_alloc_buffer *b, int count)
{
    int first = nnodes;
    for (int n = 0; n < count; n++) {
        struct node *x = &nodes[nnodes];
        x->edges = (unsigned)(rand() % 6);
        x->raw = rand() % 3 == 0 ? (unsigned)(rand() % 5) : 0;
        if (rand() % 200 == 0)
            x->raw = 2000;                  /* a large object */
        x->size = 2 + x->edges + x->raw;
        x->at = lo_heap_alloc(h, b, x->size);
        x->at[0] = x->raw ? lo_header_raw(1, x->size, 1 + x->edges)
                          : lo_header(2, x->size);
        x->at[1] = (uint64_t)nnodes << 2;
        for (unsigned i = 0; i < x->raw; i++)
            x->at[2 + x->edges + i] = (uint64_t)nnodes * 7 + i;
        nnodes++;
    }
    /* edges to any live node, older or newer */
    for (int id = first; id < nnodes; id++) {
        struct node *x = &nodes[id];
        for (unsigned i = 0; i < x->edges; i++) {
            int to;
            do
                to = rand() % nnodes;
            while (!nodes[to].at);
            x->edge_to[i] = to;
            x->cons_tagged[i] = rand() % 4 == 0;
            x->edge_bits[i] = x->cons_tagged[i] ? 0 : (unsigned)(rand() % 16);
            x->at[2 + i] = make_ref(to, x->edge_bits[i], x->cons_tagged[i]);
        }
    }
    for (int i = 0; i < ROOTS; i++) {
        if (i < ROOTS / 2 && root_id[i] >= 0 && nodes[root_id[i]].at &&
            rand() % 2)
            continue;                       /* keep some old roots */
        int to;
        do
            to = rand() % nnodes;
        while (!nodes[to].at);
        root_id[i] = to;
        roots[i] = make_ref(to, 0xf, 0);
    }
}

/* The oracle: which nodes are reachable from the roots. */
static void reach(int id, char *seen)
{
    int stack[OBJECTS * ROUNDS], sp = 0;
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
    srand(12345);
    struct fixture fx = { 0 };
    fixture_heap(&fx, 65536, 1);
    lo_heap *h = fx.heap;
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);
    /* marked by two threads, however small the heap (collector.c,
     * "Parallel marking"): a graph with edges every way, claimed by
     * whichever thread comes first */
    lo_heap_set_parallel_mark(h, 1);
    for (int i = 0; i < ROOTS; i++)
        root_id[i] = -1;

    for (int round = 0; round < ROUNDS; round++) {
        make_objects(h, &b, OBJECTS);
        static char seen[OBJECTS * ROUNDS];
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < ROOTS; i++)
            reach(root_id[i], seen);
        uint64_t live = 0;
        for (int id = 0; id < nnodes; id++)
            if (nodes[id].at && seen[id])
                live += nodes[id].size * 8ull;
        uint64_t before = lo_heap_bytes_used(h);
        /* the order of the survivors in memory, before */
        static int order[OBJECTS * ROUNDS];
        int norder = 0;
        lo_heap_retire_buffers(h);
        for (uint64_t *q = lo_heap_start(h); q < lo_heap_top(h);
             q += lo_header_words(q[0]))
            if ((q[0] & 0xff) != LO_T_FILLER && seen[(int64_t)q[1] >> 2])
                order[norder++] = (int)((int64_t)q[1] >> 2);
        struct lo_gc_result r;
        is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK,
               "round %d: collected", round);
        is_int((long long)r.live_bytes, (long long)live,
               "round %d: live bytes = the oracle's reachable bytes (%llu)",
               round, (unsigned long long)live);
        is_int((long long)lo_heap_bytes_used(h),
               (long long)(4096 + live), "round %d: the top slid down "
               "from %llu", round, (unsigned long long)before);
        const char *bad = "";
        ok(lo_gc_verify(h, &bad) == 0, "round %d: the heap walks: %s",
           round, bad);

        /* Follow the new addresses: everything reachable is intact. */
        int wrong = 0;
        int at = 0;
        for (int i = 0; i < ROOTS; i++)
            if (id_of(roots[i]) != root_id[i] || roots[i] >> 60 != 0xf)
                wrong++;
        /* map ids to new addresses by walking the heap in order */
        uint64_t *p = lo_heap_start(h), *top = lo_heap_top(h);
        int order_ok = 1;
        for (; p < top; p += lo_header_words(p[0])) {
            if ((p[0] & 0xff) == LO_T_FILLER)
                continue;
            int id = (int)((int64_t)p[1] >> 2);
            if (id < 0 || id >= nnodes || !seen[id]) {
                wrong++;
                break;
            }
            if (at >= norder || order[at++] != id)
                order_ok = 0;
            nodes[id].at = p;
        }
        for (int id = 0; id < nnodes; id++) {
            if (!nodes[id].at)
                continue;
            if (!seen[id]) {
                nodes[id].at = NULL;        /* collected */
                continue;
            }
            struct node *x = &nodes[id];
            for (unsigned i = 0; i < x->edges; i++) {
                lo_value v = x->at[2 + i];
                if (v != make_ref(x->edge_to[i], x->edge_bits[i],
                                  x->cons_tagged[i]))
                    wrong++;
            }
            for (unsigned i = 0; i < x->raw; i++)
                if (x->at[2 + x->edges + i] != (uint64_t)id * 7 + i)
                    wrong++;
        }
        is_int(wrong, 0, "round %d: every reachable object, edge, access "
               "bit and raw word intact", round);
        ok(order_ok, "round %d: allocation order kept", round);
    }
    lo_heap_unregister_buffer(h, &b);
    fixture_close(&fx);
    return done_testing();
}
