#!/bin/sh
# The object system beyond what SBCL can compare (issue 5): redefining a
# class updates existing instances, the capability's access bits on
# instances and structures, and classes, generic functions, methods and
# instances persisting across restarts of lispos-repl on one store.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-clos-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"
r() { "$bin" --store "$store" --size 256M "$@"; }
last() { "$bin" --store "$store" --size 256M "$@" | tail -1; }   # the last value

# -- redefinition
is "define a class and an instance" "$(printf '#<STANDARD-CLASS COMMON-LISP-USER::P>\nP\n*P*\n(1 2)')" r \
   -e '(defclass p () ((x :initarg :x :accessor px) (y :initarg :y :accessor py)))' \
   -e '(class-name (find-class (quote p)))' \
   -e '(defparameter *p* (make-instance (quote p) :x 1 :y 2))' -e '(list (px *p*) (py *p*))'
is "a slot added by a redefinition gets its initform" "(1 2 ADDED)" r \
   -e '(progn (defclass p () ((x :initarg :x :accessor px) (y :initarg :y :accessor py) (z :initform (quote added) :accessor pz))) (list (px *p*) (py *p*) (pz *p*)))'
is "a removed slot vanishes, the others keep their values" "(NIL 2 ADDED)" r \
   -e '(progn (defclass p () ((y :accessor py) (z :accessor pz))) (list (slot-exists-p *p* (quote x)) (py *p*) (pz *p*)))'
is "reading it is an error" "ERROR: SIMPLE-ERROR: When attempting to read the slot's value (slot-value), the slot X is missing from the object #<P {" \
   sh -c "'$bin' --store '$store' -e '(slot-value *p* (quote x))' | cut -c1-119"
is "its accessor has no method any more" "T" r \
   -e '(handler-case (px *p*) (error () t))'
is "update-instance-for-redefined-class sees added and discarded slots" "((W) (Y) (Y 2))" last \
   -e '(defvar *seen* nil)' \
   -e '(defmethod update-instance-for-redefined-class :after ((i p) added discarded plist &rest args) (setq *seen* (list added discarded plist)))' \
   -e '(defclass p () ((z :accessor pz) (w :initform 0)))' -e '(progn (slot-value *p* (quote z)) *seen*)'
is "a subclass's instances are updated when a superclass changes" "(1 NEW)" last \
   -e '(defclass base () ((a :initform 1 :accessor a)))' -e '(defclass derived (base) ())' \
   -e '(defparameter *d* (make-instance (quote derived)))' \
   -e '(defclass base () ((a :initform 1 :accessor a) (b :initform (quote new) :accessor b)))' \
   -e '(list (a *d*) (b *d*))'

# -- access bits
r -e '(defclass acct () ((balance :initarg :balance :accessor balance) (owner :initarg :owner :reader owner :writer set-owner)))' \
  -e '(defparameter *a* (make-instance (quote acct) :balance 10 :owner "ann"))' \
  -e '(defparameter *ro* (restrict *a* 1))' -e '(defparameter *wo* (restrict *a* 2))' \
  -e '(defstruct sp x y)' -e '(defparameter *s* (restrict (make-sp :x 1 :y 2) 1))' >/dev/null
is "a read-only instance can be read" "(10 10 \"ann\")" r \
   -e '(list (slot-value *ro* (quote balance)) (balance *ro*) (owner *ro*))'
is "but not written with setf slot-value" \
   "ERROR: ACCESS-DENIED: (SETF SLOT-VALUE): no write access to this instance" \
   r -e '(setf (slot-value *ro* (quote balance)) 0)'
is "nor with an accessor" "ERROR: ACCESS-DENIED: BALANCE: no write access to this instance" \
   r -e '(setf (balance *ro*) 0)'
is "nor with a writer" "ERROR: ACCESS-DENIED: SET-OWNER: no write access to this instance" \
   r -e '(set-owner "bob" *ro*)'
is "nor made unbound" "ERROR: ACCESS-DENIED: SLOT-MAKUNBOUND: no write access to this instance" \
   r -e '(slot-makunbound *ro* (quote owner))'
is "nor reinitialized" "ACCESS-DENIED" \
   r -e '(handler-case (reinitialize-instance *ro* :balance 0) (access-denied () (quote access-denied)))'
is "the value is unchanged, through the full capability" "10" r -e '(balance *a*)'
is "a write-only instance cannot be read" "ERROR: ACCESS-DENIED: BALANCE: no read access to this instance" \
   r -e '(balance *wo*)'
is "with slot-value either" "ERROR: ACCESS-DENIED: SLOT-VALUE: no read access to this instance" \
   r -e '(slot-value *wo* (quote balance))'
is "but written" "(5 5)" r -e '(list (setf (balance *wo*) 5) (balance *a*))'
is "restricted instances keep their class" "(ACCT T 1)" r \
   -e '(list (class-name (class-of *ro*)) (typep *ro* (quote acct)) (access-bits *ro*))'
is "a read-only structure can be read" "(1 2)" r -e '(list (sp-x *s*) (sp-y *s*))'
is "but not written" "ERROR: ACCESS-DENIED: SP-X: no write access to this instance" \
   r -e '(setf (sp-x *s*) 5)'
is "a restricted generic function cannot be called" \
   "ERROR: ACCESS-DENIED: FUNCALL: no call access to this instance" \
   r -e '(funcall (restrict (function balance) 3) *a*)'
is "a structure without the read bit prints no slots" '"#<SP, not readable>"' r \
   -e '(prin1-to-string (restrict (make-sp :x 1) 2))'
is "nor does EQUALP read them" "ERROR: ACCESS-DENIED: EQUALP: no read access to this instance" \
   r -e '(equalp (restrict (make-sp :x 1) 2) (make-sp :x 1))'
is "ACCESS-DENIED says what and how" "(SLOT-VALUE :READ T)" r \
   -e '(handler-case (slot-value *wo* (quote balance)) (access-denied (c) (list (intern (access-denied-operation c)) (access-denied-access c) (eq (access-denied-datum c) *a*))))'
is "the slot vector is no way around the bits" "ACCESS-DENIED" r \
   -e '(handler-case (setf (svref (lispos-internal::%instance-slots *ro*) 0) 1) (access-denied () (quote access-denied)))'
is "nor its discriminating function replaced" "ACCESS-DENIED" r \
   -e '(handler-case (lispos-internal::%set-instance-function (restrict (function balance) 5) (lambda (x) x)) (access-denied () (quote access-denied)))'
is "and the generic function still works" "5" r -e '(balance *a*)'

# -- persistence
r -e '(defgeneric speak (x))' -e '(defclass animal () ((name :initarg :name :reader name)))' \
  -e '(defclass dog (animal) ())' \
  -e '(defmethod speak ((a animal)) (format nil "~a makes a sound" (name a)))' \
  -e '(defmethod speak ((d dog)) (format nil "~a barks; ~a" (name d) (call-next-method)))' \
  -e '(defmethod print-object ((a animal) s) (print-unreadable-object (a s :type t) (princ (name a) s)))' \
  -e '(defparameter *rex* (make-instance (quote dog) :name "Rex"))' -e '(speak *rex*)' \
  -e '(defstruct pt x y)' -e '(defparameter *pt* (make-pt :x 1 :y 2))' >/dev/null
is "an instance persists, and its methods" "\"Rex barks; Rex makes a sound\"" r -e '(speak *rex*)'
is "print-object methods persist" "#<DOG Rex>" r -e '*rex*'
is "classes persist" "(DOG ANIMAL STANDARD-OBJECT T)" r \
   -e '(mapcar (function class-name) (lispos-internal::%class-precedence-list (find-class (quote dog))))'
is "structures persist and print" "#S(PT :X 1 :Y 2)" r -e '*pt*'
is "new methods after a restart" "\"Rex wags\"" last \
   -e '(defmethod speak :around ((d dog)) (format nil "~a wags" (name d)))' -e '(speak *rex*)'
r -e '(gc)' >/dev/null
is "dispatch still right after a collection moved the classes" "(\"Rex wags\" \"Tom makes a sound\")" last \
   -e '(gc)' -e '(list (speak *rex*) (speak (make-instance (quote animal) :name "Tom")))'
is "redefining a persisted class updates the persisted instance" "(\"Rex\" 4)" last \
   -e '(defclass animal () ((name :initarg :name :reader name) (legs :initform 4 :reader legs)))' \
   -e '(list (name *rex*) (legs *rex*))'
is "and the update itself persists" "4" r -e '(slot-value *rex* (quote legs))'

# -- users' environments: classes are the user's own, system classes stay
u() { "$bin" --store "$store" --size 256M --user "$@"; }
ulast() { "$bin" --store "$store" --size 256M --user "$@" | tail -1; }
is "a user's class, instance and methods" "(3 \"<ACCT 3>\")" ulast alice \
   -e '(defclass acct () ((bal :initarg :bal :accessor bal)))' \
   -e '(defmethod print-object ((a acct) s) (format s "<ACCT ~a>" (bal a)))' \
   -e '(defparameter *a* (make-instance (quote acct) :bal 3))' \
   -e '(list (bal *a*) (prin1-to-string *a*))'
is "persist in that user's environment" "<ACCT 3>" u alice -e '*a*'
is "and are not another user's" "NIL" u bob -e '(find-class (quote acct) nil)'
is "a user cannot redefine a system class" \
   "ERROR: ENVIRONMENT-ERROR: DEFINE: STANDARD-OBJECT belongs to the system environment; it cannot be changed from the environment of bob" \
   u bob -e '(defclass standard-object () ((x)))'
is "nor a built-in one with defstruct" '"ENVIRONMENT-ERROR"' u bob \
   -e '(handler-case (defstruct (number) a) (error (c) (symbol-name (type-of c))))'
is "nor unbind one" '"ENVIRONMENT-ERROR"' u bob \
   -e "(handler-case (setf (find-class 'integer) nil) (error (c) (symbol-name (type-of c))))"
is "system classes are unharmed" "(FIXNUM STANDARD-OBJECT)" r \
   -e "(list (class-name (class-of 1)) (class-name (find-class 'standard-object)))"
is "a user's condition type has a class" "(MY-ERR T)" ulast bob \
   -e '(define-condition my-err (error) ())' \
   -e "(list (class-name (class-of (make-condition 'my-err))) (subtypep 'my-err 'error))"

# -- errors in print-object are reported, not crashes
is "an error in print-object is an error of the evaluation" "ERROR: SIMPLE-ERROR: cannot print" last \
   -e '(defclass bad () ())' -e '(defmethod print-object ((b bad) s) (error "cannot print"))' \
   -e '(make-instance (quote bad))'
echo "1..$n"
