#!/bin/sh
# The object store through lispos-repl (issue 19, docs/store.md): entries
# put and read back, attributes in stored order with repeated keys,
# queries over a scan, directories, ACLs between two users and the
# administrator, clear errors for malformed filters and foreign ids, and
# everything still there after a restart.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
"$repl" --store "$store" --size 64M -e t > /dev/null 2>&1

. "$(dirname "$0")/repl_checks.sh"

# ---- entries ----
check "the administrator puts an entry: its id is 1" - 1 \
    '(entry-id (store-put "hello" :name "greeting" :category :note))'
check "ids ascend" - '(2 3)' \
    '(list (entry-id (store-put 42 :name "answer")) (entry-id (store-put (list 1 2) :name "pair")))'
check "attributes in stored order, a key repeated" - \
    '(:NAME "album" :COMPOSER "Bach" :COMPOSER "Handel" :DURATION 3600)' \
    '(entry-attributes (store-put :cd :name "album" :composer "Bach" :composer "Handel" :duration 3600))'
check "entry-attribute: the first value" - '("Bach" T)' \
    '(multiple-value-list (entry-attribute 4 :composer))'
check "entry-attribute-values: all of them" - '("Bach" "Handel")' \
    '(entry-attribute-values 4 :composer)'
check "an absent key" - '(NIL NIL)' \
    '(multiple-value-list (entry-attribute 4 :genre))'
check "entry-object, by id or by entry" - '("hello" "hello")' \
    '(list (entry-object 1) (entry-object (store-get 1)))'
check "store-get of an id never used: NIL" - NIL '(store-get 99)'
check "entry-owner of the administrator's" - ':ADMINISTRATOR' '(entry-owner 1)'
check "an entry prints with its id" - '"#<ENTRY 1>"' \
    '(prin1-to-string (store-get 1))'

# ---- queries ----
check "= on a keyword" - '(1)' \
    "(mapcar #'entry-id (directory-entries (store-query '(= :category :note))))"
check "t: every entry, by id" - '(1 2 3 4)' \
    "(mapcar #'entry-id (directory-entries (store-query t)))"
check "any of the values matches" - '(4)' \
    "(mapcar #'entry-id (directory-entries (store-query '(= :composer \"Handel\"))))"
check "a range on reals" - '(4)' \
    "(mapcar #'entry-id (directory-entries (store-query '(> :duration 60))))"
check "contains is case-insensitive" - '(1)' \
    "(mapcar #'entry-id (directory-entries (store-query '(contains :name \"GREET\"))))"
check "not: the entries without the value" - '(2 3 4)' \
    "(mapcar #'entry-id (directory-entries (store-query '(not (= :category :note)))))"
check "and, or, has" - '(1 4)' \
    "(mapcar #'entry-id (directory-entries (store-query '(or (has :composer) (and (has :category) (= :name \"greeting\"))))))"
check "order-by a key, descending; limit and offset" - '(1 2)' \
    "(mapcar #'entry-id (directory-entries (store-query t :order-by '(:name :descending) :offset 1 :limit 2)))"
check "content-contains" - '(1)' \
    "(mapcar #'entry-id (directory-entries (store-query '(content-contains \"ell\"))))"
check "satisfies calls a predicate with the entry" - '(2)' \
    "(mapcar #'entry-id (directory-entries (store-query (list 'satisfies (lambda (e) (eql (entry-object e) 42))))))"
check "store-count" - 4 '(store-count t)'
check "a directory counts its entries" - 2 \
    "(directory-count (store-query '(has :name) :limit 2))"

# ---- errors ----
check "an unknown operator: STORE-QUERY-ERROR naming it" - \
    '("unknown filter operator FROB (docs/store.md lists them)" FROB)' \
    "(handler-case (store-query '(frob :x)) (store-query-error (c) (list (princ-to-string c) (store-query-error-culprit c))))"
check "a range on a symbol is refused" - STORE-QUERY-ERROR \
    "(handler-case (store-query '(< :x foo)) (error (c) (type-of c)))"
check "an odd attribute list is refused" - STORE-ERROR \
    "(handler-case (store-put 1 :name) (error (c) (type-of c)))"
check "a filter nested too deep is refused" - STORE-QUERY-ERROR \
    "(handler-case (store-query (let ((f t)) (dotimes (i 200 f) (setq f (list 'not f))))) (error (c) (type-of c)))"
check "a filter of more than 10,000 terms is refused" - STORE-QUERY-ERROR \
    "(handler-case (store-count (cons 'or (make-list 10001 :initial-element t))) (error (c) (type-of c)))"
check "10,000 terms are fine" - 4 \
    "(store-count (cons 'or (make-list 9999 :initial-element t)))"
check "a key that is not a keyword is refused, naming it" - '(STORE-QUERY-ERROR "name")' \
    "(handler-case (store-query '(= \"name\" 1)) (store-query-error (c) (list (type-of c) (store-query-error-culprit c))))"
check "the wrong number of operands" - STORE-QUERY-ERROR \
    "(handler-case (store-query '(between :x 1)) (error (c) (type-of c)))"
check "a dotted filter" - STORE-QUERY-ERROR \
    "(handler-case (store-query '(and t . t)) (error (c) (type-of c)))"
check "a bad :limit" - STORE-QUERY-ERROR \
    "(handler-case (store-query t :limit -1) (error (c) (type-of c)))"
check "store-get of a non-id is NIL, entry-object of one a TYPE-ERROR" - '(NIL TYPE-ERROR)' \
    '(list (store-get "x") (handler-case (entry-object "x") (error (c) (type-of c))))'
check "a value outside the value set changes nothing" - STORE-ERROR \
    '(handler-case (store-put 1 :category :nonsense) (error (c) (type-of c)))'
check "nothing was added by the errors" - 4 '(store-count t)'

# ---- ACLs ----
check "alice puts one shared with bob (read) and one private" alice '(5 6)' \
    '(list (entry-id (store-put (vector 1 2) :name "shared" :acl (list (list "bob" 1)))) (entry-id (store-put "mine" :name "private")))'
check "alice sees her two" alice '(5 6)' \
    "(mapcar #'entry-id (directory-entries (store-query t)))"
check "bob sees only what alice shared" bob '(5)' \
    "(mapcar #'entry-id (directory-entries (store-query t)))"
check "bob's count agrees" bob 1 '(store-count t)'
check "bob gets the object with the read bit only" bob 1 \
    '(access-bits (entry-object 5))'
check "bob cannot change it through the store's object" bob ACCESS-DENIED \
    '(handler-case (setf (aref (entry-object 5) 0) 9) (error (c) (type-of c)))'
check "alice's private entry does not exist for bob" bob '(NIL "no entry 6")' \
    '(list (store-get 6) (handler-case (entry-object 6) (store-error (c) (princ-to-string c))))'
check "the administrator sees everything" - 6 '(store-count t)'
check "the owner is alice" bob '"alice"' '(entry-owner 5)'

# ---- persistence ----
check "after a restart, every entry is there" - \
    '(6 (:NAME "album" :COMPOSER "Bach" :COMPOSER "Handel" :DURATION 3600))' \
    '(list (store-count t) (entry-attributes 4))'

echo "1..$n"
