#!/bin/sh
# Groups, ACL rows naming them, :everyone, and the per-user value sets
# (issue 19, docs/store.md "ACLs" and "Value sets"), through lispos-repl
# as the administrator and three users.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
"$repl" --store "$store" --size 64M -e t > /dev/null 2>&1

. "$(dirname "$0")/repl_checks.sh"

# ---- groups ----
check "the administrator makes a group" - '"staff"' '(make-group "staff")'
check "a second group of that name is refused" - STORE-ERROR \
    '(handler-case (make-group "staff") (error (c) (type-of c)))'
check "members are added by name" - '(T T NIL)' \
    '(list (group-add-member "staff" "bob") (group-add-member "staff" "carol") (group-add-member "staff" "bob"))'
check "groups lists them" - '(("staff" "carol" "bob"))' '(groups)'
check "a user may not make groups" alice ACCESS-DENIED \
    '(handler-case (make-group "mine") (error (c) (type-of c)))'
check "nor add members" alice ACCESS-DENIED \
    '(handler-case (group-add-member "staff" "alice") (error (c) (type-of c)))'
check "alice shares with the group, read and write" alice 1 \
    '(entry-id (store-put (vector 0) :name "team" :acl (list (list (list :group "staff") 3))))'
check "bob, a member, reads and writes" bob '(1 3)' \
    '(list (store-count t) (access-bits (entry-object 1)))'
check "carol too" carol 1 '(store-count t)'
check "dave, not a member, sees nothing" dave 0 '(store-count t)'
check "the administrator takes carol out" - T '(group-remove-member "staff" "carol")'
check "carol sees nothing now" carol 0 '(store-count t)'
check "an unknown group is an error" - STORE-ERROR \
    '(handler-case (group-add-member "nobody" "bob") (error (c) (type-of c)))'

# ---- :everyone, unions ----
check "alice gives everyone read, bob read+write+call" alice '(2 ((:EVERYONE 1) ("bob" 7)))' \
    '(list (entry-id (store-put (vector 1) :name "public" :acl (list (list :everyone 1) (list "bob" 7)))) (entry-attribute 2 :acl))'
check "dave reads it, with the read bit" dave '(1 1)' \
    '(list (store-count t) (access-bits (entry-object 2)))'
check "bob gets the union of his rows" bob 7 '(access-bits (entry-object 2))'
check "the owner has every bit" alice 15 '(access-bits (entry-object 2))'
check "explain counts only what the caller may read" dave '(1 1 1)' \
    '(let ((e (store-explain (quote (has :name))))) (list (getf (cdr (second e)) :estimated) (getf e :rows) (store-count (quote (has :name)))))'
check "and the owner sees both" alice '(2 2)' \
    '(let ((e (store-explain (quote (has :name))))) (list (getf (cdr (second e)) :estimated) (getf e :rows)))'

# ---- value sets ----
check "the defaults hold the seed's categories" alice T \
    '(every (lambda (k) (member k (value-set :category))) (list :movie :music :article :book :user-manual :dictionary :course :lecture :recipe :program :bank-statement :email))'
check "and the seed's version control systems" alice T \
    '(every (lambda (k) (member k (value-set :source-control))) (list :git :svn :cvs :darcs))'
check "a value outside the set is refused, naming the set" alice \
    '":PODCAST is not in your value set for :CATEGORY (VALUE-SET :CATEGORY lists it; VALUE-SET-ADD adds to it)"' \
    '(handler-case (store-put 1 :category :podcast) (store-error (c) (princ-to-string c)))'
check "a value that is not a keyword too" alice STORE-ERROR \
    '(handler-case (store-put 1 :genre "jazz") (error (c) (type-of c)))'
check "alice adds :podcast to her own set" alice '(T 3)' \
    '(list (value-set-add :category :podcast) (entry-id (store-put 1 :category :podcast)))'
check "bob's set is his own" bob STORE-ERROR \
    '(handler-case (store-put 1 :category :podcast) (error (c) (type-of c)))'
check "alice removes :movie; entries keep their values" alice '(T NIL)' \
    '(list (value-set-remove :category :movie) (member :movie (value-set :category)))'
check "the sets persist" alice '(T NIL)' \
    '(list (and (member :podcast (value-set :category)) t) (member :movie (value-set :category)))'
check "changing a value in the set through setf is checked too" alice STORE-ERROR \
    '(handler-case (setf (entry-attribute 3 :category) :movie) (error (c) (type-of c)))'
check "value-set of another key is a TYPE-ERROR" alice TYPE-ERROR \
    '(handler-case (value-set :name) (error (c) (type-of c)))'
echo "1..$n"
