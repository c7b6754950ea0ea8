#!/bin/sh
# Packages persist between lispos-repl processes: a package defined (and
# left as *PACKAGE*) in one process is there in the next, which starts in
# COMMON-LISP-USER; its symbols, keywords and functions are the same
# objects; uninterned and deleted things stay so.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-packages-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"
repl() { "$bin" --store "$store" --size 256M "$@"; }

is "defpackage in the first process" "$(printf '#<PACKAGE "GEO">\n#<PACKAGE "GEO">\nAREA\n(:SQUARE 9)')" \
   repl -e '(defpackage :geo (:use :cl) (:nicknames :g) (:export #:area #:*unit*))' \
        -e '(in-package :geo)' \
        -e '(defun area (side) (list :square (* side side)))' \
        -e '(area 3)'
is "the next process starts in COMMON-LISP-USER" '#<PACKAGE "COMMON-LISP-USER">' \
   repl -e '*package*'
is "pkg:sym calls the function defined there" '(:SQUARE 16)' repl -e '(geo:area 4)'
is "the nickname too" '(:SQUARE 25)' repl -e '(g:area 5)'
is "an internal symbol needs ::" "ERROR: READER-ERROR: the symbol SIDE is not external in the GEO package" \
   repl -e "'geo:side"
is "but is there" 'GEO::SIDE' repl -e "'geo::side"
is "keep a symbol, a keyword and an uninterned symbol" "$(printf '*KEPT*\n*G*')" \
   repl -e "(defvar *kept* (list 'geo:area :square 'geo::fresh))" -e "(defvar *g* (make-symbol \"LONELY\"))"
is "the same objects in the next process" "(T T T)" \
   repl -e "(list (eq (first *kept*) 'geo:area) (eq (second *kept*) :square) (eq (third *kept*) (find-symbol \"FRESH\" :geo)))"
is "an uninterned symbol stays uninterned" "(#:LONELY NIL)" repl -e '(list *g* (symbol-package *g*))'
is "use-package persists" "$(printf 'T\n(:SQUARE 36)')" repl -e '(use-package :geo)' -e '(area 6)'
is "and is seen by the next process" "(:SQUARE 49)" repl -e '(area 7)'
is "export after the fact" "$(printf 'GEO::PERIMETER\nT')" \
   repl -e "(intern \"PERIMETER\" :geo)" -e "(export 'geo::perimeter :geo)"
is "persists as external (and is inherited)" "(PERIMETER T)" repl -e "(list (read-from-string \"geo:perimeter\") (eq (read-from-string \"geo:perimeter\") 'perimeter))"
is "many packages and a collection" "$(printf 'MAKE-MANY\nT\n(T 50)')" \
   repl -e '(defun make-many (i) (if (= i 0) t (progn (make-package (make-string i :initial-element #\Q)) (intern "XYZZY" (make-string i :initial-element #\Q)) (make-many (- i 1)))))' \
        -e '(make-many 50)' -e '(list (not (null (gc))) (length (find-all-symbols "XYZZY")))'
is "found by name after the collection, in the next process" '(QQQ::XYZZY QQQ::XYZZY T)' \
   repl -e "(list (find-symbol \"XYZZY\" \"QQQ\") 'qqq::xyzzy (eq (find-symbol \"XYZZY\" \"QQQ\") 'qqq::xyzzy))"
is "delete-package persists" "$(printf 'T\nNIL')" repl -e '(delete-package "QQ")' -e '(find-package "QQ")'
is "still deleted in the next process" "(NIL 49)" \
   repl -e '(list (find-package "QQ") (length (find-all-symbols "XYZZY")))'
echo "1..$n"
