/*
 * open.c -- opening and closing the Lisp system on a store, and its
 * threads (lisp.h: lo_lisp_open, lo_lisp_thread_open, ...).
 *
 * A cold boot (an empty heap) takes the Lisp's roots in the heap's root
 * page by name (gc/heap.h), creates NIL, the system environment, the
 * packages (package.c) and T, binds every primitive by name, then
 * evaluates the system code written in Lisp (the files of lisp/boot,
 * embedded: boot.h; upgrade.c runs them, as an upgrade runs them again
 * into an existing heap), each file an evaluation of its own (api.c,
 * lo_pcall).  A warm start finds it all through the named roots and
 * checks that this binary's system version -- a hash of the bytecode
 * version, the standard names and the boot code -- is the one that
 * built the heap (gc/heap.h checks it, with the layout version, and
 * records the release that opens the heap).  The primitives are not
 * part of it: every open binds the heap's primitive objects to this
 * binary's table by name (primitives.c, lo_bind_primitives), so a
 * program that registers more or fewer modules opens the same heap.
 */
#include <string.h>

#include "lisp/boot.h"
#include "lisp/bytecode.h"
#include "lisp/bytecode_translate.h"
#include "drivers/checksum.h"
#include "lisp/environment.h"
#include "drivers/printf.h"
#include "lisp/internal.h"
#include "lisp/scratch.h"
#include "lisp/migrate.h"
#include "lisp/package.h"
#include "lisp/upgrade.h"

/* The space past the heap's top a collection keeps for the next
 * allocations (gc/heap.h): at most this, at most the next trigger --
 * in practice the whole next window, since the heap gives the garbage
 * back before each snapshot anyway and a page given back and filled
 * again costs a fresh fault. */
#define LO_RELEASE_SLACK (4ull << 30)

/* The Lisp's roots in the heap's root page (enum lo_lisp_root,
 * internal.h): each one's name, and since when every heap has it.  A
 * root every heap has had from the first release is required: a warm
 * heap without it is not a Lisp heap.  A root added later is missing
 * from the heaps made before; a warm start takes a slot for it, holding
 * the fixnum 0, and what owns the root makes its content
 * (lo_bind_primitives rebuilds the registry of primitives from a heap
 * walk). */
static const struct {
    const char *name;
    const char *since;          /* the release that added it; NULL: 0.1.0 */
} lisp_roots[LO_LISP_ROOTS] = {
    [LO_ROOT_NIL] = { "lisp:nil", NULL },
    [LO_ROOT_T] = { "lisp:t", NULL },
    [LO_ROOT_PACKAGES] = { "lisp:packages", NULL },
    [LO_ROOT_SYSTEM_ENV] = { "lisp:system-environment", NULL },
    [LO_ROOT_SPECIAL_COUNT] = { "lisp:special-count", NULL },
    [LO_ROOT_USERS] = { "lisp:users", NULL },
    [LO_ROOT_PRIMITIVES] = { "lisp:primitives", "0.2.0" },
};

/* Find the Lisp's roots, taking every one on a cold boot and those added
 * since the first release on a warm start that lacks them; false when a
 * warm heap lacks a required one, or the root page is full. */
static bool find_roots(struct lo_world *W, bool cold)
{
    for (int i = 0; i < LO_LISP_ROOTS; i++) {
        bool create = cold || lisp_roots[i].since;
        W->roots[i] = lo_heap_named_root(W->heap, lisp_roots[i].name, create,
                                         NULL);
        if (!W->roots[i])
            return false;
    }
    return true;
}

/* This binary's system code: the bytecode version, the standard names
 * and the boot text.  Not the primitives: they are bound by name at every
 * open (lo_bind_primitives). */
static uint64_t system_version(void)
{
    uint32_t crc = lo_crc32c(0, "lispos-bytecode", 15);
    uint32_t v = LO_BYTECODE_VERSION;
    crc = lo_crc32c(crc, &v, sizeof v);
    for (unsigned i = 0; i < lo_cl_name_count; i++)
        crc = lo_crc32c(crc, lo_cl_names[i], strlen(lo_cl_names[i]) + 1);
    for (unsigned i = 0; i < lo_lispos_name_count; i++)
        crc = lo_crc32c(crc, lo_lispos_names[i],
                        strlen(lo_lispos_names[i]) + 1);
    for (unsigned i = 0; i < lo_boot_file_count; i++)
        crc = lo_crc32c(crc, lo_boot_files[i].text,
                        strlen(lo_boot_files[i].text));
    return (uint64_t)LO_BYTECODE_VERSION << 32 | crc;
}

uint64_t lo_lisp_system_version(void)
{
    return system_version();
}

const char *lo_lisp_release(void) { return lo_release; }

/* The heap's first objects (run under a bare entry point: api.c). */
static void cold_boot(lo_lisp *L, void *ctx)
{
    (void)ctx;
    /* NIL first: a symbol whose fields point at itself. */
    uint64_t *nil = lo_alloc_object(L, LO_T_SYMBOL, SYM_WORDS);
    L->nil = *lo_world_root(L, LO_ROOT_NIL) = lo_make_object(nil);
    nil[SYM_NAME] = lo_make_string(L, "NIL", 3);
    nil[SYM_PACKAGE] = nil[SYM_PLIST] = L->nil;
    nil[SYM_HASH] = lo_fixnum(lo_crc32c(0, "NIL", 3));
    for (int i = LO_ROOT_T; i < LO_LISP_ROOTS; i++)
        *lo_world_root(L, i) = L->nil;
    *lo_world_root(L, LO_ROOT_SYSTEM_ENV) = L->env =
        lo_make_env(L, L->nil, L->nil);
    lo_packages_cold(L);                /* NIL goes into COMMON-LISP */
    L->t = *lo_world_root(L, LO_ROOT_T) = lo_intern(L, "T");
    lo_cell_set(lo_variable_cell(L, L->t, true), L->t);
    lo_cell_set(lo_variable_cell(L, L->nil, true), L->nil);
    /* an empty registry: lo_bind_primitives, next, fills it */
    *lo_world_root(L, LO_ROOT_PRIMITIVES) = lo_make_vector(L, 0, L->nil);
}

/* What the cold boot defined in C, and the primitives just bound, are
 * the boot's definitions (upgrade.c). */
static void note_cold_definitions(lo_lisp *L, void *ctx)
{
    (void)ctx;
    lo_note_cold_definitions(L);
}

static void boot_done(lo_lisp *L, void *ctx)
{
    (void)ctx;
    lo_packages_boot_done(L);
    lo_freeze_system(L);
}

/* Evaluate the embedded system code, file by file, in name order. */
static int run_boot_code(lo_lisp *L, char *why, size_t why_len)
{
    int status = lo_run_boot_files(L, "cold boot", why, why_len);
    if (status != LO_OK)
        return status;
    return lo_protect(L, boot_done, NULL) == LO_OK ? LO_OK : LO_ENOSPC;
}

/* A warm start: the heap's objects are there (run under a bare entry
 * point, as setting *PACKAGE* may fail). */
static void warm_start(lo_lisp *L, void *ctx)
{
    (void)ctx;
    L->nil = *lo_world_root(L, LO_ROOT_NIL);
    L->t = *lo_world_root(L, LO_ROOT_T);
    L->env = lo_system_env(L);
    /* a new process starts in COMMON-LISP-USER, as a new Lisp does */
    lo_set_current_package(L, lo_registry_ref(L, REG_CL_USER));
}

/* Every open binds the heap's primitive objects to this binary's table
 * by name (primitives.c), a cold boot's first. */
static int bind_primitives(lo_lisp *L, char *why, size_t why_len)
{
    struct lo_prim_binding *b = lo_prim_binding_new();
    if (!b) {
        lo_snprintf(why, why_len, "binding the primitives: no memory");
        return LO_ENOMEM;
    }
    int status = LO_OK;
    if (lo_protect(L, lo_bind_primitives, b) != LO_OK) {
        status = lo_prim_binding_bad_header(b) ? LO_ECORRUPT : LO_ENOSPC;
        lo_snprintf(why, why_len, "binding the primitives failed: %s: %s",
                    lo_last_error(L)->type, lo_last_error(L)->message);
    }
    lo_prim_binding_free(b);
    return status;
}

/* A thread's state on world W (not yet on its list). */
static lo_lisp *new_thread(struct lo_world *W)
{
    lo_lisp *L = lo_mem_alloc(sizeof *L);
    if (!L)
        return NULL;
    memset(L, 0, sizeof *L);
    L->W = W;
    L->store = W->store;
    L->heap = W->heap;
    L->root = W->root;
    L->poll_budget = L->limits.window = INT64_MAX;      /* no limits */
    /* Exit identities (vm.c) live on in closures that persist: a thread
     * starts its count from the clock, past the ones earlier processes
     * made (each takes far longer than a nanosecond), so a stale exit
     * finds no live entry of the same identity. */
    L->exit_serial = lo_clock_ns() & ((1ull << 54) - 1);
    L->stack = lo_mem_alloc(LO_STACK_VALUES * sizeof *L->stack);
    L->frames = lo_mem_alloc(LO_MAX_FRAMES * sizeof *L->frames);
    L->bindings = lo_mem_alloc(LO_MAX_BINDINGS * sizeof *L->bindings);
    L->roots = lo_mem_alloc(LO_MAX_ROOTS * sizeof *L->roots);
    L->catches = lo_mem_alloc(LO_MAX_CATCHES * sizeof *L->catches);
    L->levels = lo_mem_alloc(LO_MAX_LEVELS * sizeof *L->levels);
    if (!L->stack || !L->frames || !L->bindings || !L->roots ||
        !L->catches || !L->levels) {
        lo_mem_free(L->stack);
        lo_mem_free(L->frames);
        lo_mem_free(L->bindings);
        lo_mem_free(L->roots);
        lo_mem_free(L->catches);
        lo_mem_free(L->levels);
        lo_mem_free(L);
        return NULL;
    }
    return L;
}

/* Put L on its world's list of threads: from now on it allocates, and the
 * collector sees its roots. */
static void join_world(lo_lisp *L)
{
    struct lo_world *W = L->W;
    if (!lo_mutator_attached())
        lo_mutator_attach();
    lo_heap_register_buffer(W->heap, &L->buffer);
    lo_mutex_lock(&W->lock);
    L->next_thread = W->threads;
    W->threads = L;
    lo_mutex_unlock(&W->lock);
}

static void free_slots(struct lo_slots *s)
{
    for (size_t i = 0; i < sizeof s->blocks / sizeof s->blocks[0]; i++)
        lo_mem_free(s->blocks[i]);
    lo_mem_free(s->free);
}

static void free_thread(lo_lisp *L)
{
    struct lo_world *W = L->W;
    lo_mutex_lock(&W->lock);
    for (lo_lisp **p = &W->threads; *p; p = &(*p)->next_thread)
        if (*p == L) {
            *p = L->next_thread;
            lo_heap_unregister_buffer(W->heap, &L->buffer);
            break;
        }
    lo_mutex_unlock(&W->lock);
    lo_mem_free(L->stack);
    lo_mem_free(L->frames);
    lo_mem_free(L->bindings);
    lo_mem_free(L->roots);
    lo_mem_free(L->specials);
    lo_mem_free(L->catches);
    lo_mem_free(L->levels);
    lo_mem_free(L->output);
    lo_mem_free(L->backtrace);
    free_slots(&L->handles);
    lo_scratch_free_all(L);
    for (int i = 0; i < 64; i++)
        lo_mem_free(L->compilers[i]);
    lo_mem_free(L);
}

static void free_world(struct lo_world *W)
{
    while (W->threads)
        free_thread(W->threads);
    free_slots(&W->kept);
    lo_heap_close(W->heap);
    lo_clos_lock_destroy(W);
    lo_data_lock_destroy(W);
    lo_mutex_destroy(&W->lock);
    lo_mem_free(W);
}

/* What an upgrade may allocate before a collection runs (gc/heap.h,
 * lo_heap_hold_collections): the new system code takes a few MB, so at
 * most 256 MiB, and at most a quarter of the space left between the
 * heap's top and its large objects -- a nearly full store collects as it
 * goes instead of running out (collections are safe during the upgrade:
 * lisp/upgrade.c keeps what it holds rooted). */
#define LO_UPGRADE_HOLD (256ull << 20)

static uint64_t upgrade_hold(lo_heap *h)
{
    const struct lo_heap_root *r = lo_heap_root(h);
    uint64_t space = r->los_bottom > r->top ? r->los_bottom - r->top : 0;
    return space / 4 < LO_UPGRADE_HOLD ? space / 4 : LO_UPGRADE_HOLD;
}

/* Tell the embedder which phase of an upgrade starts. */
static void announce(const struct lo_lisp_open_options *options,
                     const char *phase)
{
    if (options->progress)
        options->progress(options->progress_ctx, phase);
}

/* An upgrade failed half way: the memory image is neither the old heap
 * nor the new one, so no snapshot may ever commit it.  The store stays
 * as it was, and the next open upgrades it again from the start. */
static void upgrade_failed(struct lo_world *W, const char *why)
{
    char line[512];
    lo_snprintf(line, sizeof line, "the upgrade of the heap failed (%s); "
                "the store is left as it was", why);
    lo_ckpt_refuse_snapshots(W->store, line);
}

static void mend_shadow_cells(lo_lisp *L, void *ctx)
{
    *(uint64_t *)ctx = lo_env_mend_shadow_cells(L);
}

/*
 * Upgrade the heap in place, after the warm start (the heap's own layout
 * steps ran before it, in lo_lisp_open_with): the layout steps that need
 * the Lisp, this build's boot code run again into the system environment
 * (upgrade.c), the users' cells that hid system names mended
 * (environment.c), the new versions recorded, and one snapshot that
 * commits it all at once.  Until that snapshot the store on disk is the
 * old one: a crash anywhere before leaves it, and the next open upgrades
 * it again.  On a failure the store refuses snapshots (upgrade_failed).
 */
static int upgrade(lo_lisp *L, const struct lo_lisp_open_options *options,
                   struct lo_lisp_open_report *report, char *why,
                   size_t why_len)
{
    struct lo_world *W = L->W;
    announce(options, "layout steps in the Lisp");
    int status = lo_migrate_lisp(L, report->from.layout, why, why_len);
    report->layout_steps =
        (unsigned)(LO_LAYOUT_VERSION - report->from.layout);
    if (status == LO_OK) {
        announce(options, "boot code");
        status = lo_upgrade_rerun_boot(L, why, why_len);
    }
    if (status == LO_OK) {
        announce(options, "users' shadow cells");
        if (lo_protect(L, mend_shadow_cells, &report->shadow_cells) !=
            LO_OK) {
            lo_snprintf(why, why_len, "mending users' shadow cells: %s: %s",
                        lo_last_error(L)->type, lo_last_error(L)->message);
            status = LO_ENOSPC;
        }
    }
    if (status != LO_OK) {
        upgrade_failed(W, why);
        return status;
    }
    struct lo_upgrade_dangling dangling;
    lo_upgrade_dangling(L, &dangling);
    report->dangling = dangling.functions;
    memcpy(report->dangling_example, dangling.example,
           sizeof report->dangling_example);
    announce(options, "versions");
    lo_heap_set_versions(W->heap, system_version(), LO_LAYOUT_VERSION,
                         lo_release);
    lo_heap_hold_collections(W->heap, 0);
    announce(options, "commit");
    status = lo_ckpt_sync(W->store);
    if (status != LO_OK) {
        lo_snprintf(why, why_len, "the upgrade's snapshot failed: %s (%s); "
                    "the store is left as it was", lo_strerror(status),
                    lo_ckpt_failure(W->store));
        return status;
    }
    announce(options, "committed");
    report->upgraded = true;
    return LO_OK;
}

/* Attach W to the store's heap, deciding what becomes of it. */
static int open_heap(struct lo_world *W, lo_ckpt *store,
                     const struct lo_lisp_open_options *options,
                     struct lo_lisp_open_report *report,
                     enum lo_heap_decision *decision, char *why,
                     size_t why_len)
{
    struct lo_heap_open_args args = {
        .system_version = system_version(),
        .release = lo_release,
        .allow_upgrade = !options->no_upgrade,
    };
    lo_heap_decide(store, args.system_version, args.release, decision,
                   &report->from, why, why_len);
    /* Code of a bytecode this build cannot translate would run with the
     * wrong instruction set: refuse before the heap is attached, so
     * nothing is written. */
    if (*decision == LO_HEAP_UPGRADE && !options->no_upgrade &&
        lo_translate_check((uint32_t)(report->from.system >> 32), why,
                           why_len) != LO_OK) {
        size_t n = strlen(why);
        lo_snprintf(why + n, why_len - n, ". Nothing was written");
        return LO_EINVAL;
    }
    int status = lo_heap_open_with(store, &args, &W->heap, decision, why,
                                   why_len);
    if (status == LO_EINVAL && *decision == LO_HEAP_UPGRADE) {
        size_t n = strlen(why);
        lo_snprintf(why + n, why_len - n, ". It would be upgraded in "
                    "place; refusing, as --no-upgrade asks. Nothing was "
                    "written");
    }
    report->built = *decision == LO_HEAP_BUILD;
    return status;
}

int lo_lisp_open(lo_ckpt *store, lo_lisp **out, char *why, size_t why_len)
{
    return lo_lisp_open_with(store, NULL, out, NULL, why, why_len);
}

int lo_lisp_open_with(lo_ckpt *store,
                      const struct lo_lisp_open_options *options,
                      lo_lisp **out, struct lo_lisp_open_report *report,
                      char *why, size_t why_len)
{
    static const struct lo_lisp_open_options defaults;
    struct lo_lisp_open_report scratch;
    if (!options)
        options = &defaults;
    if (!report)
        report = &scratch;
    memset(report, 0, sizeof *report);
    uint64_t started = lo_clock_ns();
    *out = NULL;
    lo_primitives_init();
    struct lo_world *W = lo_mem_alloc(sizeof *W);
    if (!W)
        return LO_ENOMEM;
    memset(W, 0, sizeof *W);
    W->store = store;
    lo_mutex_init(&W->lock);
    lo_clos_lock_init(W);
    lo_data_lock_init(W);
    enum lo_heap_decision decision;
    int status = open_heap(W, store, options, report, &decision, why,
                           why_len);
    if (status != LO_OK) {
        lo_clos_lock_destroy(W);
        lo_data_lock_destroy(W);
        lo_mutex_destroy(&W->lock);
        lo_mem_free(W);
        return status;
    }
    bool fresh = report->built;
    W->root = lo_heap_root(W->heap);
    /* The mutators allocate into the space a collection frees at once:
     * keep one window of it instead of releasing it to be faulted in
     * again (gc/heap.h). */
    lo_heap_set_release_slack(W->heap, LO_RELEASE_SLACK);
    W->cold = fresh;
    lo_lisp *L = new_thread(W);
    if (!L) {
        free_world(W);
        return LO_ENOMEM;
    }
    join_world(L);
    if (decision == LO_HEAP_UPGRADE) {
        /* a few megabytes of new system code: no collection, whose work
         * grows with the data, runs before the upgrade is done */
        lo_heap_hold_collections(W->heap, upgrade_hold(W->heap));
        announce(options, "layout steps on the heap");
        status = lo_migrate_heap(W->heap, report->from.layout, why, why_len);
        if (status == LO_OK) {
            announce(options, "bytecode");
            status = lo_translate_heap(W->heap,
                                       (uint32_t)(report->from.system >> 32),
                                       why, why_len);
        }
        if (status != LO_OK) {
            upgrade_failed(W, why);
            free_world(W);
            return status;
        }
    }
    if (!find_roots(W, fresh)) {
        lo_snprintf(why, why_len, "the heap lacks the Lisp's roots (%s)",
                    fresh ? "its root page is full"
                          : "not a Lisp heap, or no slot is left for a new "
                            "root");
        free_world(W);
        return LO_ECORRUPT;
    }
    if (fresh) {
        W->booting = true;              /* what it defines is the boot's */
        if (lo_protect(L, cold_boot, NULL) != LO_OK) {
            lo_snprintf(why, why_len, "cold boot failed: %s: %s",
                        lo_last_error(L)->type, lo_last_error(L)->message);
            free_world(W);
            return LO_ENOSPC;
        }
    } else if (lo_protect(L, warm_start, NULL) != LO_OK) {
        lo_snprintf(why, why_len, "warm start failed: %s: %s",
                    lo_last_error(L)->type, lo_last_error(L)->message);
        status = LO_ENOSPC;
    }
    if (status == LO_OK)
        status = bind_primitives(L, why, why_len);
    if (status == LO_OK && fresh) {
        W->booting = true;
        if (lo_protect(L, note_cold_definitions, NULL) != LO_OK) {
            lo_snprintf(why, why_len, "cold boot failed: %s: %s",
                        lo_last_error(L)->type, lo_last_error(L)->message);
            status = LO_ENOSPC;
        } else {
            status = run_boot_code(L, why, why_len);
        }
        W->booting = false;
    }
    if (status == LO_OK && decision == LO_HEAP_UPGRADE)
        status = upgrade(L, options, report, why, why_len);
    if (status != LO_OK) {
        free_world(W);
        return status;
    }
    lo_heap_read_versions(store, &report->to);
    report->ns = lo_clock_ns() - started;
    *out = L;
    return LO_OK;
}

int lo_lisp_thread_open(lo_lisp *any, lo_lisp **out)
{
    lo_lisp *L = new_thread(any->W);
    if (!L)
        return LO_ENOMEM;
    /* Joined first: from then on no collection runs until this thread
     * polls, so nil and t cannot move under it while they are read. */
    join_world(L);
    L->nil = *lo_world_root(L, LO_ROOT_NIL);
    L->t = *lo_world_root(L, LO_ROOT_T);
    L->env = lo_system_env(L);
    *out = L;
    return LO_OK;
}

void lo_lisp_thread_close(lo_lisp *L)
{
    if (!L)
        return;
    free_thread(L);
    /* A thread that has gone must not be waited for by a stopped world. */
    lo_mutator_detach();
}

void lo_lisp_close(lo_lisp *L)
{
    if (L)
        free_world(L->W);
}

int lo_lisp_cold_booted(lo_lisp *L)
{
    return L->W->cold;
}
