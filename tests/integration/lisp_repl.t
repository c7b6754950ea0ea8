#!/bin/sh
# lispos-repl's command line (issue 4): -e evaluation and printing, state
# persisting between processes, ERROR: lines and exit status, the stdin
# REPL, bad input.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-repl-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

is "(+ 1 2) prints 3" "3" "$bin" --store "$store" -e '(+ 1 2)'
is "defun returns the name" "F" "$bin" --store "$store" -e '(defun f (x) (* x 2))'
is "the function persists into the next process" "42" "$bin" --store "$store" -e '(f 21)'
is "several -e in order" "$(printf '1\n2\n(1 2)')" "$bin" --store "$store" -e 1 -e 2 -e '(list 1 2)'
is "an error prints one ERROR: line" "ERROR: UNDEFINED-FUNCTION: the function NOPE is undefined" \
   "$bin" --store "$store" -e '(nope)'
status_is "and exits 1" 1 "$bin" --store "$store" -e '(nope)'
is "forms after an error are not run" "$(printf 'ERROR: TYPE-ERROR: CAR: not a list')" \
   "$bin" --store "$store" -e '(car 5)' -e '(+ 1 1)'
is "unbalanced parentheses: a clear error" "ERROR: END-OF-FILE: unbalanced parentheses: missing ')'" \
   "$bin" --store "$store" -e '(+ 1'
deep=$(awk 'BEGIN { for (i = 0; i < 5000; i++) printf "("; for (i = 0; i < 5000; i++) printf ")" }')
is "deep nesting: a clear error, no crash" "ERROR: READER-ERROR: nesting deeper than 1000" \
   "$bin" --store "$store" -e "$deep"
is "a long integer literal reads as a bignum" "99999999999999999999999999" \
   "$bin" --store "$store" -e '99999999999999999999999999'
huge=$(awk 'BEGIN { for (i = 0; i < 100001; i++) printf "9" }')
is "a huge integer literal: a clear error, no hang" \
   "ERROR: READER-ERROR: a token of more than 100000 characters" \
   "$bin" --store "$store" -e "$huge"
is "100,000 digits still read" "332193" \
   "$bin" --store "$store" -e "(integer-length ${huge%9})"
is "1/0: a clear error" "ERROR: READER-ERROR: a ratio with a zero denominator: 1/0" \
   "$bin" --store "$store" -e '1/0'
is "a float beyond the double range: a clear error" \
   "ERROR: READER-ERROR: a float beyond the double-float range: 1.0e400" \
   "$bin" --store "$store" -e '1.0e400'
is "#x with a non-hex digit: a clear error" \
   "ERROR: READER-ERROR: #16rFG: not a rational in radix 16" \
   "$bin" --store "$store" -e '#xFG'
is "#1r: a clear error" "ERROR: READER-ERROR: #1r: the radix must be between 2 and 36" \
   "$bin" --store "$store" -e '#1r0'
is "a result too large for a bignum: a clear error" \
   "ERROR: STORAGE-CONDITION: an integer too large (more than 16777216 bits)" \
   "$bin" --store "$store" -e '(ash 1 100000000)'
is "a float overflow is an error, as SBCL traps it" \
   "ERROR: FLOATING-POINT-OVERFLOW: *: floating-point overflow" \
   "$bin" --store "$store" -e '(* 1e300 1e300)'
is "complex results are not supported" \
   "ERROR: ARITHMETIC-ERROR: SQRT: the result would be a complex number (not supported)" \
   "$bin" --store "$store" -e '(sqrt -4.0)'
is "REPL on stdin, no prompt when not a terminal" "$(printf '3\n(A . B)')" \
   sh -c "printf '(+ 1\n 2)\n(cons (quote a) (quote b))\n' | '$bin' --store '$store'"
is "let, if and recursion" "$(printf 'FACT\n120')" "$bin" --store "$store" \
   -e '(defun fact (n) (if (= n 0) 1 (* n (fact (- n 1)))))' -e '(let ((x 5)) (fact x))' 
is "a restricted function cannot be called" "ERROR: ACCESS-DENIED: FUNCALL: no call access to this function" \
   "$bin" --store "$store" -e '(let ((g (restrict (function f) 3))) ((lambda (h) (funcall h 1)) g))'
is "access bits of a fresh function" "15" "$bin" --store "$store" -e '(access-bits (function f))'
is "restrict only removes bits" "$(printf '3\n3')" "$bin" --store "$store" \
   -e '(access-bits (restrict (function f) 3))' -e '(access-bits (restrict (restrict (function f) 3) 15))'
is "funcall and apply" "$(printf '42\n10')" "$bin" --store "$store" \
   -e '(funcall (function f) 21)' -e "(apply (function +) 1 2 '(3 4))"
is "proper tail calls: a million-deep loop in constant space" "$(printf 'COUNT-DOWN\nDONE')" \
   "$bin" --store "$store" -e "(defun count-down (n) (if (= n 0) 'done (count-down (- n 1))))" \
   -e '(count-down 1000000)'
is "tail calls through let, progn and funcall of a primitive" "$(printf 'W\n(1 . 2)')" \
   "$bin" --store "$store" -e "(defun w (n) (let ((m (- n 1))) (progn (if (= m 0) (funcall (function cons) 1 2) (w m)))))" \
   -e '(w 100000)'
is "deep non-tail recursion: a clear error, no crash" \
   "$(printf 'DEEP\n100000\nERROR: STORAGE-CONDITION: control stack exhausted (more than 130560 nested calls)')" \
   "$bin" --store "$store" -e '(defun deep (n) (if (= n 0) 0 (+ 1 (deep (- n 1)))))' -e '(deep 100000)' -e '(deep 1000000)'
is "closures capture values" "$(printf 'ADDER\n7')" "$bin" --store "$store" \
   -e '(defun adder (n) (lambda (x) (+ x n)))' -e '(funcall (adder 3) 4)'
is "captured and assigned variables are shared" "$(printf 'COUNTER\n3\n2')" "$bin" --store "$store" \
   -e '(defun counter () (let ((n 0)) (lambda () (setq n (+ n 1)))))' \
   -e '(let ((c (counter))) (funcall c) (funcall c) (funcall c))' \
   -e '(let ((x 1)) (let ((f (lambda () x))) (setq x 2) (funcall f)))'
is "closures over closures" "(1 2)" "$bin" --store "$store" \
   -e '(let ((a 1) (b 2)) (funcall (lambda () (funcall (lambda () (list a b))))))'
is "a closure and its state persist across processes (1)" "$(printf '#<FUNCTION (LAMBDA)>\n1')" \
   "$bin" --store "$store" -e '(setq *tick* (counter))' -e '(funcall *tick*)'
is "a closure and its state persist across processes (2)" "2" \
   "$bin" --store "$store" -e '(funcall *tick*)'
is "&optional with defaults and supplied-p, &rest" "$(printf 'OPT\n(1 10 11 NIL)\n(1 2 3 T)\nR\n(1 (2 3))')" \
   "$bin" --store "$store" -e '(defun opt (a &optional (b 10) (c (+ a b) c-p)) (list a b c c-p))' \
   -e '(opt 1)' -e '(opt 1 2 3)' -e '(defun r (a &rest xs) (list a xs))' -e '(r 1 2 3)'
is "too many arguments for &optional: a clear error" \
   "ERROR: PROGRAM-ERROR: too many arguments or elements for the lambda list" \
   "$bin" --store "$store" -e '(opt 1 2 3 4)'
is "defmacro, &body, backquote with splicing" "$(printf 'MY-WHEN\n3\n(IF T (PROGN A B) NIL)')" \
   "$bin" --store "$store" -e '(defmacro my-when (test &body body) `(if ,test (progn ,@body) nil))' \
   -e '(my-when (= 1 1) 1 2 3)' -e "(macroexpand-1 '(my-when t a b))"
is "a macro persists into the next process" "PERSISTED" \
   "$bin" --store "$store" -e "(my-when t 'persisted)"
is "destructuring macro lambda lists" "$(printf 'SWAP2\n(2 1)')" \
   "$bin" --store "$store" -e '(defmacro swap2 ((a b)) `(list ,b ,a))' -e '(swap2 (1 2))'
is "a macro that assigns a captured variable" "$(printf 'MY-INCF\nMK\n2')" \
   "$bin" --store "$store" -e '(defmacro my-incf (v) `(setq ,v (+ ,v 1)))' \
   -e '(defun mk () (let ((n 0)) (lambda () (my-incf n))))' -e '(let ((f (mk))) (funcall f) (funcall f))'
is "backquote with a dotted tail" "(1 2 3 . 4)" "$bin" --store "$store" -e '`(1 ,@(list 2 3) . 4)'
is "system macros written in Lisp (lisp/boot)" "$(printf '2\n2\n4\n(1 2)\n1\n2\n5')" \
   "$bin" --store "$store" -e '(when t 1 2)' -e '(cond ((= 1 2) 1) ((= 1 1) 2) (t 3))' \
   -e '(or nil nil 4)' -e '(let* ((a 1) (b (+ a 1))) (list a b))' -e '(prog1 1 2 3)' \
   -e "(case 'b (a 1) ((b c) 2) (otherwise 3))" -e '(cond (nil 1) (5))'
is "or evaluates each form once" "$(printf 'HITS\n1')" "$bin" --store "$store" \
   -e '(defun hits () (setq *hits* (+ *hits* 1)))' -e '(progn (setq *hits* 0) (or (hits) 99) *hits*)'
is "an error inside a dynamic binding undoes it (1)" "$(printf '*D*\nERROR: TYPE-ERROR: CAR: not a list')" \
   "$bin" --store "$store" -e '(defparameter *d* 5)' -e '(let ((*d* 3)) (car 1))'
is "an error inside a dynamic binding undoes it (2): the store kept 5" "5" \
   "$bin" --store "$store" -e '*d*'
is "deep recursion: a STORAGE-CONDITION a handler can catch" "$(printf 'DEEP\nTOO-DEEP')" \
   "$bin" --store "$store" -e '(defun deep (n) (if (= n 0) 0 (+ 1 (deep (- n 1)))))' \
   -e "(handler-case (deep 10000000) (storage-condition () 'too-deep))"
is "deep recursion through C callbacks (SORT's predicate): caught too" "$(printf 'DEEP-SORT\nCAUGHT')" \
   "$bin" --store "$store" \
   -e '(defun deep-sort (n) (if (= n 0) 0 (progn (sort (list 1 2) (lambda (a b) (deep-sort (- n 1)) (< a b))) n)))' \
   -e "(handler-case (deep-sort 100000) (storage-condition () 'caught))"
is "and the system is usable after both" "(10 5)" \
   "$bin" --store "$store" -e '(list (deep 10) (deep-sort 5))'
is "disassemble shows the bytecode, cells by name" "3" \
   sh -c "'$bin' --store '$store' -e '(defun add1 (x) (+ x 1))' -e '(disassemble (quote add1))' | grep -c 'LOCAL 0\\|+ 1 ; #<CELL +>\\|RETURN1'"
is "a comma outside a backquote: a READER-ERROR" "ERROR: READER-ERROR: a comma not inside a backquote" \
   "$bin" --store "$store" -e ',x'
is "invalid tokens: clear errors" "ERROR: READER-ERROR: more than one object after '.'" \
   "$bin" --store "$store" -e '(a . b . c)'
status_is "--help exits 0" 0 "$bin" --help
status_is "no --store: usage error (exit 2)" 2 "$bin" -e 1
echo "1..$n"
