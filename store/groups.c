/*
 * groups.c -- groups of users, the principals an ACL row (:group "name")
 * names (auth/acl.h; docs/store.md, "ACLs").  The administrator's to
 * manage: every primitive here is SYSTEM.  A group is its name (a
 * string) in the store record's STORE_GROUPS table, mapped to the list of
 * its members' names; a user is given as their name or their environment.
 */
#include <string.h>

#include "lisp/hashtable.h"
#include "store/store.h"

/* A group's or user's name argument: a private copy of a string, or an
 * environment's name. */
static lo_value name_arg(lo_lisp *L, lo_value v, const char *what)
{
    if (lo_typep(v, LO_T_ENV))
        v = lo_ptr(v)[ENV_NAME];
    if (!lo_typep(v, LO_T_STRING) || lo_string_length(v) == 0 ||
        lo_string_length(v) > 200)
        lo_store_error(L, "a %s is named by a string of 1 to 200 characters",
                       what);
    char buf[804];
    lo_string_utf8(v, buf, sizeof buf);
    return lo_make_string(L, buf, strlen(buf));
}

/* The store record with the lock held exclusive. */
static lo_value begin(lo_lisp *L, const char *op)
{
    if (!lo_data_lock_exclusive(L))
        lo_store_error(L, "%s: the store cannot be changed while it is "
                       "being read", op);
    return lo_store_record(L, true);
}

static lo_value group_members(lo_lisp *L, lo_value store, lo_value name)
{
    lo_value members;
    if (!lo_table_get(L, *lo_svref(store, STORE_GROUPS), name, &members)) {
        char text[204];
        lo_string_utf8(name, text, sizeof text);
        lo_store_error(L, "there is no group \"%s\"", text);
    }
    return members;
}

LO_PRIMITIVE(p_make_group, "%MAKE-GROUP", INTERNAL, SYSTEM, 1, 1, "(name)",
             "Make a group named NAME, with no members; its name.  The "
             "administrator's right.  MAKE-GROUP's work.")
{
    lo_value store = begin(L, "MAKE-GROUP");
    lo_value name = name_arg(L, args[0], "group");
    if (lo_table_get(L, *lo_svref(store, STORE_GROUPS), name, NULL)) {
        char text[204];
        lo_string_utf8(name, text, sizeof text);
        lo_store_error(L, "there is a group \"%s\" already", text);
    }
    lo_table_put(L, *lo_svref(store, STORE_GROUPS), name, L->nil);
    lo_data_unlock_exclusive(L);
    return lo_read_only(name);
}

LO_PRIMITIVE(p_delete_group, "%DELETE-GROUP", INTERNAL, SYSTEM, 1, 1,
             "(name)",
             "Delete the group named NAME: its ACL rows match nobody from "
             "then on.  The administrator's right.  DELETE-GROUP's work.")
{
    lo_value store = begin(L, "DELETE-GROUP");
    lo_value name = name_arg(L, args[0], "group");
    group_members(L, store, name);          /* "no group" when none */
    lo_table_remove(L, *lo_svref(store, STORE_GROUPS), name);
    lo_store_tell_groups_changed();
    lo_data_unlock_exclusive(L);
    return L->t;
}

static bool member_string(lo_lisp *L, lo_value s, lo_value list)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        if (lo_equal(L, s, lo_car_raw(list)))
            return true;
    return false;
}

LO_PRIMITIVE(p_group_add_member, "%GROUP-ADD-MEMBER", INTERNAL, SYSTEM, 2, 2,
             "(group user)",
             "Make USER a member of GROUP (names or objects); true when they "
             "were not.  GROUP-ADD-MEMBER's work.")
{
    lo_value store = begin(L, "GROUP-ADD-MEMBER");
    lo_value group = name_arg(L, args[0], "group");
    lo_value user = name_arg(L, args[1], "user");
    lo_value members = group_members(L, store, group);
    bool added = !member_string(L, user, members);
    if (added) {
        lo_table_put(L, *lo_svref(store, STORE_GROUPS), group,
                     lo_cons(L, user, members));
        lo_store_tell_groups_changed();
    }
    lo_data_unlock_exclusive(L);
    return lo_truth(L, added);
}

LO_PRIMITIVE(p_group_remove_member, "%GROUP-REMOVE-MEMBER", INTERNAL, SYSTEM,
             2, 2, "(group user)",
             "Take USER out of GROUP; true when they were a member.  "
             "GROUP-REMOVE-MEMBER's work.")
{
    lo_value store = begin(L, "GROUP-REMOVE-MEMBER");
    lo_value group = name_arg(L, args[0], "group");
    lo_value user = name_arg(L, args[1], "user");
    lo_value members = group_members(L, store, group), kept = L->nil;
    bool removed = false;
    for (lo_value l = members; lo_consp(l); l = lo_cdr_raw(l)) {
        if (lo_equal(L, user, lo_car_raw(l)))
            removed = true;
        else
            kept = lo_cons(L, lo_car_raw(l), kept);
    }
    if (removed) {
        lo_table_put(L, *lo_svref(store, STORE_GROUPS), group, kept);
        lo_store_tell_groups_changed();
    }
    lo_data_unlock_exclusive(L);
    return lo_truth(L, removed);
}

LO_PRIMITIVE(p_groups, "%GROUPS", INTERNAL, SYSTEM, 0, 0, "()",
             "The groups: a list of (name member ...).  GROUPS' work.")
{
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false), out = L->nil;
    if (store) {
        uint64_t capacity;
        lo_value *slots = lo_table_slots(*lo_svref(store, STORE_GROUPS),
                                         &capacity);
        for (uint64_t i = 0; i < capacity; i++)
            if (slots[2 * i] != LO_UNBOUND)
                out = lo_cons(L, lo_cons(L, lo_read_only(slots[2 * i]),
                                         lo_store_copy_tree(L, slots[2 * i + 1],
                                                            0)),
                              out);
    }
    lo_data_unlock_shared(L);
    return out;
}

const struct lo_primitive *const lo_store_group_primitives[] = {
    LO_ROW(p_make_group),
    LO_ROW(p_delete_group),
    LO_ROW(p_group_add_member),
    LO_ROW(p_group_remove_member),
    LO_ROW(p_groups),
    NULL,
};
