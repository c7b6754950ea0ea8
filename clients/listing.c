/*
 * listing.c -- entries for people and for scripts (listing.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clients/listing.h"
#include "clients/table.h"

/* The parts of [id, attributes, summary?]: false when it is not one. */
static bool entry_parts(const msgpack_object *e, const msgpack_object **id,
                        const msgpack_object **attrs,
                        const msgpack_object **summary)
{
    if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size < 2)
        return false;
    *id = &e->via.array.ptr[0];
    *attrs = &e->via.array.ptr[1];
    *summary = e->via.array.size > 2 ? &e->via.array.ptr[2] : NULL;
    return true;
}

static uint32_t attr_count(const msgpack_object *attrs)
{
    return attrs->type == MSGPACK_OBJECT_ARRAY ? attrs->via.array.size / 2 : 0;
}

static bool same_key(const msgpack_object *a, const msgpack_object *b)
{
    return a->type == MSGPACK_OBJECT_STR && b->type == MSGPACK_OBJECT_STR &&
           a->via.str.size == b->via.str.size &&
           !memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size);
}

static void add_lower(struct lo_text *t, const msgpack_object *key)
{
    for (uint32_t i = 0; key->type == MSGPACK_OBJECT_STR &&
                         i < key->via.str.size; i++) {
        char c = (char)tolower((unsigned char)key->via.str.ptr[i]);
        lo_text_add(t, &c, 1);
    }
}

void lo_entry_json(struct lo_text *t, const msgpack_object *entry,
                   const char *extra)
{
    const msgpack_object *id, *attrs, *summary;
    if (!entry_parts(entry, &id, &attrs, &summary)) {
        lo_text_adds(t, "null");
        return;
    }
    lo_text_adds(t, "{");
    if (extra) {
        lo_text_adds(t, extra);
        lo_text_adds(t, ", ");
    }
    lo_text_adds(t, "\"id\": ");
    lo_text_json(t, id);
    lo_text_adds(t, ", \"attributes\": ");
    if (attrs->type != MSGPACK_OBJECT_ARRAY) {
        lo_text_adds(t, "null");
    } else {
        lo_text_adds(t, "{");
        const msgpack_object *a = attrs->via.array.ptr;
        bool first = true;
        for (uint32_t i = 0; i < attr_count(attrs); i++) {
            bool seen = false;          /* done with the key's first */
            for (uint32_t k = 0; k < i && !seen; k++)
                seen = same_key(&a[2 * k], &a[2 * i]);
            if (seen)
                continue;
            lo_text_adds(t, first ? "" : ", ");
            first = false;
            lo_text_key(t, &a[2 * i]);
            lo_text_adds(t, ": [");
            for (uint32_t k = i, n = 0; k < attr_count(attrs); k++)
                if (same_key(&a[2 * k], &a[2 * i])) {
                    lo_text_adds(t, n++ ? ", " : "");
                    lo_text_json(t, &a[2 * k + 1]);
                }
            lo_text_adds(t, "]");
        }
        lo_text_adds(t, "}");
    }
    if (summary) {
        lo_text_adds(t, ", \"object\": ");
        lo_text_json(t, summary);
    }
    lo_text_adds(t, "}");
}

void lo_entry_line(struct lo_text *t, const msgpack_object *entry)
{
    const msgpack_object *id, *attrs, *summary;
    if (!entry_parts(entry, &id, &attrs, &summary))
        return;
    lo_text_cell(t, id);
    const msgpack_object *a = attrs->via.array.ptr;
    for (uint32_t i = 0; i < attr_count(attrs); i++) {
        lo_text_adds(t, i ? " " : "  ");
        add_lower(t, &a[2 * i]);
        lo_text_adds(t, "=");
        lo_text_lisp(t, &a[2 * i + 1], NULL, 0);
    }
}

/* The keys of all entries, each once, in the order they first appear. */
static size_t collect_keys(const msgpack_object *entries,
                           const msgpack_object ***keys)
{
    size_t n = 0, cap = 0;
    *keys = NULL;
    for (uint32_t e = 0; e < entries->via.array.size; e++) {
        const msgpack_object *id, *attrs, *summary;
        if (!entry_parts(&entries->via.array.ptr[e], &id, &attrs, &summary))
            continue;
        for (uint32_t i = 0; i < attr_count(attrs); i++) {
            const msgpack_object *key = &attrs->via.array.ptr[2 * i];
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = same_key((*keys)[k], key);
            if (seen)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                *keys = realloc(*keys, cap * sizeof **keys);
                if (!*keys)
                    exit(1);
            }
            (*keys)[n++] = key;
        }
    }
    return n;
}

void lo_entries_table(const msgpack_object *entries, FILE *out)
{
    if (entries->type != MSGPACK_OBJECT_ARRAY)
        return;
    const msgpack_object **keys;
    size_t nkeys = collect_keys(entries, &keys);
    bool summaries = false;
    for (uint32_t e = 0; e < entries->via.array.size; e++)
        summaries |= entries->via.array.ptr[e].type == MSGPACK_OBJECT_ARRAY &&
                     entries->via.array.ptr[e].via.array.size > 2;
    struct lo_table table;
    lo_table_init(&table);
    lo_table_cell(&table, "id");
    for (size_t k = 0; k < nkeys; k++) {
        struct lo_text name = { 0 };
        add_lower(&name, keys[k]);
        lo_table_cell(&table, name.s);
        lo_text_free(&name);
    }
    if (summaries)
        lo_table_cell(&table, "object");
    lo_table_end_row(&table);
    for (uint32_t e = 0; e < entries->via.array.size; e++) {
        const msgpack_object *id, *attrs, *summary;
        if (!entry_parts(&entries->via.array.ptr[e], &id, &attrs, &summary))
            continue;
        struct lo_text cell = { 0 };
        lo_text_cell(&cell, id);
        lo_table_cell(&table, cell.s);
        for (size_t k = 0; k < nkeys; k++) {
            cell.len = 0;
            if (cell.s)
                cell.s[0] = 0;
            for (uint32_t i = 0, n = 0; i < attr_count(attrs); i++)
                if (same_key(&attrs->via.array.ptr[2 * i], keys[k])) {
                    lo_text_adds(&cell, n++ ? ", " : "");
                    lo_text_cell(&cell, &attrs->via.array.ptr[2 * i + 1]);
                }
            lo_table_cell(&table, cell.s ? cell.s : "");
        }
        if (summaries) {
            cell.len = 0;
            if (summary)
                lo_text_cell(&cell, summary);
            lo_table_cell(&table, cell.len ? cell.s : "");
        }
        lo_text_free(&cell);
        lo_table_end_row(&table);
    }
    lo_table_print(&table, out);
    lo_table_free(&table);
    free(keys);
}
