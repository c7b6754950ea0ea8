#!/bin/sh
# Standard output through lispos-repl: what an evaluation writes comes
# first, then (on a line of its own) the value -- as a Lisp REPL shows
# them; errors after output, UTF-8, large and runaway output, FORMAT's and
# ERROR's messages.  The SBCL corpus (corpus-output.lisp) checks the rest.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-output-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"
repl() { "$bin" --store "$store" "$@"; }

is "princ: the output, then the value on its own line" "$(printf 'hi\n"hi"')" \
   repl -e '(princ "hi")'
is "output ending a line gets no extra newline" "$(printf 'x\n"x"')" \
   repl -e '(write-line "x")'
is "print: newline, object, space" "$(printf '\n42 \n42')" repl -e '(print 42)'
is "each -e shows its own output before its value" "$(printf 'a\n1\nb\n2')" \
   repl -e '(progn (princ "a") 1)' -e '(progn (princ "b") 2)'
is "format t writes to standard output and returns nil" "$(printf 'x=1\nNIL')" \
   repl -e '(format t "x=~a~%" 1)'
is "format nil writes nothing" '"x=1"' repl -e '(format nil "x=~a" 1)'
is "with-output-to-string captures standard output" '"inside"' \
   repl -e '(with-output-to-string (*standard-output*) (princ "inside"))'
is "output before an error is shown, then the error" \
   "$(printf 'partial\nERROR: TYPE-ERROR: CAR: not a list')" \
   repl -e '(progn (princ "partial") (car 1))'
is "the REPL on stdin shows output the same way" "$(printf 'one\n1\ntwo\n2')" \
   sh -c "printf '(progn (princ \"one\") 1)\n(progn (princ \"two\") 2)\n' | '$bin' --store '$store'"
is "UTF-8 output" "$(printf 'αβ€𝄞\n"αβ€𝄞"')" repl -e '(princ "αβ€𝄞")'
is "fresh-line at the start of an evaluation writes nothing" "NIL" repl -e '(fresh-line)'
is "standard output still works after a warm start" "$(printf 'again\n"again"')" \
   repl -e '(princ "again")'
n=$((n + 1))
bytes=$(repl -e "(princ (make-string 300000 ':initial-element #\\x))" | head -c 300000 | tr -d '\n' | wc -c)
if [ "$bytes" -eq 300000 ]; then echo "ok $n - 300,000 characters of output arrive whole"
else echo "not ok $n - 300,000 characters of output arrive whole (got $bytes)"; fi
is "runaway output: a clear error, no crash" \
   "ERROR: STORAGE-CONDITION: more than 67108864 bytes of standard output in one evaluation" \
   sh -c "'$bin' --store '$store' -e \"(defun spam (s n) (if (= n 0) nil (progn (write-string s) (spam s (- n 1)))))\" -e \"(spam (make-string 1000000 ':initial-element #\\\\y) 70)\" | grep '^ERROR'"
is "error formats its message (SIMPLE-ERROR)" "ERROR: SIMPLE-ERROR: bad thing: 42 (THE LIST)" \
   repl -e "(error \"bad thing: ~a ~s\" 42 '(the list))"
is "error with a condition type and :format-control" "ERROR: PROGRAM-ERROR: code 7" \
   repl -e "(error 'program-error ':format-control \"code ~d\" ':format-arguments (list 7))"
is "a bad directive: a FORMAT-ERROR naming where" \
   "ERROR: FORMAT-ERROR: unknown or unimplemented directive (at index 2 of the control string)" \
   repl -e '(format nil "ab~q")'
is "an iteration that would never end is an error (SBCL loops forever)" \
   "ERROR: FORMAT-ERROR: ~{ would repeat forever: its body uses no arguments (at index 0 of the control string)" \
   repl -e '(format nil "~{x~}" (list 1))'
is "missing arguments are an error" \
   "ERROR: FORMAT-ERROR: no more arguments (at index 3 of the control string)" \
   repl -e '(format nil "~a ~a" 1)'
deep=$(awk 'BEGIN { for (i = 0; i < 200; i++) printf "~("; for (i = 0; i < 200; i++) printf "~)" }')
is "deeply nested directives: an error, no crash" \
   "ERROR: FORMAT-ERROR: directives nested too deeply (at index 128 of the control string)" \
   repl -e "(format nil \"$deep\")"
is "writing needs the stream's write access bit" \
   "ERROR: ACCESS-DENIED: WRITE-STRING: no write access to this stream" \
   repl -e '(let ((s (restrict (make-string-output-stream) 1))) (write-string "x" s))'
is "reading a string stream needs its read access bit" \
   "ERROR: ACCESS-DENIED: GET-OUTPUT-STREAM-STRING: no read access to this stream" \
   repl -e '(get-output-stream-string (restrict (make-string-output-stream) 2))'
echo "1..$n"
