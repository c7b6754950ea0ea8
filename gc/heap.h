/*
 * heap.h -- the persistent heap: where every Lisp object lives.
 *
 * The heap is the ckpt region (ckpt/ckpt.h).  Its first page holds the
 * heap root: a magic number, the allocation top, the root slots (named:
 * below), the large-object space's bounds, and the version records
 * (below).  Small objects follow, allocated upward; large ones come down
 * from the end of the region (below).  The heap takes the store's whole
 * capacity at open: pages never written cost no disk slot (ckpt's absent
 * pages).  Because
 * the region sits at the same address in every run, an object's address
 * is valid until the collector slides it down -- and the collector
 * updates every reference when it does; large objects never move.
 * Nothing is ever serialized.
 *
 * Never store a C pointer in the heap: values are tagged words (below,
 * and lisp/value.h), C functions are reached by name (the Lisp binds its
 * primitive objects to the running binary's table at every open:
 * lisp/primitives.c).
 *
 * Values.  A value is a 64-bit word.  What the collector reads of it is
 * defined here, once, and lisp/value.h builds the rest of the encoding
 * on it: the top 4 bits are access bits (carried along, never
 * interpreted), and the low 3 bits tell a pointer -- 001 a cons, 011 an
 * object with a header -- from everything else (fixnums end in 00,
 * immediates such as characters in 010).
 *
 * Objects.  Every object starts with a header word; the collector needs
 * nothing else to walk and scan it:
 *   bits 0..7    type (the Lisp layer's; LO_T_FILLER is the heap's own)
 *   bits 8..47   size in words, header included
 *   bit 48       raw tail: only the first `value words` after the header
 *                hold Lisp values, the rest is raw data (string
 *                characters, bytecode, bignum digits) never interpreted
 *   bits 49..56  value words, when the raw bit is set
 *   bit 57       frozen: the system's, no user may change it (the Lisp's
 *                business: lisp/freeze.c); the collector keeps it
 *   bit 58       shared: the system lets every user change it (freeze.c)
 * Without the raw bit every word after the header is a Lisp value.
 *
 * Allocation.  Each mutator thread allocates from its own buffer (struct
 * lo_alloc_buffer): a chunk taken from the shared top under the heap lock,
 * then plain pointer bumps with no lock at all.  What a thread leaves
 * unused in a buffer becomes a filler object, so the heap stays walkable.
 *
 * Two spaces share the region (docs/gc.md):
 *
 *   page 0      the heap root
 *   page 1 ..   the small-object space, allocated upward to `top`; the
 *               collector slides it down
 *   ...         free pages (absent in ckpt: they cost no disk slot)
 *   los_bottom  the large-object space, down to the end of the region:
 *   .. los_end  blocks of whole pages, each one object (at the block's
 *               first word) or free; never moved.  It grows down towards
 *               the small-object space's top, as that grows up.
 *
 * A free large block's first words are a filler header (raw, no values)
 * giving its size, then the offset of the next free block (0 ends the
 * list): the free list lives in the heap, as offsets, never C pointers.
 *
 * Roots.  The root page has LO_HEAP_ROOTS value slots, and the collector
 * treats every one as a root.  Each layer above takes the slots it needs
 * by name (lo_heap_named_root): the name is written beside the slot, so
 * the same name finds the same slot in every later run, and no layer
 * needs an entry in a list kept here.
 *
 * Versions (gc/versions.c).  The root page records three things about
 * the programs that made and opened the heap, with a checksum over them:
 *   system_version  the system code that built it or last upgraded it
 *                   (lisp/open.c hashes the bytecode version, the
 *                   standard names and the boot code; not the primitives, bound by
 *                   name)
 *   layout_version  how many object-layout migration steps it has been
 *                   through: LO_LAYOUT_VERSION of the binary that made or
 *                   last upgraded it
 *   release         the release ("0.1.0", the top-level VERSION file)
 *                   that last opened it
 * Before it writes anything, an open decides (lo_heap_decide): a new
 * heap is built; a heap of this program's system and layout versions
 * opens as it is; one of older system code or an older layout is
 * upgraded in place (the caller runs the upgrade -- lisp/upgrade.c --
 * and records the new versions with lo_heap_set_versions); a heap made
 * by a newer LispOS (a greater layout, or a newer release) or whose
 * records are damaged is refused, and nothing is written.  lispos-disk
 * describe prints the records and that decision.  The records never
 * move: magic and system_version open the page, layout_version, release
 * and versions_crc follow the fields of the first layout, and a later
 * field goes after them (_Static_asserts below).
 */
#ifndef LO_GC_HEAP_H
#define LO_GC_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/ckpt.h"
#include "drivers/platform.h"

typedef uint64_t lo_value;

/* ---- value words: the part of the encoding the collector reads ---- */

#define LO_ACCESS_SHIFT 60
#define LO_ACCESS_MASK (0xfull << LO_ACCESS_SHIFT)
#define LO_TAG_MASK 7ull
enum { LO_TAG_CONS = 1, LO_TAG_IMMEDIATE = 2, LO_TAG_OBJECT = 3 };
/* Both pointer tags, and no other, have bit 0 set (fixnums end in 00). */
_Static_assert((LO_TAG_CONS & 1) && (LO_TAG_OBJECT & 1) &&
               !(LO_TAG_IMMEDIATE & 1), "a pointer's tag is odd");

static inline bool lo_pointer_p(lo_value v) { return v & 1; }

/* The address a pointer points at: access bits and tag masked off. */
static inline uint64_t *lo_value_address(lo_value v)
{
    return (uint64_t *)(uintptr_t)(v & ~(LO_ACCESS_MASK | LO_TAG_MASK));
}

/* The same pointer moved to `to`: tag and access bits kept. */
static inline lo_value lo_value_moved(lo_value v, const uint64_t *to)
{
    /* An object's address has no tag bits (8-aligned) and no access bits:
     * else the OR below would change them. */
    LO_ASSERT(((uintptr_t)to & (LO_ACCESS_MASK | LO_TAG_MASK)) == 0);
    return (v & (LO_ACCESS_MASK | LO_TAG_MASK)) | (lo_value)(uintptr_t)to;
}

/* ---- the root page ---- */

#define LO_HEAP_MAGIC 0x4c6973704f536870ull      /* "LispOShp" */
#define LO_HEAP_ROOTS 32
#define LO_HEAP_ROOT_NAME 32        /* bytes for a root's name, NUL included */
#define LO_HEAP_RELEASE 16          /* bytes for the release, NUL included */

/*
 * The object layout's version: the number of layout migration steps
 * since the first layout (0).  A change of how objects are laid out in
 * the heap -- the header words above, the Lisp's objects (lisp/value.h),
 * later the store's entries and indexes -- increments it and ships a
 * numbered migration step that brings a heap of the previous layout to
 * the new one (issue 18, the upgrade: an open decides to upgrade a heap
 * of an older layout, lo_heap_decide).  A heap of a greater layout
 * version than this is always refused: a newer LispOS made it.  The
 * steps (lisp/migrate.c):
 *   1  code objects may carry their source (lisp/value.h, CODE_SOURCE)
 */
#define LO_LAYOUT_VERSION 1u

/* The first page of the region. */
struct lo_heap_root {
    uint64_t magic;
    uint64_t system_version;     /* which system code built this heap */
    uint64_t top;                /* offset of the next free byte */
    uint64_t objects;            /* chunks handed out, ever */
    uint64_t collections;        /* full collections, ever */
    lo_value roots[LO_HEAP_ROOTS];
    /* The large-object space, as offsets from the region's base (whole
     * pages); all zero in a heap made before it existed (set at open). */
    uint64_t los_end;            /* end of the region */
    uint64_t los_bottom;         /* lowest block */
    uint64_t los_free;           /* first free block, 0 = none */
    uint64_t los_bytes;          /* bytes in blocks holding objects */
    /* The name of each slot of roots[] taken (lo_heap_named_root), NUL
     * padded; an empty name is a free slot. */
    char root_names[LO_HEAP_ROOTS][LO_HEAP_ROOT_NAME];
    /* The version records beside system_version (above: "Versions"). */
    uint64_t layout_version;     /* layout migration steps taken */
    char release[LO_HEAP_RELEASE];   /* the release that last opened it,
                                        NUL padded */
    uint64_t versions_crc;       /* 1 << 32 | crc32c of magic and the three
                                    records; 0 in a heap made before it */
    uint64_t full_collections;   /* of the collections, the full ones (0 in
                                    a heap made before young ones): a key
                                    hashed by an old address moves only in
                                    those (lisp/hashtable.c) */
    /* The collector's crossing map ("Generations" below), in a block of
     * the large-object space, so that it survives a restart. */
    uint64_t crossing_at;        /* the block's offset; 0: none yet */
    uint64_t crossing_top;       /* the map is right below this offset */
};
_Static_assert(sizeof(struct lo_heap_root) <= LO_CKPT_PAGE,
               "the heap root fits its page");
/* Every binary, older or newer, finds the version records here. */
_Static_assert(offsetof(struct lo_heap_root, magic) == 0 &&
               offsetof(struct lo_heap_root, system_version) == 8 &&
               offsetof(struct lo_heap_root, layout_version) == 1352 &&
               offsetof(struct lo_heap_root, release) == 1360 &&
               offsetof(struct lo_heap_root, versions_crc) == 1376,
               "the version records never move");

/* ---- object headers ---- */

enum { LO_T_FILLER = 0xff };
/* A table of the heap's own in the large-object space (the crossing map):
 * raw, never scanned, never seen by the Lisp. */
enum { LO_T_HEAP_TABLE = 0xfe };
#define LO_HEADER_RAW (1ull << 48)
#define LO_HEADER_FROZEN (1ull << 57)
#define LO_HEADER_SHARED (1ull << 58)
#define LO_HEADER_SIZE_MASK ((1ull << 40) - 1)

static inline uint64_t lo_header(unsigned type, uint64_t words)
{
    /* each in its bits: a bigger one would spill into the next field */
    LO_ASSERT(type <= 0xff && words <= LO_HEADER_SIZE_MASK);
    return (uint64_t)type | words << 8;
}

/* A header for an object whose first value_words words after the header
 * are values and the rest raw data. */
static inline uint64_t lo_header_raw(unsigned type, uint64_t words,
                                     unsigned value_words)
{
    /* bits 49..56, and the value words lie inside the object */
    LO_ASSERT(value_words <= 0xff && value_words < words);
    return lo_header(type, words) | LO_HEADER_RAW |
           (uint64_t)value_words << 49;
}

static inline uint64_t lo_header_words(uint64_t header)
{
    return (header >> 8) & LO_HEADER_SIZE_MASK;
}

/* How many words after the header of a raw object hold values (no
 * branch: for a reader that knows the object is raw, such as the VM
 * finding a code object's bytes). */
static inline uint64_t lo_header_raw_value_words(uint64_t header)
{
    return (header >> 49) & 0xff;
}

/* How many words after the header hold values. */
static inline uint64_t lo_header_value_words(uint64_t header)
{
    if (header & LO_HEADER_RAW)
        return lo_header_raw_value_words(header);
    return lo_header_words(header) - 1;
}

/* ---- the heap ---- */

typedef struct lo_heap lo_heap;

/* A heap's version records, as lo_heap_read_versions finds them. */
struct lo_heap_versions {
    uint64_t system;
    uint64_t layout;
    char release[LO_HEAP_RELEASE];   /* NUL terminated; "" if never set */
};

/*
 * Read the version records of the heap in an open store without opening
 * the heap or writing anything: LO_OK, LO_ENOENT when the store holds no
 * heap yet (nothing opened it), LO_ECORRUPT when it holds something else.
 */
int lo_heap_read_versions(lo_ckpt *store, struct lo_heap_versions *out);

/* What a program of system code `system` and release `release` does with
 * the heap of a store (lo_heap_decide). */
enum lo_heap_decision {
    LO_HEAP_BUILD,          /* the store holds no heap: a new one is built */
    LO_HEAP_OPEN,           /* this program's versions: opened as it is */
    LO_HEAP_UPGRADE,        /* older system code or layout: upgraded */
    LO_HEAP_REFUSE,         /* newer, damaged, or not a heap */
};

/*
 * Decide, reading only: LO_OK with BUILD, OPEN or UPGRADE (why then says
 * from what to what: "the heap was made by LispOS 0.1.0 (system code ...,
 * layout 0); this is LispOS 0.2.0 (...)"), else REFUSE with LO_EINVAL (a
 * newer LispOS made it) or LO_ECORRUPT (damaged records, or not a heap)
 * and a message in why.  found, if not NULL, gets the records.
 */
int lo_heap_decide(lo_ckpt *store, uint64_t system, const char *release,
                   enum lo_heap_decision *decision,
                   struct lo_heap_versions *found, char *why, size_t why_len);

/* Compare two releases as semantic versions: <0, 0 or >0.  A suffix
 * sorts before its release (0.2.0-dev < 0.2.0); a string that is not a
 * release sorts before every release. */
int lo_release_compare(const char *a, const char *b);

struct lo_heap_open_args {
    uint64_t system_version;    /* this program's system code */
    const char *release;        /* this program's release (< 16 chars) */
    bool allow_upgrade;         /* attach to a heap that needs upgrading */
};

/*
 * Attach to the region of an open store, as lo_heap_decide decides
 * (*decision).  A new heap records this program's versions.  A heap to
 * upgrade is refused (LO_EINVAL, nothing written, why as lo_heap_decide
 * says) unless allow_upgrade; when allowed, its records are left as they
 * were for the upgrade to set (lo_heap_set_versions) once it is done.  A
 * heap opened as it is records a->release as the last to open it.
 */
int lo_heap_open_with(lo_ckpt *store, const struct lo_heap_open_args *a,
                      lo_heap **out, enum lo_heap_decision *decision,
                      char *why, size_t why_len);

/*
 * lo_heap_open_with, never upgrading; *fresh tells whether the heap was
 * new (a cold boot follows) or already built (a warm start).
 */
int lo_heap_open(lo_ckpt *store, uint64_t system_version,
                 const char *release, lo_heap **out, int *fresh, char *why,
                 size_t why_len);

/* Record the versions (and their checksum) in the heap's root page, each
 * field written only if it changes. */
void lo_heap_set_versions(lo_heap *h, uint64_t system, uint64_t layout,
                          const char *release);
/* The same on a root page (gc/versions.c; heap.c's own use). */
void lo_heap_root_set_versions(struct lo_heap_root *r, uint64_t system,
                               uint64_t layout, const char *release);

void lo_heap_close(lo_heap *h);

struct lo_heap_root *lo_heap_root(lo_heap *h);
lo_ckpt *lo_heap_store(lo_heap *h);

/*
 * The root slot named name: 1 to LO_HEAP_ROOT_NAME - 1 printable ASCII
 * characters, "layer:what" by convention ("lisp:nil", "store:entries").
 * The slot a run before took under that name, or else (when create) a
 * free one, taken now and holding 0 (the fixnum zero, no object):
 * *created says which (when not NULL).  The slot is in the root page, so
 * its address stays valid while the heap is open, and the collector
 * updates the value in it.  NULL when the name is malformed, absent
 * (without create) or every slot is taken.  Thread-safe.
 */
lo_value *lo_heap_named_root(lo_heap *h, const char *name, bool create,
                             bool *created);

/* The object space: [start, top). */
uint64_t *lo_heap_start(lo_heap *h);
uint64_t *lo_heap_top(lo_heap *h);
uint64_t lo_heap_bytes_used(lo_heap *h);

/* A thread's allocation buffer.  Register it before use, unregister it
 * before freeing it.  `taken` counts the bytes it has handed out in all,
 * with the rest of its current chunk: a per-thread count of allocation
 * for the price of an addition per chunk (the Lisp's evaluation limits
 * read it through lo_heap_buffer_allocated). */
struct lo_alloc_buffer {
    uint64_t *next, *end;
    struct lo_alloc_buffer *link;     /* the heap's list of buffers */
    uint64_t taken;                   /* bytes taken, less those retired unused */
};
void lo_heap_register_buffer(lo_heap *h, struct lo_alloc_buffer *b);
void lo_heap_unregister_buffer(lo_heap *h, struct lo_alloc_buffer *b);

/* Bytes allocated through b since it was registered (objects too large
 * for a buffer, lo_heap_alloc_large's, are not counted here). */
static inline uint64_t lo_heap_buffer_allocated(const struct lo_alloc_buffer *b)
{
    return b->taken - (uint64_t)(b->end - b->next) * 8;
}
/* The slow path of lo_heap_alloc: a new chunk (or a large object). */
uint64_t *lo_heap_alloc_slow(lo_heap *h, struct lo_alloc_buffer *b,
                             size_t words);

/* The fast path alone: words from what b holds, or NULL when it has not
 * that many left (a caller with checks of its own to make before the slow
 * path, which takes the heap lock). */
static inline uint64_t *lo_heap_alloc_fast(struct lo_alloc_buffer *b,
                                           size_t words)
{
    /* both NULL (empty) or a chunk's unused rest */
    LO_ASSERT(b->next <= b->end);
    if ((size_t)(b->end - b->next) >= words) {
        uint64_t *p = b->next;
        b->next += words;
        return p;
    }
    return NULL;
}

/*
 * Allocate words (8 bytes each, at least 1) from b: zero-filled and
 * 8-aligned; the caller writes the header.  NULL when the store is full.
 * Never collects: collection happens only at safepoints (gc.h).
 */
static inline uint64_t *lo_heap_alloc(lo_heap *h, struct lo_alloc_buffer *b,
                                      size_t words)
{
    uint64_t *p = lo_heap_alloc_fast(b, words);
    return p ? p : lo_heap_alloc_slow(h, b, words);
}

/*
 * Byte vectors of LO_HEAP_LARGE_BYTES and more go to the large-object
 * space.  lo_heap_alloc_large gives `words` words (the caller writes the
 * header) at the start of a block of whole pages: zero-filled -- the
 * pages are released to ckpt, so zeroing costs nothing until touched --
 * page-aligned, never moved by the collector, freed when unreachable.
 * Nothing may shrink such an object.  NULL when the store is full.
 */
#define LO_HEAP_LARGE_BYTES (64u << 10)
uint64_t *lo_heap_alloc_large(lo_heap *h, size_t words);

/* The large-object space: [bottom, end), and the bytes of its objects'
 * blocks. */
uint64_t *lo_heap_large_bottom(lo_heap *h);
uint64_t *lo_heap_large_end(lo_heap *h);
uint64_t lo_heap_large_bytes(lo_heap *h);
static inline bool lo_heap_in_large(lo_heap *h, const void *p)
{
    return (const uint64_t *)p >= lo_heap_large_bottom(h) &&
           (const uint64_t *)p < lo_heap_large_end(h);
}

/* The pages a large block holding an object of `words` words takes, and
 * the filler header of a free block of `pages` pages. */
static inline uint64_t lo_large_block_pages(uint64_t words)
{
    return (words * 8 + LO_CKPT_PAGE - 1) / LO_CKPT_PAGE;
}
static inline uint64_t lo_large_free_header(uint64_t pages)
{
    return lo_header_raw(LO_T_FILLER, pages * (LO_CKPT_PAGE / 8), 0);
}
static inline bool lo_large_free_block(const uint64_t *block)
{
    return (block[0] & 0xff) == LO_T_FILLER;
}
/* The pages of the block starting at `block` (an object or free). */
static inline uint64_t lo_large_pages(const uint64_t *block)
{
    return lo_large_block_pages(lo_header_words(block[0]));
}

/* Turn every registered buffer's unused rest into a filler and empty the
 * buffers (the collector does this with the world stopped). */
void lo_heap_retire_buffers(lo_heap *h);

/*
 * Call fn on every object of the heap, small and large, in address order
 * (fillers, free large blocks and the zero words a buffer left unused
 * when its run ended without retiring it are not objects): the one walk over
 * headers that finds objects nothing may point to any more, or that no
 * root-based search would know where to look for (the Lisp's registry of
 * primitives on a heap made before it had one: lisp/primitives.c).
 * Retires the buffers first (their unused rests become fillers), so the
 * world must be stopped or no other thread attached; fn must not
 * allocate (the walk's end is the top it found).  false, the walk cut
 * short, when a header is malformed (lo_gc_verify says where).
 */
typedef void lo_heap_object_fn(uint64_t *object, void *ctx);
bool lo_heap_for_each_object(lo_heap *h, lo_heap_object_fn *fn, void *ctx);

/* Bytes handed out since the last collection, and the collector's trigger:
 * true once that passes the threshold -- the live size at the last
 * collection, at least 8 MiB, or a hold above it -- or half the room
 * there was then between the top and the large objects, whichever comes
 * first (or at every poll in stress mode). */
uint64_t lo_heap_allocated_since_gc(lo_heap *h);
bool lo_heap_collection_due(lo_heap *h);
/* An allocation found no room: a collection is due at the next chance
 * (what it failed for fails; what comes after finds the garbage gone --
 * a store opened full of garbage would otherwise never collect it). */
void lo_heap_starved(lo_heap *h);
/* Stress mode: collect at the first safepoint after `bytes` have been
 * allocated (1: after every allocation); 0 turns it off. */
void lo_heap_set_stress(lo_heap *h, uint64_t bytes);
/*
 * How much of the space freed past the new top a collection keeps instead
 * of releasing to the store: at most `bytes`, and never more than the
 * next collection's trigger (what the mutators will allocate into before
 * it).  Releasing a page the mutators fill again at once costs a fresh
 * fault for it (about 10-17 us here) and saves nothing: the snapshot does
 * not write the garbage anyway, since the heap gives every page past its
 * top back just before each flip (lo_ckpt_set_before_flip).  So a
 * running Lisp keeps its next allocation window; 0 (the default)
 * releases everything.
 */
void lo_heap_set_release_slack(lo_heap *h, uint64_t bytes);
/* The bytes past the new top the collection just made keeps. */
uint64_t lo_heap_release_slack(lo_heap *h);
bool lo_heap_stressed(lo_heap *h);
/*
 * Hold collections off until `bytes` have been allocated since the last
 * one (the trigger, if greater, still applies, and so does half the room
 * left); 0 lets them come as the trigger says again.  A collection marks and slides every live object,
 * so work that must not cost in proportion to the data -- the upgrade of
 * a heap, which allocates a few megabytes of new system code -- holds
 * them off for its duration.  Stress mode overrides it.
 */
void lo_heap_hold_collections(lo_heap *h, uint64_t bytes);

/* Used by the collector: set the new top after a full collection (and
 * record the live size, with the large-object space's, for the next
 * trigger), or after a young one.  Either way the young space starts at
 * the new top from now on. */
void lo_heap_set_top(lo_heap *h, uint64_t *top);
void lo_heap_set_young_top(lo_heap *h, uint64_t *top);

/*
 * Generations (docs/gc.md, "Young collections").  Whatever lies below the
 * young start survived a collection: the old space.  A young collection
 * marks and slides only [young start, top), taking as roots, besides the
 * usual ones, the pointers in the old pages written since the last
 * collection (the store's write barrier, lo_ckpt_track_writes).  Once the
 * old space is worth sparing (32 MiB of small objects live after a full
 * collection),
 * collections come every `nursery` bytes of allocation and are young, and
 * a full one comes when the heap has doubled since the last full one
 * (stress mode: one in four).
 */
#define LO_HEAP_NURSERY (2ull << 20)
#define LO_HEAP_YOUNG_MIN_OLD (32ull << 20)
uint64_t *lo_heap_young_start(lo_heap *h);
/* Whether the next collection must be full. */
bool lo_heap_full_collection_due(lo_heap *h);
/* Young collections every `nursery` bytes once `min_old` bytes are live
 * after a full collection (LO_HEAP_NURSERY and LO_HEAP_YOUNG_MIN_OLD are
 * the values measured in docs/gc.md); nursery 0, the default: none, every
 * collection full, except in stress mode, which makes three in four
 * young whatever the heap's size.  Off by default because the page
 * barrier costs an insert-heavy program dearly (docs/gc.md, "Young
 * collections": the store's million inserts 3.5x slower with them). */
void lo_heap_set_nursery(lo_heap *h, uint64_t nursery, uint64_t min_old);
/*
 * The crossing map: for each page of the old space, counted from the
 * region's base, how many words before the page's first word the object
 * covering that word starts (0: an object starts right there) -- so that
 * the objects of any old page can be walked.  Made whole by every full
 * collection and extended by every young one, it is right for the pages
 * below the root's crossing_top.  It lives in a block of the large-object
 * space (type LO_T_HEAP_TABLE), so a reopened heap has it and its first
 * collection can be young.  lo_heap_crossing returns it with room for
 * `pages` entries, in a bigger block if need be (the old block is left to
 * the next full collection); NULL when the space is full.  Only the
 * collector calls it, before it looks at the large-object space.
 */
uint32_t *lo_heap_crossing(lo_heap *h, uint64_t pages);
/* Full collections mark with helper threads (gc/collector.c) once the
 * small-object space holds `bytes` (default LO_HEAP_PARALLEL_MARK; 1:
 * always, for tests; UINT64_MAX: never). */
#define LO_HEAP_PARALLEL_MARK (32ull << 20)
void lo_heap_set_parallel_mark(lo_heap *h, uint64_t bytes);
uint64_t lo_heap_parallel_mark(lo_heap *h);

/* Whether young collections would pay (the old space's size, stress);
 * whether they might after this collection (the heap's size now): the
 * crossing map is kept only then, so a small heap has none. */
bool lo_heap_young_wanted(lo_heap *h);
bool lo_heap_young_soon(lo_heap *h);
/* Set by the collector: the crossing map is whole and the writes to the
 * old space are tracked since the last collection -- a young collection
 * can run.  Not so after an open, until the first full collection. */
bool lo_heap_young_ready(lo_heap *h);
void lo_heap_set_young_ready(lo_heap *h, bool ready);

#endif
