/*
 * vtable.c -- version-table entries and the flip table (see vtable.h).
 *
 * Layer 1 (internal.h): calls no other file of ckpt.
 */
#include "ckpt/vtable.h"

bool lo_vt_valid(uint8_t e)
{
    unsigned v0 = lo_vt_slot(e, 0), v1 = lo_vt_slot(e, 1),
             v2 = lo_vt_slot(e, 2);
    if (e & 0xc0 || v0 == LO_VT_NONE)
        return false;
    if (v1 != LO_VT_NONE && v1 == v0)
        return false;
    if (v2 != LO_VT_NONE && (v2 == v0 || v2 == v1))
        return false;
    return true;
}

unsigned lo_vt_free_slot(uint8_t e, unsigned prefer)
{
    if (prefer < 3 && prefer != lo_vt_slot(e, 0) && prefer != lo_vt_slot(e, 1))
        return prefer;
    for (unsigned s = 0; s < 3; s++)
        if (s != lo_vt_slot(e, 0) && s != lo_vt_slot(e, 1))
            return s;
    return LO_VT_NONE;      /* unreachable for a valid entry */
}

uint8_t lo_vt_durable(uint8_t e)
{
    return lo_vt_single(lo_vt_has(e, 1) ? lo_vt_slot(e, 1)
                                        : lo_vt_slot(e, 0));
}

/*
 * The flip: version 1 (if any) becomes version 0, version 2 (if any)
 * becomes version 1, and no version 2 remains.  The seed spells out the
 * two cases with a version 2; a page with only a version 1 (modified in
 * the previous cycle, not this one) follows the same rule.
 */
static uint8_t flip_entry(uint8_t e)
{
    if (!lo_vt_valid(e))
        return e;
    unsigned v0 = lo_vt_slot(e, 0), v1 = lo_vt_slot(e, 1),
             v2 = lo_vt_slot(e, 2);
    return lo_vt_make(v1 != LO_VT_NONE ? v1 : v0, v2, LO_VT_NONE);
}

void lo_vt_build_flip_table(uint8_t table[64])
{
    for (unsigned e = 0; e < 64; e++)
        table[e] = flip_entry((uint8_t)e);
}
