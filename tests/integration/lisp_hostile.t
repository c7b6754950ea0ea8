#!/bin/sh
# A hostile user (issue 17): what the system environment holds -- its
# bindings and the objects they reach -- no user can change, and the
# system's privileged functions no user can call, however they try:
# directly, through a system function that acts for them, through a
# function object handed to another function, or by asking for the write
# grant the system's own code uses (lisp/freeze.c, lisp/primitive.h).
# After every attempt, another user still sees the system as it was.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-hostile-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

sys() { timeout 60 "$bin" --store "$store" --size 256M "$@" 2>/dev/null; }
as() { user=$1; shift; timeout 60 "$bin" --store "$store" --size 256M --user "$user" "$@" 2>/dev/null; }
# denied NAME FORM: mallory's FORM fails with ACCESS-DENIED
denied() {
    name=$1; form=$2
    out=$(as mallory -e "$form" | grep '^ERROR: ' | head -1 | cut -d' ' -f2 | tr -d :)
    is "$name" "ACCESS-DENIED" echo "${out:-none}"
}

types='lispos-internal::*%condition-types*'
before=$(sys -e "(prin1-to-string (list (length $types) (car $types)))")
is "the system's state is readable" "1" sh -c "[ -n '$before' ] && echo 1"

# ---- the system's objects are read-only to users ----
denied "RPLACA of a system list" "(setf (car $types) :pwned)"
denied "RPLACD of a system list" "(setf (cdr $types) nil)"
denied "NREVERSE of a system list" "(nreverse $types)"
denied "SORT of a system list" "(sort $types (lambda (a b) (declare (ignore a b)) t))"
denied "FILL of a system list" "(fill $types nil)"
denied "a system symbol's name" "(setf (char (symbol-name 'car) 0) #\\X)"
denied "REPLACE into a system string" "(replace (symbol-name 'cdr) \"XX\")"
denied "a system vector" "(setf (svref lispos-internal::*%built-in-classes* 0) nil)"
denied "a system class's slots" \
       "(lispos-internal::%slot-set (find-class 'standard-object) 0 'pwned)"
denied "a system generic function's cache" \
       "(setf (gethash 1 (lispos-internal::%slot-ref #'print-object 3)) 2)"
denied "CLRHASH of a system cache" \
       "(clrhash (lispos-internal::%slot-ref #'print-object 3))"

# ---- the write grant is the system code's alone ----
denied "asking for the write grant" \
       "(lispos-internal::%call-with-system-write (lambda () (rplaca $types 1)))"
denied "the grant's macro in a user's code" \
       "(lispos-internal::%with-system-write (rplaca $types 1))"
denied "the grant through MAPCAR" \
       "(mapcar #'lispos-internal::%call-with-system-write (list (lambda () (rplaca $types 1))))"
denied "the grant through FUNCALL" \
       "(funcall 'lispos-internal::%call-with-system-write (lambda () (rplaca $types 1)))"
is "a cache entry under a key that is not the arguments' is not kept" "NIL" \
   as mallory -e "(progn (lispos-internal::%dispatch-miss #'print-object (lispos-internal::%slot-ref #'print-object 3) lispos-internal::*%classes-epoch* (list 1 (make-string-output-stream)) 4242) (gethash 4242 (lispos-internal::%slot-ref #'print-object 3)))"

# ---- privileged functions ----
denied "GC" "(gc)"
denied "OPEN of a host file" '(with-open-file (s "/etc/passwd") (read-line s))'
denied "LOAD of a host file" '(load "/etc/passwd")'
denied "environment administration" "(lispos-internal::%declare-user-defaults nil)"
denied "a privileged function through APPLY" "(apply #'gc nil)"
denied "a privileged function through a system function" "(funcall #'funcall #'gc)"
denied "a privileged function by name through FUNCALL" "(funcall 'gc)"
is "the internals are not in COMMON-LISP" "NIL" \
   as mallory -e "(fboundp '%set-env-binding)"
is "COMMON-LISP holds the standard's symbols only" "978" \
   sys -e '(let ((n 0)) (do-external-symbols (s "COMMON-LISP") (incf n)) n)'

# ---- what users define stays theirs ----
is "mallory defines a class, a condition and a method" "(3 :CAUGHT \"m\")" \
   as mallory -e "(progn (defclass m () ((a :initarg :a :reader m-a))) (define-condition m-err (error) ()) (defmethod print-object ((x m) s) (write-string \"m\" s)) (list (m-a (make-instance 'm :a 3)) (handler-case (error 'm-err) (m-err () :caught)) (prin1-to-string (make-instance 'm))))"
is "which no other user sees in the system's classes" "NIL" \
   as alice -e "(some (lambda (c) (string= (symbol-name (class-name c)) \"M\")) (lispos-internal::%slot-ref (find-class 'standard-object) 8))"
is "a user's property on a system symbol is theirs" "(1 NIL)" \
   sh -c "'$bin' --store '$store' --user mallory -e \"(setf (get 'car 'mine) 1)\" >/dev/null 2>&1; \
          echo \"(\$('$bin' --store '$store' --user mallory -e \"(get 'car 'mine)\" 2>/dev/null) \$('$bin' --store '$store' --user alice -e \"(get 'car 'mine)\" 2>/dev/null))\""

is "a user's (SETF CAR) lookup leaves CAR's property list alone" "NIL" \
   sh -c "'$bin' --store '$store' --user mallory -e \"(ignore-errors (fdefinition '(setf car)))\" >/dev/null 2>&1; \
          '$bin' --store '$store' -e \"(getf (symbol-plist 'car) 'lispos-internal::%setf-function)\" 2>/dev/null"
is "a user's (SETF CADR) is theirs, on their copy of CADR's plist" "((1 2) NIL NIL)" \
   sh -c "'$bin' --store '$store' --user mallory -e \"(defun (setf cadr) (v x) (list v x))\" >/dev/null 2>&1; \
          echo \"(\$('$bin' --store '$store' --user mallory -e \"(funcall #'(setf cadr) 1 2)\" 2>/dev/null) \
                  \$('$bin' --store '$store' --user alice -e \"(fboundp '(setf cadr))\" 2>/dev/null) \
                  \$('$bin' --store '$store' -e \"(getf (symbol-plist 'cadr) 'lispos-internal::%setf-function)\" 2>/dev/null))\" | tr -s ' '"
# A symbol alice hands over through a shared mailbox: its property list
# stays hers; mallory changes a copy of his own.
sys -e '(defpackage :hostile-shared (:use :cl) (:export #:*mailbox*))' \
    -e '(defvar hostile-shared:*mailbox* (share-writable (make-hash-table)))' >/dev/null
as alice -e "(progn (setf (get 'alice-sym :secret) 42) (setf (gethash :sym hostile-shared:*mailbox*) 'alice-sym))" >/dev/null
is "another user's symbol: the holder changes a copy of its property list" ":PWNED" \
   as mallory -e "(let ((s (gethash :sym hostile-shared:*mailbox*))) (setf (get s :secret) :pwned) (get s :secret))"
is "and its owner's property is untouched" "42" as alice -e "(get 'alice-sym :secret)"
is "REMPROP on another user's symbol changes the holder's copy" "(T 42)" \
   sh -c "echo \"(\$('$bin' --store '$store' --user mallory -e \"(remprop (gethash :sym hostile-shared:*mailbox*) :secret)\" 2>/dev/null) \$('$bin' --store '$store' --user alice -e \"(get 'alice-sym :secret)\" 2>/dev/null))\""
is "an object only readable stays so in the system's frames of %BACKTRACE" "1" \
   as mallory -e "(progn (defclass bt-thing () ()) (defvar *bt* nil) (defmethod print-object ((x bt-thing) s) (setf *bt* (lispos-internal::%backtrace)) (write-string \"t\" s)) (prin1-to-string (make-instance 'bt-thing)) (access-bits (second (assoc 'lispos-internal::%print-instance *bt*))))"
is "%INSTANCE-RESHAPE only to the class's current layout" "PROGRAM-ERROR" \
   sh -c "'$bin' --store '$store' --user mallory -e \"(progn (defclass rs () ((a :initform 1))) (lispos-internal::%instance-reshape (restrict (make-instance 'rs) 1) (vector (find-class 'rs) (vector)) nil))\" 2>/dev/null | grep '^ERROR: ' | head -1 | cut -d' ' -f2 | tr -d :"
is "the obsolete-instance protocol still reshapes an instance of a redefined class" "(1 2)" \
   as mallory -e "(let ((x (make-instance 'rs))) (defclass rs () ((a :initform 1) (b :initform 2))) (list (slot-value x 'a) (slot-value (restrict x 1) 'b)))"
is "SYMBOL-VALUE of a keyword is the keyword" ":FOO" as mallory -e "(symbol-value :foo)"
# Every user's COMMON-LISP-USER uses COMMON-LISP: its used-by list must not
# hand mallory another user's package (she could INTERN or UNINTERN in it).
as alice -e "(defvar *used-by-secret* 42)" > /dev/null 2>&1
is "PACKAGE-USED-BY-LIST shows no other user's package" "NIL" \
   as mallory -e "(let ((mine (find-package :cl-user))) (remove-if (lambda (p) (or (eq p mine) (eq p (find-package (package-name p))))) (package-used-by-list (find-package :cl))))"
is "so alice's symbols stay hers" "42" as alice -e "*used-by-secret*"

# ---- and afterwards everyone sees the system as it was ----
is "the system's state is unchanged" "$before" \
   as alice -e "(prin1-to-string (list (length $types) (car $types)))"
is "conditions still work for another user" ":OK" \
   as alice -e "(handler-case (error \"x\") (error () :ok))"
is "so do classes" "2" \
   as alice -e "(progn (defclass a2 () ((x :initform 2 :reader x))) (x (make-instance 'a2)))"
is "the system itself may still change its own objects" "(:MINE)" \
   sh -c "'$bin' --store '$store' -e '(defvar lispos-internal::*sys-list* (list 1))' >/dev/null 2>&1; '$bin' --store '$store' -e '(progn (setf (car lispos-internal::*sys-list*) :mine) lispos-internal::*sys-list*)' 2>/dev/null"
denied "but a user may not change what the system just defined" \
       "(setf (car lispos-internal::*sys-list*) 2)"

echo "1..$n"
