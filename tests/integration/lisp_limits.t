#!/bin/sh
# Evaluation limits (issue 5) through lispos-repl's --max-steps,
# --max-bytes and --max-time: runaway code -- infinite tail recursion, an
# infinite LOOP, an allocation loop, one primitive allocating a lot, a
# busy loop -- is stopped with RESOURCE-EXHAUSTED naming the limit, in
# bounded time; the unwind-protect cleanups on the way ran; IGNORE-ERRORS
# and HANDLER-CASE on ERROR do not swallow it; a handler or a cleanup that
# will not end is cut off; the system stays usable after.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
# every run bounded, so that limits that fail to stop code fail the test
# instead of hanging it
lispos() { timeout 60 "$bin" "$@"; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-limits-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

steps="the evaluation took more than 100000 VM steps"
cut="(what was left was cut off after its grace)"

# within NAME MAX_MS COMMAND...: the command ends within MAX_MS ms.
within() {
    name=$1; max=$2; shift 2
    n=$((n + 1))
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$ms" -le "$max" ]; then echo "ok $n - $name (${ms} ms)"; else
        echo "not ok $n - $name (${ms} ms, more than ${max})"; fi
}

# ---- the command line ----
is "--help names the limits" "3" \
   sh -c "'$bin' --help | grep -o -e --max-steps -e --max-bytes -e --max-time | sort -u | wc -l"
status_is "a bad --max-steps exits 2" 2 lispos --store "$store" --max-steps x -e 1
status_is "a bad --max-bytes exits 2" 2 lispos --store "$store" --max-bytes 1Q -e 1
status_is "a bad --max-time exits 2" 2 lispos --store "$store" --max-time -1 -e 1
is "no limits: as before" "3" lispos --store "$store" -e '(+ 1 2)'
is "within its limits an evaluation returns its value" "500500" \
   lispos --store "$store" --max-steps 100000 --max-bytes 1M --max-time 10 \
   -e '(let ((s 0)) (dotimes (i 1001) (incf s i)) s)'

# ---- each runaway stopped, naming the limit ----
is "infinite tail recursion: stopped by --max-steps" \
   "$(printf 'SPIN\nERROR: RESOURCE-EXHAUSTED: %s' "$steps")" \
   lispos --store "$store" --max-steps 100000 \
   -e '(defun spin (n) (spin (+ n 1)))' -e '(spin 0)'
status_is "and lispos-repl exits 1" 1 lispos --store "$store" --max-steps 100000 -e '(spin 0)'
is "an infinite LOOP: stopped by --max-steps" "ERROR: RESOURCE-EXHAUSTED: $steps" \
   lispos --store "$store" --max-steps 100000 -e '(loop)'
is "an allocation loop: stopped by --max-bytes" \
   "ERROR: RESOURCE-EXHAUSTED: the evaluation allocated more than 10485760 bytes" \
   lispos --store "$store" --max-bytes 10M -e '(let ((l nil)) (loop (push (make-list 100) l)))'
is "one primitive allocating much: stopped inside it" \
   "ERROR: RESOURCE-EXHAUSTED: the evaluation allocated more than 1048576 bytes" \
   lispos --store "$store" --max-bytes 1M -e '(length (make-list 10000000))'
is "a large vector: refused before its pages are taken" \
   "ERROR: RESOURCE-EXHAUSTED: the evaluation allocated more than 1048576 bytes" \
   lispos --store "$store" --max-bytes 1M -e "(make-array 100000000 :element-type '(unsigned-byte 8))"
is "a busy loop: stopped by --max-time" \
   "ERROR: RESOURCE-EXHAUSTED: the evaluation ran longer than 0.300 seconds" \
   lispos --store "$store" --max-time 0.3 -e '(let ((x 0)) (loop (incf x)))'
within "... within bounded time" 5000 \
   lispos --store "$store" --max-time 0.3 -e '(let ((x 0)) (loop (incf x)))'
is "other errors are reported as before" \
   "$(printf 'DEEP\nERROR: STORAGE-CONDITION: control stack exhausted (more than 130560 nested calls)')" \
   lispos --store "$store" --max-time 5 -e '(defun deep (n) (+ 1 (deep n)))' -e '(deep 0)'

# ---- what a step is: (cd 1000) takes 1002 (the evaluation's call, the
# ---- call of CD, 1000 tail calls; = and - are done in line) ----
lispos --store "$store" -e "(defun cd (n) (if (= n 0) 'done (cd (- n 1))))" >/dev/null
is "1002 steps are enough for (cd 1000)" "DONE" lispos --store "$store" --max-steps 1002 -e '(cd 1000)'
is "1001 are not" "ERROR: RESOURCE-EXHAUSTED: the evaluation took more than 1001 VM steps" \
   lispos --store "$store" --max-steps 1001 -e '(cd 1000)'

# ---- one REPL session: each form is an evaluation of its own ----
repl() {   # the forms on stdin, one per line, under --max-steps 100000
    printf '%s\n' "$@" | lispos --store "$store" --max-steps 100000
}
is "the limit counts per evaluation" "$(printf '60000\n60000\n60000')" \
   repl '(let ((n 0)) (loop (if (= n 60000) (return n)) (setq n (+ n 1))))' \
        '(let ((n 0)) (loop (if (= n 60000) (return n)) (setq n (+ n 1))))' \
        '(let ((n 0)) (loop (if (= n 60000) (return n)) (setq n (+ n 1))))'
is "unwind-protect cleanups run on the way out" \
   "$(printf '*CLEANED*\nERROR: RESOURCE-EXHAUSTED: %s\nT' "$steps")" \
   repl '(defvar *cleaned* nil)' '(unwind-protect (loop) (setq *cleaned* t))' '*cleaned*'
is "nested cleanups, innermost first" \
   "$(printf '*LOG*\nERROR: RESOURCE-EXHAUSTED: %s\n(2 1)' "$steps")" \
   repl '(defvar *log* nil)' \
        '(unwind-protect (unwind-protect (loop) (push 1 *log*)) (push 2 *log*))' '*log*'
is "dynamic bindings are undone" \
   "$(printf '*V*\nERROR: RESOURCE-EXHAUSTED: %s\n1' "$steps")" \
   repl '(defvar *v* 1)' '(let ((*v* 2)) (loop))' '*v*'
is "IGNORE-ERRORS does not swallow it" "ERROR: RESOURCE-EXHAUSTED: $steps" \
   repl '(ignore-errors (loop))'
is "nor HANDLER-CASE on ERROR" "ERROR: RESOURCE-EXHAUSTED: $steps" \
   repl '(handler-case (loop) (error () :caught))'
is "a handler for it runs; the evaluation still fails" \
   "$(printf '*SEEN*\nERROR: RESOURCE-EXHAUSTED: %s\n(:STEPS 100000 NIL T "%s")' "$steps" "$steps")" \
   repl '(defvar *seen* nil)' \
        "(handler-case (loop) (resource-exhausted (c) (setq *seen* (list (resource-exhausted-limit c) (resource-exhausted-value c) (typep c 'error) (typep c 'serious-condition) (princ-to-string c))) :caught))" \
        '*seen*'
is "a handler that swallows it and goes on looping is cut off" \
   "ERROR: RESOURCE-EXHAUSTED: $steps $cut" \
   repl '(loop (handler-case (loop) (serious-condition () nil)))'
is "a HANDLER-BIND handler that never returns is cut off" \
   "ERROR: RESOURCE-EXHAUSTED: $steps $cut" \
   repl '(handler-bind ((resource-exhausted (lambda (c) (loop)))) (loop))'
is "a cleanup looping for ever is cut off; the cleanups outside it are skipped" \
   "$(printf '*OUTER*\nERROR: RESOURCE-EXHAUSTED: %s %s\nNIL' "$steps" "$cut")" \
   repl '(defvar *outer* nil)' '(unwind-protect (unwind-protect (loop) (loop)) (setq *outer* t))' '*outer*'
is "... and the bindings it made are undone" \
   "$(printf 'ERROR: RESOURCE-EXHAUSTED: %s %s\n1' "$steps" "$cut")" \
   repl '(let ((*v* 2)) (unwind-protect (loop) (let ((*v* 3)) (loop))))' '*v*'
within "a cleanup looping for ever under --max-time: cut off in bounded time" 5000 \
   lispos --store "$store" --max-time 0.2 -e '(unwind-protect (loop) (loop))'
is "the system stays usable after" "$(printf 'ERROR: RESOURCE-EXHAUSTED: %s %s\n3\n(1 2 3)' "$steps" "$cut")" \
   repl '(unwind-protect (loop) (loop))' '(+ 1 2)' "(sort (list 3 1 2) #'<)"

is "in the compiler: a macro's runaway stopped, a cut-off there leaves collections possible" \
   "$(printf 'M2\nERROR: RESOURCE-EXHAUSTED: %s\nM3\nERROR: RESOURCE-EXHAUSTED: %s %s\nT' "$steps" "$steps" "$cut")" \
   repl '(defmacro m2 () (loop))' '(m2)' '(defmacro m3 () (unwind-protect (loop) (loop)))' '(m3)' '(integerp (gc))'

# ---- loops in C: circular lists ----
is "LENGTH of a circular list: an error, no loop" \
   "ERROR: TYPE-ERROR: LENGTH: the value (1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1... is not of type LIST" \
   lispos --store "$store" -e '(let ((l (list 1 2 3))) (setf (cdr (last l)) l) (length l))'
is "FIND on one too" "ERROR: TYPE-ERROR: FIND: the value (1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1... is not of type LIST" \
   lispos --store "$store" -e '(let ((l (list 1 2 3))) (setf (cdr (last l)) l) (find 9 l))'
is "EQUAL of two circular lists: stopped by --max-steps" \
   "ERROR: RESOURCE-EXHAUSTED: the evaluation took more than 1000 VM steps" \
   lispos --store "$store" --max-steps 1000 \
   -e '(flet ((c () (let ((l (list 1 2))) (setf (cdr (last l)) l)))) (equal (c) (c)))'
is "... and by --max-time" \
   "ERROR: RESOURCE-EXHAUSTED: the evaluation ran longer than 0.200 seconds" \
   lispos --store "$store" --max-time 0.2 \
   -e '(flet ((c () (let ((l (list 1 2))) (setf (cdr (last l)) l)))) (equalp (c) (c)))'

# ---- printing the value runs no Lisp, so no limit sees it: it must end
# ---- by itself (lispos-repl's 64 KiB buffer, then the printer stops) ----
is "a circular list as the value: printing ends when the buffer is full" "65536" \
   sh -c "timeout 60 '$bin' --store '$store' -e '(let ((l (list 1))) (setf (cdr l) l) l)' | wc -c"
is "and a tree of 2^100 leaves" "65536" \
   sh -c "timeout 60 '$bin' --store '$store' -e '(let ((x nil)) (dotimes (i 100) (setq x (cons x x))) x)' | wc -c"

echo "1..$n"
