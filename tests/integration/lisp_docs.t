#!/bin/sh
# DOCUMENTATION, (SETF DOCUMENTATION), DESCRIBE and APROPOS (issue 17;
# docs/lisp.md, "Documentation and introspection"), through lispos-repl:
# what the definers record, what built-in primitives answer from their
# rows, what DESCRIBE prints and how little of a big object, what APROPOS
# finds -- in the system environment and in users' environments, where a
# user's documentation of a system symbol, their methods and their
# packages are theirs alone.  Every lispos-repl run is a new process on
# the same store, so what a user set is checked across restarts too.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-docs-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

sys() { timeout 60 "$bin" --store "$store" --size 256M "$@"; }
as() { user=$1; shift; timeout 60 "$bin" --store "$store" --size 256M --user "$user" "$@"; }
lines() { printf '%s\n' "$@"; }
# has NEEDLE COMMAND...: 1 when a line of the command's output is NEEDLE
has() { needle=$1; shift; "$@" 2>/dev/null | grep -cxF -- "$needle"; }

# ---- what the definers record (system environment) ----
is "DEFUN, DEFMACRO, DEFVAR, DEFPARAMETER, DEFCONSTANT keep their strings" \
   "$(lines '"adds one"' '"twice"' '"a counter"' '"a limit"' '"the answer"')" \
   sys -e '(progn (defun add1 (x) "adds one" (1+ x)) (documentation (quote add1) (quote function)))' \
       -e '(progn (defmacro twice (x) "twice" `(list ,x ,x)) (documentation (quote twice) (quote function)))' \
       -e '(progn (defvar *count* 0 "a counter") (documentation (quote *count*) (quote variable)))' \
       -e '(progn (defparameter *limit* 9 "a limit") (documentation (quote *limit*) (quote variable)))' \
       -e '(progn (defconstant +answer+ 42 "the answer") (documentation (quote +answer+) (quote variable)))'
is "DEFTYPE, DEFCLASS, DEFSTRUCT, DEFINE-CONDITION, DEFGENERIC keep theirs" \
   "$(lines '"small ones"' '"a point"' '"a pair"' '"a pair"' '"my failure"' '"area of"')" \
   sys -e '(progn (deftype small () "small ones" (quote (integer 0 9))) (documentation (quote small) (quote type)))' \
       -e '(progn (defclass point () ((x :initarg :x)) (:documentation "a point")) (documentation (find-class (quote point)) t))' \
       -e '(progn (defstruct pair "a pair" left right) (documentation (quote pair) (quote structure)))' \
       -e "(documentation 'pair 'type)" \
       -e '(progn (define-condition failure (error) () (:documentation "my failure")) (documentation (quote failure) (quote type)))' \
       -e '(progn (defgeneric area (shape) (:documentation "area of")) (documentation (function area) t))'
is "a setf function, DEFSETF, a compiler macro" \
   "$(lines '"stores"' '"updates"' '"inlines"')" \
   sys -e '(progn (defun (setf slot-of) (v x) "stores" (list v x)) (documentation (quote (setf slot-of)) (quote function)))' \
       -e '(progn (defsetf thing (x) (v) "updates" `(list ,x ,v)) (documentation (quote thing) (quote setf)))' \
       -e '(progn (define-compiler-macro add1 (x) "inlines" `(+ ,x 1)) (documentation (quote add1) (quote compiler-macro)))'
is "a function object's is its name's; a lambda's is none" \
   "$(lines '"adds one"' NIL)" \
   sys -e "(documentation #'add1 t)" -e '(documentation (lambda () "no" 1) t)'
is "redefining without a string forgets the old one" "NIL" \
   sys -e '(progn (defun add2 (x) "two" (+ x 2)) (defun add2 (x) (+ x 2)) (documentation (quote add2) (quote function)))'
is "(SETF DOCUMENTATION) on a name, a function, a class" \
   "$(lines '"one more"' '"one more"' '"points"')" \
   sys -e "(setf (documentation 'add1 'function) \"one more\")" \
       -e "(documentation #'add1 'function)" \
       -e "(progn (setf (documentation (find-class 'point) t) \"points\") (documentation 'point 'type))"
is "a primitive answers from its row" "T" \
   sys -e "(stringp (documentation 'lispos-internal::%set-documentation 'function))"
is "a documentation string is a string or NIL" "TYPE-ERROR" \
   sys -e "(handler-case (setf (documentation 'add1 'function) 5) (type-error () 'type-error))"

# ---- DESCRIBE ----
describe_add1=$(sys -e "(describe 'add1)")
n=$((n + 1))
if printf '%s\n' "$describe_add1" | grep -qx "COMMON-LISP-USER::ADD1" &&
   printf '%s\n' "$describe_add1" | grep -qx "  \[symbol\]" &&
   printf '%s\n' "$describe_add1" | grep -qx "  Package: COMMON-LISP-USER, internal" &&
   printf '%s\n' "$describe_add1" | grep -qx "ADD1 names a compiled function:" &&
   printf '%s\n' "$describe_add1" | grep -qx "  Lambda-list: (X)" &&
   printf '%s\n' "$describe_add1" | grep -qx "    one more" &&
   printf '%s\n' "$describe_add1" | grep -qx "ADD1 has a compiler macro:"; then
    echo "ok $n - DESCRIBE of a symbol: package, function, lambda list, documentation"
else
    echo "not ok $n - DESCRIBE of a symbol: package, function, lambda list, documentation"
    printf '%s\n' "$describe_add1" | sed 's/^/#   /'
fi
is "DESCRIBE of a primitive shows its row's lambda list" "1" \
   has "  Lambda-list: (LIST)" sys -e "(describe 'car)"
is "DESCRIBE of a variable shows its value" "1" has "  Value: 0" sys -e "(describe '*count*)"
is "DESCRIBE of a class: precedence list" "1" \
   has "  Class precedence-list: POINT, STANDARD-OBJECT, T" sys -e "(describe 'point)"
is "DESCRIBE of an instance: its slots" "$(lines 1 1)" \
   sh -c "out=\$('$bin' --store '$store' -e '(describe (make-instance (quote point) :x 5))');
          printf '%s\n' \"\$out\" | grep -cx '  \[standard-object\]';
          printf '%s\n' \"\$out\" | grep -c '^  X  *= 5\$'"
is "DESCRIBE of a condition: its slots" "$(lines 1 1)" \
   sh -c "out=\$('$bin' --store '$store' -e \"(describe (make-condition 'type-error :datum 7 :expected-type 'string))\");
          printf '%s\n' \"\$out\" | grep -cx '  \[condition\]';
          printf '%s\n' \"\$out\" | grep -c '^  DATUM  *= 7\$'"
is "DESCRIBE of a hash table: test and count" "$(lines 1 1)" \
   sh -c "out=\$('$bin' --store '$store' -e '(describe (make-hash-table :test (quote equal)))');
          printf '%s\n' \"\$out\" | grep -cx 'Test: EQUAL';
          printf '%s\n' \"\$out\" | grep -cx 'Count: 0'"
is "DESCRIBE of a big list, vector, string, hash table stays small" "yes" \
   sh -c "bytes=\$('$bin' --store '$store' -e '(describe (make-list 100000 :initial-element 7))' \
                   -e '(describe (make-array 100000))' -e '(describe (make-string 100000))' \
                   -e '(let ((h (make-hash-table))) (dotimes (i 10000) (setf (gethash i h) i)) (describe h))' | wc -c);
          [ \"\$bytes\" -lt 4000 ] && echo yes || echo \"no: \$bytes bytes\""
is "DESCRIBE returns no values and takes a stream" "$(lines NIL T)" \
   sys -e '(multiple-value-list (let ((*standard-output* (make-string-output-stream))) (describe 1)))' \
       -e "(let ((s (make-string-output-stream))) (describe 'car s) (plusp (length (get-output-stream-string s))))"

# ---- APROPOS ----
is "APROPOS-LIST in a package, external only" "(RPLACA RPLACD)" sys -e '(apropos-list "rplac" :cl t)'
is "APROPOS-LIST everywhere, by a symbol" "T" \
   sys -e "(and (subsetp '(rplaca rplacd) (apropos-list 'rplac)) (null (apropos-list \"NO-SUCH-SYMBOL-ANYWHERE\")) t)"
is "APROPOS prints each symbol" "$(lines 'RPLACA (fbound)' 'RPLACD (fbound)' NIL)" \
   sys -e '(apropos "RPLAC" :cl t)'

# ---- users: their documentation and packages are theirs ----
is "alice documents CAR" "$(lines '"alice'"'"'s car"' '"alice'"'"'s car"')" \
   as alice -e "(setf (documentation 'car 'function) \"alice's car\")" -e "(documentation #'car t)"
is "bob and the system do not see it" "$(lines T T)" \
   sh -c "'$bin' --store '$store' --user bob -e \"(not (equal (documentation 'car 'function) \\\"alice's car\\\"))\";
          '$bin' --store '$store' -e \"(not (equal (documentation 'car 'function) \\\"alice's car\\\"))\""
is "alice still does, after a restart, and DESCRIBE shows it" "$(lines '"alice'"'"'s car"' 1)" \
   sh -c "'$bin' --store '$store' --user alice -e \"(documentation 'car 'function)\";
          '$bin' --store '$store' --user alice -e \"(describe 'car)\" | grep -cx \"    alice's car\""
is "the system's documentation cannot be changed by hand from a user's" \
   "$(lines ACCESS-DENIED '"the second"')" \
   sh -c "'$bin' --store '$store' -e \"(setf (documentation 'cadr 'function) \\\"the second\\\")\" >/dev/null;
          '$bin' --store '$store' --user bob -e \"(handler-case (rplacd (assoc 'function (get 'cadr 'lispos-internal::%documentation)) \\\"mine\\\") (access-denied () 'access-denied))\";
          '$bin' --store '$store' -e \"(documentation 'cadr 'function)\""
is "a user's definitions keep their strings" "$(lines '"hi"' '"(X)"')" \
   as alice -e '(progn (defun hello (x) "hi" x) (documentation (quote hello) (quote function)))' \
            -e "(let ((s (make-string-output-stream))) (describe 'hello s) (let ((text (get-output-stream-string s))) (subseq text (+ (search \"Lambda-list: \" text) 13) (search (string #\\Newline) text :start2 (search \"Lambda-list\" text)))))"
is "bob's HELLO has no documentation" "NIL" \
   as bob -e "(documentation 'hello 'function)"
is "alice's DOCUMENTATION and DESCRIBE-OBJECT methods are hers" \
   "$(lines '"an integer"' 'a gadget')" \
   sh -c "'$bin' --store '$store' --user alice \
            -e '(progn (defmethod documentation ((x integer) (type t)) \"an integer\") (documentation 5 t))' \
            -e '(defclass gadget () ())' \
            -e '(defmethod describe-object ((g gadget) stream) (format stream \"a gadget~%\"))' \
            -e '(describe (make-instance (quote gadget)))' | sed -n '1p;4p'"
is "bob's are the system's" "$(lines NIL 1)" \
   sh -c "'$bin' --store '$store' --user bob -e '(documentation 5 t)';
          '$bin' --store '$store' --user bob -e '(describe 5)' | grep -cx '  \[fixnum\]'"
is "APROPOS-LIST sees alice's packages only in alice's environment" \
   "$(lines '(ALICE-TOOLS::ZQXTOOL)' NIL NIL)" \
   sh -c "'$bin' --store '$store' --user alice -e '(defpackage :alice-tools (:use))' -e '(intern \"ZQXTOOL\" :alice-tools)' >/dev/null;
          '$bin' --store '$store' --user alice -e '(apropos-list \"zqxtool\")';
          '$bin' --store '$store' --user bob -e '(apropos-list \"zqxtool\")';
          '$bin' --store '$store' -e '(apropos-list \"zqxtool\")'"

echo "1..$n"
