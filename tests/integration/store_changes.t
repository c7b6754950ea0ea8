#!/bin/sh
# Changing store entries (issue 19, docs/store.md "Changing entries" and
# "History"): setf entry-attribute, adding and removing values, a new
# object, deletion, grants and revocations with who may make them, every
# change in the history, reverting (a deleted entry brought back), the
# history's bound, and all of it after a restart.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
"$repl" --store "$store" --size 64M -e t > /dev/null 2>&1

. "$(dirname "$0")/repl_checks.sh"

check "alice puts an entry" alice 1 \
    '(entry-id (store-put (vector 1 2 3) :name "draft" :language :english :language :french))'
check "setf entry-attribute replaces every value, where the first was" alice \
    '(:NAME "draft" :LANGUAGE :GERMAN)' \
    '(progn (setf (entry-attribute 1 :language) :german) (entry-attributes 1))'
check "store-add-attribute appends" alice '(:NAME "draft" :LANGUAGE :GERMAN :LANGUAGE :ENGLISH)' \
    '(progn (store-add-attribute 1 :language :english) (entry-attributes 1))'
check "store-remove-attribute of one value" alice '(T (:NAME "draft" :LANGUAGE :ENGLISH))' \
    '(list (store-remove-attribute 1 :language :german) (entry-attributes 1))'
check "store-remove-attribute of a value not there: NIL" alice NIL \
    '(store-remove-attribute 1 :language :zz)'
check "store-set-object" alice '"final"' \
    '(progn (store-set-object 1 "final") (entry-object 1))'
check "a string put as a value is the store's own copy" alice '"draft"' \
    '(let ((s (copy-seq "draft"))) (setf (entry-attribute 1 :name) s) (setf (char s 0) #\X) (entry-attribute 1 :name))'

# ---- rights ----
check "bob cannot see it" bob NIL '(store-get 1)'
check "bob cannot change it either: no entry" bob '"no entry 1"' \
    '(handler-case (store-set-object 1 9) (store-error (c) (princ-to-string c)))'
check "alice grants bob read" alice 1 '(store-grant 1 "bob" 1)'
check "bob reads it now" bob '"final"' '(entry-object 1)'
check "an attribute's string cannot be changed in place, even by bob's read" bob \
    '(ACCESS-DENIED ACCESS-DENIED "draft")' \
    '(list (handler-case (setf (char (entry-attribute 1 :name) 0) #\X) (error (c) (type-of c))) (handler-case (setf (char (first (first (entry-attribute 1 :acl))) 0) #\X) (error (c) (type-of c))) (entry-attribute 1 :name))'
check "nor by the owner: changes go through the store (its indexes)" alice \
    'ACCESS-DENIED' \
    '(handler-case (setf (char (getf (entry-attributes 1) :name) 0) #\X) (error (c) (type-of c)))'
check "bob may not change it: ACCESS-DENIED" bob ACCESS-DENIED \
    '(handler-case (store-add-attribute 1 :x 1) (error (c) (type-of c)))'
check "nor grant himself more" bob ACCESS-DENIED \
    '(handler-case (store-grant 1 "bob" 15) (error (c) (type-of c)))'
check "alice grants bob write (replacing his row)" alice '(:ACL (("bob" 3)))' \
    '(progn (store-grant 1 "bob" 3) (member :acl (entry-attributes 1)))'
check "bob changes an attribute" bob '"bob was here"' \
    '(progn (setf (entry-attribute 1 :note) "bob was here") (entry-attribute 1 :note))'
check "but not the ACL: only the owner" bob ACCESS-DENIED \
    "(handler-case (setf (entry-attribute 1 :acl) nil) (error (c) (type-of c)))"
check "an ill-formed ACL is refused" alice STORE-ERROR \
    "(handler-case (store-grant 1 'bob 99) (error (c) (type-of c)))"
check "alice revokes bob" alice '(T NIL)' \
    '(list (store-revoke 1 "bob") (store-revoke 1 "bob"))'
check "bob sees nothing again" bob 0 '(store-count t)'
check "the administrator may change anything" - '"admin"' \
    '(progn (setf (entry-attribute 1 :note) "admin") (entry-attribute 1 :note))'

# ---- history ----
check "every change is a version, newest first" alice \
    '(11 10 9 8 7 6 5 4 3 2 1)' \
    "(mapcar (lambda (v) (getf v :version)) (store-history 1))"
check "who made them" alice '(:ADMINISTRATOR "alice" "bob" "alice" :PUT)' \
    "(let ((h (store-history 1))) (list (getf (first h) :by) (getf (second h) :by) (getf (third h) :by) (getf (car (last h)) :by) (getf (car (last h)) :change)))"
check "alice deletes it" alice '(T NIL 0)' \
    '(list (store-delete 1) (store-get 1) (store-count t))'
check "a deleted entry is not in queries, even the administrator's" - 0 \
    '(store-count t)'
check "its history is still there for alice" alice :DELETE \
    '(getf (first (store-history 1)) :change)'
check "revert to version 6 brings it back as it was then" alice \
    '(13 (:NAME "draft" :LANGUAGE :ENGLISH) "final")' \
    '(list (store-revert 1 6) (entry-attributes 1) (entry-object 1))'
check "a revert is a version itself" alice :REVERT \
    '(getf (first (store-history 1)) :change)'
check "a version not kept: STORE-ERROR" alice STORE-ERROR \
    '(handler-case (store-revert 1 99) (error (c) (type-of c)))'

# ---- the bound ----
check "110 changes keep the newest 100 versions" - '(100 123 24)' \
    '(progn (dotimes (i 110) (setf (entry-attribute 1 :n) i)) (let ((h (store-history 1))) (list (length h) (getf (first h) :version) (getf (car (last h)) :version))))'

# ---- after a restart ----
check "after a restart: the entry, its value, its history" alice \
    '((:NAME "draft" :LANGUAGE :ENGLISH :N 109) 100)' \
    '(list (entry-attributes 1) (length (store-history 1)))'
echo "1..$n"
