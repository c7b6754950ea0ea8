/*
 * acl.h -- the core part of auth/ (docs/store-design.md section 3):
 * principals, groups, and an ACL evaluated to the 4 access bits for a
 * caller.  The object store keeps the groups and each entry's ACL; this
 * file says what they mean.  Freestanding, like the rest of the core.
 *
 * An ACL is a list of rows (PRINCIPAL BITS): PRINCIPAL is a user's name
 * (a string), (:GROUP "name") or :EVERYONE, and BITS the access bits
 * granted (0 to 15: read 1, write 2, call 4, user-defined 8).  A caller's
 * bits are the union of the rows that match them.
 */
#ifndef LO_AUTH_ACL_H
#define LO_AUTH_ACL_H

#include "lisp/internal.h"

/* A fresh copy of acl when it is a well-formed ACL, else a STORE-ERROR
 * naming the row at fault. */
lo_value lo_acl_check(lo_lisp *L, lo_value acl);
/* The bits acl grants the user `name` (a string), whose groups are those
 * of the table `groups` (group name -> member list; NIL: none) listing
 * them: a group row looks its one group up, so reading an entry never
 * walks every group. */
unsigned lo_acl_bits(lo_lisp *L, lo_value acl, lo_value name,
                     lo_value groups);
/* Whether principal (a row's first element) names the same principal as
 * other: for replacing and revoking rows. */
bool lo_acl_same_principal(lo_lisp *L, lo_value principal, lo_value other);

#endif
