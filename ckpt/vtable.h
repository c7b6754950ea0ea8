/*
 * vtable.h -- version-table entries (seed chapter 7).
 *
 * One byte per page: bits 0-1 give the disk slot (0, 1 or 2 of the page's
 * three) of version 0, the durable snapshot; bits 2-3 version 1, the
 * snapshot being written; bits 4-5 version 2, the current contents.  3
 * means "no such version" (never for version 0, which always exists).
 * Bits 6-7 are zero.  The atomic flip turns every version 1 into version 0
 * and every version 2 into version 1, through a 64-entry table.
 *
 * On disk an entry is stored normalized: only the slot of the snapshot it
 * belongs to, as version 0 (0x3c | slot).  Read back, that is exactly the
 * in-memory entry of a page with one version.
 *
 * A version can also be *absent*: the page holds zeros and no slot at all
 * (a page grown and never written, or released with lo_ckpt_release).  In
 * memory the entry still names a slot for it (a nominal one, never read or
 * written) and the page's frame flags say which versions are absent
 * (internal.h), so the flip table and the slot choice stay the seed's.  On
 * disk an absent page is LO_VT_ABSENT (0x3f: version 0 in "slot 3").
 */
#ifndef LO_CKPT_VTABLE_H
#define LO_CKPT_VTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define LO_VT_NONE 3u
#define LO_VT_ABSENT 0x3fu      /* on disk: the page is zeros, in no slot */

static inline unsigned lo_vt_slot(uint8_t entry, unsigned version)
{
    return (entry >> (2 * version)) & 3u;
}

static inline bool lo_vt_has(uint8_t entry, unsigned version)
{
    return lo_vt_slot(entry, version) != LO_VT_NONE;
}

static inline uint8_t lo_vt_make(unsigned v0, unsigned v1, unsigned v2)
{
    return (uint8_t)(v0 | v1 << 2 | v2 << 4);
}

/* A page with only version 0, in the given slot (also the disk form). */
static inline uint8_t lo_vt_single(unsigned slot)
{
    return lo_vt_make(slot, LO_VT_NONE, LO_VT_NONE);
}

/* The newest version present: 2, 1 or 0. */
static inline unsigned lo_vt_newest(uint8_t entry)
{
    return lo_vt_has(entry, 2) ? 2 : lo_vt_has(entry, 1) ? 1 : 0;
}

/* More than one version exists. */
static inline bool lo_vt_multi(uint8_t entry)
{
    return (entry & 0x3c) != 0x3c;
}

/*
 * Once the snapshot version 1 belongs to is durable, version 0 is no
 * longer needed: version 1 becomes version 0 and version 2 (if any) stays
 * where it is -- what the next flip would do to versions 0 and 1, done
 * ahead of it (snapshot.c, fold_and_protect).  An entry without a version
 * 1 is returned as it is.
 */
static inline uint8_t lo_vt_fold(uint8_t entry)
{
    if (!lo_vt_has(entry, 1))
        return entry;
    return lo_vt_make(lo_vt_slot(entry, 1), LO_VT_NONE,
                      lo_vt_slot(entry, 2));
}

/* Well formed: version 0 exists, slots in use are distinct, bits 6-7 clear. */
bool lo_vt_valid(uint8_t entry);

/* A slot for a new version 2: one used by neither version 0 nor 1;
 * `prefer` when it is free (so that pages written in the same cycle share
 * a slot number and their slots lie side by side on disk). */
unsigned lo_vt_free_slot(uint8_t entry, unsigned prefer);

/* The entry as written to disk for the snapshot being written: the slot of
 * version 1 if there is one, else of version 0, as a single version. */
uint8_t lo_vt_durable(uint8_t entry);

/* The same, knowing whether version 1 and version 0 are absent: then the
 * disk form is LO_VT_ABSENT. */
static inline uint8_t lo_vt_durable_form(uint8_t entry, bool v1_absent,
                                         bool v0_absent)
{
    if (lo_vt_has(entry, 1) ? v1_absent : v0_absent)
        return LO_VT_ABSENT;
    return lo_vt_durable(entry);
}

/* Fill the 64-entry flip table: table[e] is entry e after the flip (for a
 * malformed e, e itself, so a flip never invents a slot). */
void lo_vt_build_flip_table(uint8_t table[64]);

#endif
