#!/bin/sh
# LOAD of host files and reading them (OPEN, WITH-OPEN-FILE) through
# lispos-repl: definitions that persist, :print and :verbose, a file with
# an error in it, one that does not read, a missing file, IN-PACKAGE in a
# file, UTF-8 and malformed bytes, a large file, and *STANDARD-INPUT* (the
# console, always at its end).  corpus-input.lisp checks the reading
# functions and LOAD from string streams against SBCL.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-load-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"
repl() { "$bin" --store "$store" --size 256M "$@"; }

cat > "$dir/defs.lisp" <<'EOF'
;;; a file of definitions
(defun square (x) (* x x))
(defvar *loaded-from* *load-pathname*)
(defparameter *greeting* "héllo, wörld")   ; UTF-8
(defun greet () *greeting*)
EOF
is "load returns T" "T" repl -e "(load \"$dir/defs.lisp\")"
is "its definitions are there at once" "$(printf 'T\n49')" repl -e "(load \"$dir/defs.lisp\")" -e '(square 7)'
is "and persist into the next process" "144" repl -e '(square 12)'
is "*load-pathname* is the file while it loads" "\"$dir/defs.lisp\"" repl -e '*loaded-from*'
is "and NIL after" "NIL" repl -e '*load-pathname*'
is "UTF-8 text in the file" '12' repl -e '(length (greet))'

cat > "$dir/print.lisp" <<'EOF'
(+ 1 2)
(values 1 2)
(princ "out")
EOF
is "load :print shows each form's values, as SBCL" \
   "$(printf ';; 3\n;; 1, 2\nout\n;; "out"\nT')" repl -e "(load \"$dir/print.lisp\" :print t)"
is "load :verbose names the file" \
   "$(printf ';; loading #P"%s"\nT' "$dir/defs.lisp")" repl -e "(load \"$dir/defs.lisp\" :verbose t)"

cat > "$dir/error.lisp" <<'EOF'
(defvar *progress* 1)
(setq *progress* 2)
(car 'not-a-list)
(setq *progress* 3)
EOF
is "an error in the file is signalled" "ERROR: TYPE-ERROR: CAR: not a list" \
   repl -e "(load \"$dir/error.lisp\")"
status_is "and lispos-repl exits 1" 1 repl -e "(load \"$dir/error.lisp\")"
is "the forms before it were done, the ones after not" "2" repl -e '*progress*'
is "handler-case around load takes the error" "TYPE-ERROR" \
   repl -e "(handler-case (load \"$dir/error.lisp\") (type-error (c) (type-of c)))"

printf '(defvar *before-bad* t)\n\n  (list 1 2\n' > "$dir/unbalanced.lisp"
is "a form that does not read: READER-ERROR saying where it starts" \
   "ERROR: READER-ERROR: READ error during LOAD: unbalanced parentheses: missing ')' (the form at line 3, column 2 of \"$dir/unbalanced.lisp\")" \
   repl -e "(load \"$dir/unbalanced.lisp\")"
printf '(+ 1 2)\n(no-such-package:x)\n' > "$dir/badpackage.lisp"
is "an unknown package in the file" \
   "ERROR: READER-ERROR: READ error during LOAD: package NO-SUCH-PACKAGE does not exist (the form at line 2, column 0 of \"$dir/badpackage.lisp\")" \
   repl -e "(load \"$dir/badpackage.lisp\")"

is "a missing file is a FILE-ERROR with a clear message" \
   "ERROR: FILE-ERROR: LOAD: the file \"$dir/missing.lisp\" does not exist" \
   repl -e "(load \"$dir/missing.lisp\")"
is ":if-does-not-exist nil gives NIL" "NIL" \
   repl -e "(load \"$dir/missing.lisp\" :if-does-not-exist nil)"
is "file-error-pathname names it" "\"$dir/missing.lisp\"" \
   repl -e "(handler-case (load \"$dir/missing.lisp\") (file-error (c) (file-error-pathname c)))"
is "a directory is not a file" \
   "ERROR: FILE-ERROR: OPEN: cannot open \"$dir\": not a regular file" repl -e "(load \"$dir\")"
is "open of a missing file" \
   "ERROR: FILE-ERROR: OPEN: cannot open \"$dir/missing.lisp\": no such file or device" \
   repl -e "(open \"$dir/missing.lisp\")"
is "open only reads" "ERROR: FILE-ERROR: OPEN: only :DIRECTION :INPUT is supported (host files are only read)" \
   repl -e "(open \"$dir/new.lisp\" :direction :output)"

cat > "$dir/package.lisp" <<'EOF'
(defpackage :loaded-pkg (:use :cl) (:export #:hello))
(in-package :loaded-pkg)
(defun hello () (list 'hello (package-name *package*)))
EOF
is "in-package in the file ends with the load" "$(printf 'T\n"COMMON-LISP-USER"')" \
   repl -e "(load \"$dir/package.lisp\")" -e '(package-name *package*)'
is "the file's symbols are in its package" '(LOADED-PKG:HELLO "COMMON-LISP-USER")' \
   repl -e '(loaded-pkg:hello)'

printf 'first line\nsecond line\n(a b c) 42\n' > "$dir/text.txt"
is "with-open-file and read-line" '("first line" "second line")' \
   repl -e "(with-open-file (f \"$dir/text.txt\") (list (read-line f) (read-line f)))"
is "read after read-line on a file" '((A B C) 42 :EOF)' \
   repl -e "(with-open-file (f \"$dir/text.txt\") (read-line f) (read-line f) (list (read f) (read f) (read f nil :eof)))"
is "with-open-file closes the stream" "(NIL #<FILE-STREAM \"$dir/text.txt\" (closed)>)" \
   repl -e "(let ((g nil)) (with-open-file (f \"$dir/text.txt\") (setq g f)) (list (open-stream-p g) g))"
is "even when its body fails" 'NIL' \
   repl -e "(let ((g nil)) (ignore-errors (with-open-file (f \"$dir/text.txt\") (setq g f) (car 1))) (open-stream-p g))"
is "file-position of a file counts bytes" '(0 11 23)' \
   repl -e "(with-open-file (f \"$dir/text.txt\") (list (file-position f) (progn (read-line f) (file-position f)) (progn (read-line f) (file-position f))))"
printf 'h\303\251\n' > "$dir/utf8.txt"
is "a file's UTF-8 is decoded" '(104 233)' \
   repl -e "(with-open-file (f \"$dir/utf8.txt\") (map 'list #'char-code (read-line f)))"
printf 'a\377b\n' > "$dir/bad-utf8.txt"
is "malformed UTF-8 reads as U+FFFD" '(97 65533 98)' \
   repl -e "(with-open-file (f \"$dir/bad-utf8.txt\") (map 'list #'char-code (read-line f)))"

awk 'BEGIN { for (i = 0; i < 3000; i++) printf "(defun big-%d () %d)\n", i, i }' > "$dir/big.lisp"
is "a file of 3,000 definitions" "$(printf 'T\n2999')" repl -e "(load \"$dir/big.lisp\")" -e '(big-2999)'

is "*standard-input* is the console, at its end" ':EOF' \
   repl -e '(read-line *standard-input* nil :eof)'
is "reading past it is END-OF-FILE" 'ERROR: END-OF-FILE: READ-CHAR: end of file' \
   repl -e '(read-char)'
is "read from t reads *terminal-io*'s console" ':NONE' repl -e '(read t nil :none)'
is "reading a stream needs its read access bit" \
   "ERROR: ACCESS-DENIED: READ-CHAR: no read access to this stream" \
   repl -e '(read-char (restrict (make-string-input-stream "abc") 2))'
is "closing the console does nothing" '(NIL T)' \
   repl -e '(list (close *standard-output*) (open-stream-p *standard-output*))'
echo "1..$n"
