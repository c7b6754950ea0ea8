#!/bin/sh
# The condition system through lispos-repl (issue 5): backtraces of
# unhandled errors (on standard error, after the ERROR: line), the ABORT
# restart of each evaluation, restarts unwinding through UNWIND-PROTECT
# and their dynamic extent, warnings.  What SBCL can check is in
# tests/lisp/corpus-conditions.lisp.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-cond-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

# The standard error of the command; the last k lines of its output.
err() { "$@" 2>&1 >/dev/null; }
last() { k=$1; shift; "$@" 2>/dev/null | tail -n "$k"; }

"$bin" --store "$store" --size 256M \
    -e '(defun inner (x) (car x))' \
    -e '(defun middle (x) (list (inner x)))' \
    -e '(defun outer (x y) (list (middle (+ x y))))' \
    -e '(defun fails (n) (if (= n 0) (error "boom ~a" n) (list (fails (- n 1)))))' \
    -e '(defun deep (n) (+ 1 (deep (+ n 1))))' \
    -e '(defun many (a &optional b &rest c) (list a b c (car a)))' \
    -e '(define-condition my-error (error) ((n :initarg :n :reader my-n))
          (:report (lambda (c s) (format s "my error number ~a" (my-n c)))))' \
    >/dev/null

# ---- backtraces ----
is "an unhandled error: the ERROR: line on standard output, as before" \
   "ERROR: TYPE-ERROR: CAR: not a list" "$bin" --store "$store" -e '(outer 1 2)'
is "its backtrace on standard error: the frames, innermost first, with arguments" \
   "$(printf 'Backtrace:\n0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)')" \
   err "$bin" --store "$store" -e '(outer 1 2)'
is "the evaluation's own frame is (LAMBDA) (when the call is not a tail call)" \
   "$(printf 'Backtrace:\n0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)\n3: ((LAMBDA))')" \
   err "$bin" --store "$store" -e '(list (outer 1 2))'
is "an error signalled by Lisp: ERROR's frame, then the callers" \
   "$(printf 'Backtrace:\n0: (ERROR "boom ~a" ...)\n1: (FAILS 1)\n2: (FAILS 2)')" \
   err "$bin" --store "$store" -e '(fails 2)'
is "optional and rest arguments show as ..." \
   "0: (MANY 1 ...)" sh -c "'$bin' --store '$store' -e '(many 1 2 3)' 2>&1 >/dev/null | sed -n 2p"
out=$(err "$bin" --store "$store" -e '(deep 0)')
is "deep recursion: 30 frames" "30" sh -c "printf '%s\n' \"\$1\" | grep -c '^[0-9]*: (DEEP [0-9]*)\$'" sh "$out"
is "... and how many more" "... 130530 more frames" sh -c "printf '%s\n' \"\$1\" | tail -1" sh "$out"
start=$(date +%s%N)
"$bin" --store "$store" -e '(deep 0)' >/dev/null 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
n=$((n + 1))
if [ "$ms" -lt 3000 ]; then echo "ok $n - deep recursion's backtrace comes quickly ($ms ms)"; else
    echo "not ok $n - deep recursion's backtrace took $ms ms"; fi
is "a handled error leaves no backtrace" "" \
   err "$bin" --store "$store" -e '(ignore-errors (outer 1 2))'
is "a report function gives the error line" "ERROR: MY-ERROR: my error number 7" \
   "$bin" --store "$store" -e '(error (quote my-error) :n 7)'
is "a report function that fails does not hide the error" \
   "ERROR: BAD-REPORT: COMMON-LISP-USER::BAD-REPORT (its report failed)" last 1 "$bin" --store "$store" \
   -e '(define-condition bad-report (error) () (:report (lambda (c s) (car c))))' \
   -e '(error (quote bad-report))'
is "the REPL on stdin: each failing form has its backtrace" \
   "$(printf 'Backtrace:\n0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)\nBacktrace:\n0: (INNER 5)\n1: (MIDDLE 5)\n2: (OUTER 2 3)')" \
   sh -c "printf '(outer 1 2)\n(+ 1 2)\n(outer 2 3)\n' | '$bin' --store '$store' 2>&1 >/dev/null"
is "%backtrace: the frames as a list, innermost first" "(((BT 1) (LAMBDA)))" \
   last 1 "$bin" --store "$store" -e '(defun bt (a) (let ((b (lispos-internal::%backtrace))) (list (first b) (car (second b)))))' \
   -e '(list (bt 1))'
is "(lispos-internal::%backtrace count): the innermost count frames" "((DOWN2 0) (DOWN2 1))" \
   last 1 "$bin" --store "$store" \
   -e '(defun down2 (n) (if (= n 0) (lispos-internal::%backtrace 2) (car (list (down2 (- n 1))))))' -e '(down2 100)'

# ---- the ABORT restart of an evaluation ----
abort_line="ERROR: ABORT: the evaluation was aborted (its ABORT restart was invoked)"
is "(abort) at top level ends the evaluation with a clear message" "$abort_line" \
   "$bin" --store "$store" -e '(abort)'
status_is "and exits 1" 1 "$bin" --store "$store" -e '(abort)'
is "no backtrace for an abort" "" err "$bin" --store "$store" -e '(abort)'
is "the ABORT restart is there, with its report" \
   "$(printf 'ABORT\n"Abort the evaluation."')" "$bin" --store "$store" \
   -e '(restart-name (find-restart (quote abort)))' \
   -e '(princ-to-string (find-restart (quote abort)))'
is "a handler can abort the evaluation" "$abort_line" "$bin" --store "$store" \
   -e '(handler-bind ((error (function abort))) (outer 1 2))'
is "invoke-restart of ABORT, cleanups run on the way" \
   "$(printf 'CLEANUP-1\nCLEANUP-2\n%s' "$abort_line")" "$bin" --store "$store" \
   -e '(unwind-protect (unwind-protect (invoke-restart (quote abort)) (princ "CLEANUP-1") (terpri)) (princ "CLEANUP-2"))'
is "the REPL goes on after an abort" "$(printf '%s\n3' "$abort_line")" \
   sh -c "printf '(abort)\n(+ 1 2)\n' | '$bin' --store '$store'"
is "special bindings are undone by an abort" "$(printf 'V\n%s' "$abort_line")" \
   "$bin" --store "$store" -e '(defvar v (quote global))' \
   -e '(let ((v (quote bound))) (abort))'
is "... and seen after it" "GLOBAL" "$bin" --store "$store" -e 'v'

# ---- restarts, unwinding and extent ----
is "a restart unwinds through unwind-protect, innermost cleanup first" \
   "(RESTARTED (OUTER INNER))" "$bin" --store "$store" -e '(let ((log nil))
      (list (restart-case
              (unwind-protect (unwind-protect (invoke-restart (quote r)) (push (quote inner) log))
                (push (quote outer) log))
              (r () (quote restarted)))
            log))'
is "a restart invoked from a handler of a C error unwinds the cleanups" \
   "(RECOVERED (CLEANUP))" "$bin" --store "$store" -e '(let ((log nil))
      (list (handler-bind ((type-error (lambda (c) (invoke-restart (quote r)))))
              (restart-case (unwind-protect (outer 1 2) (push (quote cleanup) log))
                (r () (quote recovered))))
            log))'
is "a restart whose extent has ended: a CONTROL-ERROR" "EXTENT-ENDED" \
   last 1 "$bin" --store "$store" -e '(defvar *gone* (restart-case (find-restart (quote gone)) (gone () 1)))' \
   -e '(handler-case (invoke-restart *gone*) (control-error () (quote extent-ended)))'
is "... even called directly (its exit has ended)" "CONTROL-ERROR" \
   "$bin" --store "$store" \
   -e '(handler-case (funcall (lispos-internal::%restart-field *gone* 1)) (control-error (c) (type-of c)))'
is "... and not found" "NIL" "$bin" --store "$store" -e '(find-restart *gone*)'
is "a restart of a finished evaluation's ABORT is inactive" "CONTROL-ERROR" \
   last 1 "$bin" --store "$store" -e '(defvar *old-abort* (find-restart (quote abort)))' \
   -e '(handler-case (invoke-restart *old-abort*) (error (c) (type-of c)))'
is "many restarts in a loop" "50000" "$bin" --store "$store" -e '(let ((n 0))
      (dotimes (i 100000) (restart-case (if (oddp i) (invoke-restart (quote r))) (r () (incf n)))) n)'
is "restarts across a deep recursion" "(BOTTOM 20000)" last 1 "$bin" --store "$store" \
   -e '(defun down (n) (if (= n 20000) (invoke-restart (quote bottom) n) (+ 1 (down (+ n 1)))))' \
   -e '(restart-case (down 0) (bottom (n) (list (quote bottom) n)))'
is "deep recursion's STORAGE-CONDITION can be taken by a restart" "RECOVERED" \
   "$bin" --store "$store" -e '(handler-bind ((storage-condition (lambda (c) (invoke-restart (quote r)))))
      (restart-case (deep 0) (r () (quote recovered))))'

# ---- warnings ----
is "an unhandled warning is printed on *error-output* (the output)" \
   "$(printf 'WARNING: careful 1\nNIL')" "$bin" --store "$store" -e '(warn "careful ~a" 1)'
is "after a fresh line" "$(printf 'abc\nWARNING: w\nDONE')" "$bin" --store "$store" \
   -e '(progn (princ "abc") (warn "w") (quote done))'
is "a muffled warning is not printed" "DONE" "$bin" --store "$store" \
   -e '(handler-bind ((warning (function muffle-warning))) (warn "hidden") (quote done))'
is "a handler that declines lets it print" "$(printf 'WARNING: shown\nDONE')" "$bin" --store "$store" \
   -e '(handler-bind ((warning (lambda (c) c))) (warn "shown") (quote done))'
is "a warning condition of a user type, with its report" "$(printf 'WARNING: my error number 3\nNIL')" \
   last 2 "$bin" --store "$store" -e '(define-condition my-warning (warning) ((n :initarg :n :reader my-n)) (:report (lambda (c s) (format s "my error number ~a" (my-n c)))))' \
   -e '(warn (quote my-warning) :n 3)'
is "muffle-warning without a warning: a CONTROL-ERROR" "CONTROL-ERROR" \
   "$bin" --store "$store" -e '(handler-case (muffle-warning) (error (c) (type-of c)))'

# ---- the debugger ----
is "invoke-debugger ends the evaluation with the condition" "ERROR: MY-ERROR: my error number 1" \
   "$bin" --store "$store" -e '(invoke-debugger (make-condition (quote my-error) :n 1))'
is "*debugger-hook* is called first" "$(printf 'HOOK MY-ERROR\nERROR: MY-ERROR: my error number 2')" \
   "$bin" --store "$store" -e '(let ((*debugger-hook* (lambda (c h) (format t "HOOK ~a~%" (type-of c)))))
      (error (quote my-error) :n 2))'
is "*break-on-signals* sends a signal to the debugger" "ERROR: SIMPLE-CONDITION: look" \
   "$bin" --store "$store" -e '(let ((*break-on-signals* (quote simple-condition))) (signal "look") (quote not-here))'
echo "1..$n"
