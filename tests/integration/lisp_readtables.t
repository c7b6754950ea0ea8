#!/bin/sh
# Readtables and dispatch macro characters (lisp/boot/56-readtables.lisp,
# lisp/reader.c): the standard readtable every user reads with, a user's
# own copy with a #! of theirs (kept as their per-user default, seen by
# no one else), the numeric argument, reading from the stream the reader
# reads (a string, a stream, the REPL's text), the sub-characters built
# in, and errors that leave the reader sound.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-readtables-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
"$repl" --store "$store" --size 64M -e t > /dev/null 2>&1

run() {  # run USER FORM: the last line lispos-repl prints
    if [ "$1" = - ]; then
        "$repl" --store "$store" -e "$2" 2>&1 | tail -1
    else
        "$repl" --store "$store" --user "$1" -e "$2" 2>&1 | tail -1
    fi
}
check() {   # check NAME USER EXPECTED FORM
    value_is "$1" "" "$3" "$(run "$2" "$4")"
}

check "*readtable* is the standard readtable" alice \
    '(#<READTABLE standard> T :UPCASE)' \
    '(list *readtable* (readtablep *readtable*) (readtable-case *readtable*))'
check "the standard readtable reads #@ (the store's dates)" alice \
    'LISPOS-INTERNAL::%READ-AT-SIGN' \
    '(get-dispatch-macro-character #\# #\@)'
check "a user cannot change the standard readtable" alice \
    '"The standard readtable is the system'"'"'s: set *READTABLE* to a copy of it first, (setf *readtable* (copy-readtable))"' \
    '(handler-case (set-dispatch-macro-character #\# #\! (function list)) (error (c) (princ-to-string c)))'
check "nor its slot directly" alice ACCESS-DENIED \
    '(handler-case (setf (lispos-internal::readtable-dispatch *readtable*) nil) (error (c) (type-of c)))'
check "alice makes her own readtable with #!" alice T \
    '(progn (setf *readtable* (copy-readtable)) (set-dispatch-macro-character #\# #\! (lambda (stream char arg) (list :bang char arg (read stream t nil t)))))'
check "it is hers from then on (a per-user default)" alice \
    '(#<READTABLE> (:BANG #\! NIL FOO) (:BANG #\! 12 (A B)))' \
    '(list *readtable* (quote #!foo) (quote #12!(a b)))'
check "sub-characters ignore case" alice '(:BANG #\! NIL X)' \
    '(read-from-string "#!x")'
check "read-from-string: the object and where reading stopped" alice \
    '((1 (:BANG #\! NIL X) 2) 10)' \
    '(multiple-value-list (read-from-string "(1 #!x 2) rest"))'
check "read from a stream: the stream moves past it" alice \
    '((:BANG #\! NIL A) B)' \
    '(with-input-from-string (s "#!a b") (list (read s) (read s)))'
check "a function reading characters itself" alice '("rest of line" 42)' \
    '(progn (set-dispatch-macro-character #\# #\~ (lambda (s c a) (declare (ignore c a)) (read-line s))) (list (read-from-string "#~rest of line") (+ 40 2)))'
check "#@ still reads in her copy" alice '#@"2013-05"' '#@"2013-05"'
check "bob does not see alice's #!" bob \
    'ERROR: READER-ERROR: unsupported # syntax: #!' '(quote #!foo)'
check "nor does the administrator" - \
    'ERROR: READER-ERROR: unsupported # syntax: #!' '(quote #!foo)'
check "the built-in sub-characters are not a readtable's" alice \
    '"#( is built into the reader: no readtable changes it"' \
    '(handler-case (set-dispatch-macro-character #\# #\( (function list)) (error (c) (princ-to-string c)))'
check "only # dispatches" alice SIMPLE-ERROR \
    '(handler-case (set-dispatch-macro-character #\$ #\! (function list)) (error (c) (type-of c)))'
check "an error in a dispatch function reaches the reader's caller" alice \
    '((:CAUGHT "boom") (:BANG #\! NIL OK))' \
    '(progn (set-dispatch-macro-character #\# #\% (lambda (s c a) (declare (ignore s c a)) (error "boom"))) (list (handler-case (read-from-string "#%") (error (c) (list :caught (princ-to-string c)))) (read-from-string "#!ok")))'
check "removing one: NIL" alice '"unsupported # syntax: #!"' \
    '(progn (set-dispatch-macro-character #\# #\! nil) (handler-case (read-from-string "#!x") (reader-error (c) (princ-to-string c))))'
# (the error reaches the top: handlers need the levels that are used up)
value_is "deep nesting of dispatch functions is a clean error" "" \
    'ERROR: STORAGE-CONDITION: control stack exhausted (Lisp called from C more than 1000 deep)' \
    "$("$repl" --store "$store" --user alice -e "(read-from-string (with-output-to-string (o) (dotimes (i 3000) (write-string \"#@\" o)) (write-string \"\\\"2013\\\"\" o)))" 2>&1 | head -1)"
check "and the next read is sound" alice '#@"2013"' '(read-from-string "#@\"2013\"")'
check "copy-readtable NIL: a fresh copy of the standard one" alice \
    '(NIL LISPOS-INTERNAL::%READ-AT-SIGN)' \
    '(let ((r (copy-readtable nil))) (list (get-dispatch-macro-character #\# #\! r) (get-dispatch-macro-character #\# #\@ r)))'

echo "1..$n"
