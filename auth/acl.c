/*
 * acl.c -- an ACL evaluated to access bits (acl.h).
 *
 * Rows are checked once, when an ACL is set (lo_acl_check makes a copy
 * the caller cannot change afterwards), so evaluating one trusts its
 * shape and costs a walk of a short list per entry read.
 */
#include <string.h>

#include "auth/acl.h"
#include "lisp/hashtable.h"

/* The keyword k's name is `name`. */
static bool keyword_is(lo_value k, const char *name)
{
    if (!lo_keywordp(k))
        return false;
    char text[16];
    lo_string_utf8(lo_symbol_name(k), text, sizeof text);
    return strcmp(text, name) == 0;
}

static bool group_principal_p(lo_value p)
{
    return lo_consp(p) && keyword_is(lo_car_raw(p), "GROUP") &&
           lo_consp(lo_cdr_raw(p)) &&
           lo_typep(lo_car_raw(lo_cdr_raw(p)), LO_T_STRING) &&
           !lo_consp(lo_cdr_raw(lo_cdr_raw(p)));
}

/* A private copy of a user's or group's name (the caller keeps no way to
 * rename the row): names are short, at most NAME_MAX bytes. */
enum { NAME_MAX = 200 };
static lo_value private_name(lo_lisp *L, lo_value s)
{
    char buf[NAME_MAX + 2];
    lo_check_access(L, s, LO_ACCESS_READ, "STORE-GRANT");
    lo_string_utf8(s, buf, sizeof buf);
    size_t len = strlen(buf);
    if (len == 0 || len > NAME_MAX)
        lo_error(L, "STORE-ERROR", "an ACL row's name must be 1 to %d "
                 "bytes", NAME_MAX);
    return lo_make_string(L, buf, len);
}

lo_value lo_acl_check(lo_lisp *L, lo_value acl)
{
    int64_t n = lo_list_length(L, acl);
    if (n < 0)
        lo_error(L, "STORE-ERROR", "an ACL must be a list of (principal "
                 "bits) rows");
    lo_value copy = L->nil, *tail = &copy;
    for (lo_value l = acl; lo_consp(l); l = lo_cdr_raw(l)) {
        lo_value row = lo_car_raw(l);
        if (lo_list_length(L, row) != 2)
            lo_error(L, "STORE-ERROR", "an ACL row must be (principal bits)");
        lo_value p = lo_car_raw(row), bits = lo_car_raw(lo_cdr_raw(row));
        if (!lo_fixnump(bits) || lo_fixnum_value(bits) < 0 ||
            lo_fixnum_value(bits) > 15)
            lo_error(L, "STORE-ERROR", "an ACL row's bits must be an "
                     "integer from 0 to 15");
        if (lo_typep(p, LO_T_STRING)) {
            p = private_name(L, p);
        } else if (group_principal_p(p)) {
            p = lo_cons(L, lo_car_raw(p),
                        lo_cons(L, private_name(L, lo_car_raw(lo_cdr_raw(p))),
                                L->nil));
        } else if (!keyword_is(p, "EVERYONE")) {
            lo_error(L, "STORE-ERROR", "an ACL row's principal must be a "
                     "user name, (:group \"name\") or :everyone");
        }
        *tail = lo_cons(L, lo_cons(L, p, lo_cons(L, bits, L->nil)), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    return copy;
}

static bool member_string(lo_lisp *L, lo_value s, lo_value list)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        if (lo_equal(L, s, lo_car_raw(list)))
            return true;
    return false;
}

/* Whether the group named `group` of the table lists `name`. */
static bool group_member_p(lo_lisp *L, lo_value groups, lo_value group,
                           lo_value name)
{
    lo_value members;
    return lo_typep(groups, LO_T_HASH_TABLE) &&
           lo_table_get(L, groups, group, &members) &&
           member_string(L, name, members);
}

unsigned lo_acl_bits(lo_lisp *L, lo_value acl, lo_value name,
                     lo_value groups)
{
    unsigned bits = 0;
    for (; lo_consp(acl); acl = lo_cdr_raw(acl)) {
        lo_value row = lo_car_raw(acl), p = lo_car_raw(row);
        bool match = lo_typep(p, LO_T_STRING)
            ? lo_equal(L, p, name)
            : lo_consp(p) ? group_member_p(L, groups, lo_car_raw(lo_cdr_raw(p)),
                                           name)
                          : true;                       /* :everyone */
        if (match)
            bits |= (unsigned)lo_fixnum_value(lo_car_raw(lo_cdr_raw(row)));
    }
    return bits & LO_ACCESS_ALL;
}

bool lo_acl_same_principal(lo_lisp *L, lo_value principal, lo_value other)
{
    return lo_equal(L, principal, other);
}
