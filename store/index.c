/*
 * index.c -- the store's indexes (docs/store-design.md section 6): hash
 * indexes for equality and membership, ordered ones for ranges, kept
 * exact by every change (entry.c calls lo_store_index_change).
 *
 * Not built yet: every query scans (query.c).
 */
#include "store/store.h"

void lo_store_index_change(lo_lisp *L, lo_value store, lo_value id,
                           lo_value old_attrs, lo_value new_attrs)
{
    (void)L, (void)store, (void)id, (void)old_attrs, (void)new_attrs;
}
