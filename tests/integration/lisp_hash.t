#!/bin/sh
# Hash tables through lispos-repl: a table filled by one process is found,
# with all its keys, by the next ones (symbols and conses under EQ, strings
# under EQUAL, folded strings under EQUALP), also after a collection in a
# later process; printing; and the hash corpus printing the same lines
# under GC stress as without it.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
here=$(dirname "$0")/../lisp
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-hash-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"
repl() { "$bin" --store "$store" --size 256M "$@"; }

is "fill tables in a first process" "$(printf '*SYMS*\n*STRS*\n*FOLD*\n*KEYS*\n*CONS*\nFILL-TABLE\n5\n5\n2\n200')" repl \
   -e "(defvar *syms* (make-hash-table ':test 'eq))" \
   -e "(defvar *strs* (make-hash-table ':test 'equal))" \
   -e "(defvar *fold* (make-hash-table ':test 'equalp))" \
   -e "(defvar *keys* (mapcar (lambda (x) (list x)) '(1 2 3 4 5 6 7 8 9 10)))" \
   -e "(defvar *cons* (make-hash-table ':test 'eq))" \
   -e "(defun fill-table (h keys vals) (if (null keys) (hash-table-count h) (progn (lispos-internal::%puthash (car keys) h (car vals)) (fill-table h (cdr keys) (cdr vals)))))" \
   -e "(fill-table *syms* '(apple pear plum fig lime) '(1 2 3 4 5))" \
   -e "(fill-table *strs* '(\"apple\" \"pear\" \"plum\" \"fig\" \"lime\") '(1 2 3 4 5))" \
   -e "(fill-table *fold* '(\"Apple\" (\"Pear\" #\\x)) '(1 2))" \
   -e "(progn (mapcar (lambda (k) (lispos-internal::%puthash k *cons* (* 20 (car k)))) *keys*) (lispos-internal::%puthash (car *keys*) *cons* 200))"

check='(list (gethash (quote plum) *syms*) (gethash "lime" *strs*) (gethash "APPLE" *fold*) (gethash (list "pear" #\X) *fold*) (hash-table-count *syms*))'
conses='(let ((n 0)) (mapcar (lambda (k) (if (gethash k *cons*) (setq n (+ n 1)) nil)) *keys*) n)'
is "a second process finds symbol, string and folded keys" "(3 5 1 2 5)" repl -e "$check"
is "and cons keys under EQ" "10" repl -e "$conses"
is "a collection in a third process, then the same lookups" "$(printf 'T\n(3 5 1 2 5)\n10')" repl \
   -e '(progn (gc) t)' -e "$check" -e "$conses"
is "fresh lists are not EQ to the keys" "NIL" repl -e '(gethash (list 1) *cons*)'
is "a fourth process, after that collection" "$(printf '(3 5 1 2 5)\n10')" repl -e "$check" -e "$conses"
is "removal persists" "$(printf 'T\n4')" repl -e "(remhash 'fig *syms*)" -e '(hash-table-count *syms*)'
is "and is seen by the next process" "$(printf 'GONE\n4')" repl -e "(gethash 'fig *syms* 'gone)" -e '(hash-table-count *syms*)'
is "a table prints like SBCL's, without the address" \
   "$(printf '#<HASH-TABLE :TEST EQL :COUNT 0>\n#<HASH-TABLE :TEST EQUAL :COUNT 5>')" \
   repl -e '(make-hash-table)' -e '*strs*'
is "%HASH-TABLE-PAIRS lists (key . value)" '(("x" . 1))' \
   repl -e '(let ((h (make-hash-table (quote :test) (quote equal)))) (lispos-internal::%puthash "x" h 1) (lispos-internal::%hash-table-pairs h))'

"$bin" --store "$dir/plain" --size 256M < "$here/corpus-hash.lisp" > "$dir/plain.out" 2>&1
LISPOS_GC_STRESS=1 "$bin" --store "$dir/stress" --size 256M < "$here/corpus-hash.lisp" > "$dir/stress.out" 2>&1
n=$((n + 1))
if cmp -s "$dir/plain.out" "$dir/stress.out" && [ -s "$dir/plain.out" ]; then
    echo "ok $n - corpus-hash.lisp prints the same under GC stress"
else
    echo "not ok $n - corpus-hash.lisp prints the same under GC stress"
    diff "$dir/plain.out" "$dir/stress.out" | sed 's/^/#   /' | head -20
fi
echo "1..$n"
