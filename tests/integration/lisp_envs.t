#!/bin/sh
# First-class global environments (issue 5, docs/environments.md), through
# lispos-repl --user: each user's definitions, defaults, packages, types
# and symbol macros are theirs alone; the system environment's bindings
# and packages cannot be changed from a user's; a function keeps
# resolving its free references in the environment it was compiled in,
# whoever calls it; a reset gives a fresh default environment.  Every
# lispos-repl run is a new process on the same store, so all of it is
# checked across restarts too.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-envs-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

sys() { timeout 60 "$bin" --store "$store" --size 256M "$@"; }
as() { user=$1; shift; timeout 60 "$bin" --store "$store" --size 256M --user "$user" "$@"; }
lines() { printf '%s\n' "$@"; }
denied='ENVIRONMENT-ERROR'
# first_error COMMAND...: the condition type of the error the command
# printed ("ERROR: TYPE: message"), or "none"
first_error() {
    out=$("$@" 2>/dev/null | grep '^ERROR: ' | head -1 | cut -d' ' -f2 | tr -d :)
    echo "${out:-none}"
}

# ---- the command line ----
is "--help names --user and --reset" "2" \
   sh -c "'$bin' --help | grep -o -e '--user NAME' -e '--reset' | sort -u | wc -l"
status_is "--reset without --user exits 2" 2 sys --reset -e 1
status_is "a user name with a blank exits 2" 2 sys --user "a b" -e 1
status_is "an empty user name exits 2" 2 sys --user "" -e 1
is "a user's first evaluation makes the environment" "3" as alice -e '(+ 1 2)'
is "ENVIRONMENT-NAME" "\"alice\"" as alice -e '(environment-name)'
is "the system environment's name" "\"system\"" sys -e '(environment-name)'

# ---- definitions are per user ----
is "alice defines HELLO, a variable and a macro" "$(lines HELLO '*MINE*' TWICE ALICE)" \
   as alice -e "(defun hello () 'alice)" -e '(defvar *mine* 42)' \
            -e '(defmacro twice (x) `(list ,x ,x))' -e '(hello)'
is "bob does not see them" "$(lines NIL NIL NIL)" \
   as bob -e "(fboundp 'hello)" -e "(boundp '*mine*)" -e "(macro-function 'twice)"
is "bob's own HELLO" "$(lines HELLO BOB)" as bob -e "(defun hello () 'bob)" -e '(hello)'
is "alice's still hers, after a restart" "$(lines ALICE 42 '(1 1)')" \
   as alice -e '(hello)' -e '*mine*' -e '(twice 1)'
is "the system environment sees neither" "NIL" sys -e "(fboundp 'hello)"

# ---- per-user defaults ----
is "alice sets *print-base* to 16 (printed in base 16)" "$(lines 10 FF)" as alice -e '(setq *print-base* 16)' -e '255'
is "it stays hers" "FF" as alice -e '255'
is "bob's is still 10" "255" as bob -e '255'
is "the system's is still 10" "255" sys -e '255'
is "a user's LET of a default is undone at its end" "$(lines '"1010"' FF)" \
   as alice -e '(let ((*print-base* 2)) (format nil "~a" 10))' -e '255'
is "alice's packages and *package*" "$(lines '#<PACKAGE "MINE">' '#<PACKAGE "MINE">' '"MINE::X"')" \
   as alice -e '(defpackage :mine (:use :cl))' -e '(in-package :mine)' -e "(let ((*package* (find-package :cl-user))) (prin1-to-string 'x))"
is "alice is still in MINE after a restart" '#<PACKAGE "MINE">' as alice -e '*package*'
is "bob has no package MINE, and is in his CL-USER" "$(lines NIL '#<PACKAGE "COMMON-LISP-USER">')" \
   as bob -e '(find-package :mine)' -e '*package*'
as alice -e '(intern "ALICE-SECRET" :cl-user)' >/dev/null 2>&1
is "each user's CL-USER is their own" "NIL" as bob -e '(find-symbol "ALICE-SECRET" :cl-user)'
as alice -e '(in-package :cl-user)' -e '(setq *print-base* 10)' >/dev/null 2>&1

# ---- the system environment is immutable from a user's ----
is "DEFUN CAR" "$denied" first_error as alice -e '(defun car (x) x)'
is "DEFMACRO CAR" "$denied" first_error as alice -e '(defmacro car (x) x)'
is "(SETF FDEFINITION) of CAR" "$denied" first_error as alice -e "(setf (fdefinition 'car) #'cdr)"
is "(SETF SYMBOL-FUNCTION) of LENGTH" "$denied" first_error as alice -e "(setf (symbol-function 'length) #'car)"
is "FMAKUNBOUND of CAR" "$denied" first_error as alice -e "(fmakunbound 'car)"
is "COMPILE with a system name" "$denied" first_error as alice -e "(compile 'car '(lambda (x) x))"
is "DEFCONSTANT PI" "$denied" first_error as alice -e '(defconstant pi 3)'
is "SETQ of a system variable's global value" "$denied" first_error as alice -e '(setq *standard-output* nil)'
is "SET of a system variable's global value" "$denied" first_error as alice -e "(set '*standard-output* nil)"
is "HANDLER-CASE catches the ENVIRONMENT-ERROR of a DEFUN" "$(lines :DENIED :DENIED)" \
   as alice -e "(handler-case (defun car (x) x) (environment-error () :denied))" \
            -e "(handler-case (defconstant pi 3) (environment-error () :denied))"
is "a function holding a forbidden DEFUN fails when it runs" "$(lines F ENVIRONMENT-ERROR 1)" \
   as alice -e '(defun f () (defun car (x) x))' -e '(handler-case (f) (error (e) (type-of e)))' \
            -e "(car '(1 2))"
is "a user's binding of a system variable is theirs" "3" \
   as alice -e '(let ((*print-length* 1)) (setq *print-length* 3))'
is "alice's property of a system symbol is hers" "$(lines RED RED)" \
   as alice -e "(setf (get 'car 'color) 'red)" -e "(get 'car 'color)"
is "... after a restart too" "RED" as alice -e "(get 'car 'color)"
is "bob's CAR has no COLOR" "$(lines NIL BLUE)" \
   as bob -e "(get 'car 'color)" -e "(setf (get 'car 'color) 'blue)"
is "the system's neither; alice's stays red" "$(lines NIL RED)" \
   sh -c "'$bin' --store '$store' -e \"(get 'car 'color)\"; '$bin' --store '$store' --user alice -e \"(get 'car 'color)\""
is "REMPROP removes only the user's" "$(lines T NIL BLUE)" \
   sh -c "'$bin' --store '$store' --user alice -e \"(remprop 'car 'color)\" -e \"(get 'car 'color)\"; '$bin' --store '$store' --user bob -e \"(get 'car 'color)\""
is "DEFTYPE of a system name" "$denied" first_error as alice -e '(deftype list () t)'
is "a new definition on a system symbol" "$denied" first_error as alice -e '(defun cl::car (x) x)'
is "interning into COMMON-LISP" "PACKAGE-ERROR" first_error as alice -e '(intern "BRAND-NEW" :cl)'
is "reading a new COMMON-LISP symbol" "PACKAGE-ERROR" first_error as alice -e "'cl::brand-new-symbol"
is "exporting from COMMON-LISP-USER is fine (it is the user's)" "T" as alice -e "(export 'hello)"
is "deleting COMMON-LISP" "PACKAGE-ERROR" first_error as alice -e '(delete-package :cl)'
is "renaming COMMON-LISP" "PACKAGE-ERROR" first_error as alice -e '(rename-package :cl "MINE-CL")'
is "keywords are still made" ":A-NEW-KEYWORD" as alice -e ':a-new-keyword'
is "CAR still works for everyone" "$(lines 1 1 1)" \
   sh -c "'$bin' --store '$store' --user alice -e '(car (list 1))'; '$bin' --store '$store' --user bob -e '(car (list 1))'; '$bin' --store '$store' -e '(car (list 1))'"
is "the system environment itself may define" "$(lines SYS-TOOL 7)" sys -e '(defun sys-tool () 7)' -e '(sys-tool)'

# ---- types, symbol macros and compiler macros are per user ----
is "alice's DEFTYPE" "$(lines DIGIT T NIL)" \
   as alice -e "(deftype digit () '(integer 0 9))" -e "(typep 5 'digit)" -e "(typep 50 'digit)"
is "bob has no type DIGIT" "ERROR" sh -c "'$bin' --store '$store' --user bob -e \"(typep 5 'digit)\" 2>/dev/null | cut -c1-5"
is "alice's global symbol macro" "$(lines HERE 3)" \
   as alice -e '(define-symbol-macro here (+ 1 2))' -e 'here'
is "bob's HERE is an unbound variable" "UNBOUND-VARIABLE" first_error as bob -e 'here'

# ---- functions keep their environment ----
# The system makes a shared mailbox (a package every user sees); alice
# leaves a closure in it; bob calls it: it calls alice's HELLO and reads
# alice's *MINE*, not bob's.
sys -e '(defpackage :shared (:use :cl) (:export #:*mailbox*))' \
    -e '(defvar shared:*mailbox* (share-writable (make-hash-table)))' >/dev/null
is "alice leaves a closure" "T" \
   as alice -e "(progn (setf (gethash :fn shared:*mailbox*) (lambda () (list (symbol-name (hello)) *mine*))) t)"
is "bob's call resolves in alice's environment" "$(lines '*MINE*' '("ALICE" 42)')" \
   as bob -e '(defvar *mine* 0)' -e '(funcall (gethash :fn shared:*mailbox*))'
is "bob's own HELLO is untouched" "BOB" as bob -e '(hello)'
is "alice redefines HELLO: bob's call follows her binding" "$(lines HELLO '("ALICE-2" 42)')" \
   sh -c "'$bin' --store '$store' --user alice -e \"(defun hello () 'alice-2)\"; '$bin' --store '$store' --user bob -e '(funcall (gethash :fn shared:*mailbox*))'"

# ---- system generic functions: a user's methods go to a private copy ----
sys -e '(defpackage :geometry (:use :cl) (:export #:point #:make-point #:px))' \
    -e '(in-package :geometry)' \
    -e '(defclass point () ((x :initarg :x :reader px)))' \
    -e "(defun make-point (x) (make-instance 'point :x x))" \
    -e '(in-package :cl-user)' >/dev/null
is "alice's PRINT-OBJECT method on a system class" "$(lines NIL '<alice 2>' '"<alice 3>"')" \
   as alice -e '(progn (defmethod print-object ((p geometry:point) s) (format s "<alice ~a>" (geometry:px p))) nil)' \
            -e '(geometry:make-point 2)' -e '(format nil "~a" (geometry:make-point 3))'
is "bob's points print as the system prints them" "#<GEOMETRY:POINT >" \
   sh -c "'$bin' --store '$store' --user bob -e '(geometry:make-point 4)' | sed 's/{.*}//'"
is "the system's too" "#<GEOMETRY:POINT >" \
   sh -c "'$bin' --store '$store' -e '(geometry:make-point 4)' | sed 's/{.*}//'"
is "alice's method stays hers after a restart" "<alice 5>" as alice -e '(geometry:make-point 5)'
is "the system's PRINT-OBJECT has no method of alice's" "NIL" \
   sys -e "(find-method #'print-object nil (list (find-class 'geometry:point) (find-class t)) nil)"
is "bob's INITIALIZE-INSTANCE :after method is his" "$(lines 40 4)" \
   sh -c "'$bin' --store '$store' --user bob -e \"(progn (defmethod initialize-instance :after ((p geometry:point) &key) (setf (slot-value p 'geometry::x) (* 10 (geometry:px p)))) nil)\" >/dev/null; '$bin' --store '$store' --user bob -e '(geometry:px (geometry:make-point 4))'; '$bin' --store '$store' --user alice -e '(geometry:px (geometry:make-point 4))'"
is "DEFGENERIC of a system function that is not extensible" "$denied" \
   first_error as alice -e '(defgeneric car (x))'

# ---- reset ----
is "reset: a fresh default environment" "$(lines NIL 255 '#<PACKAGE "COMMON-LISP-USER">')" \
   as alice --reset -e "(fboundp 'hello)" -e '255' -e '*package*'
is "the old one is kept as alice.previous" "$(lines ALICE-2 42)" \
   as alice.previous -e '(hello)' -e '*mine*'
is "bob is untouched by alice's reset" "BOB" as bob -e '(hello)'
is "the system environment is untouched" "7" sys -e '(sys-tool)'
is "a second reset replaces alice.previous" "$(lines NIL NIL)" \
   sh -c "'$bin' --store '$store' --user alice -e '(defun only-in-second () 1)' >/dev/null; '$bin' --store '$store' --user alice --reset -e \"(fboundp 'only-in-second)\"; '$bin' --store '$store' --user alice.previous -e \"(fboundp 'hello)\""

echo "1..$n"
