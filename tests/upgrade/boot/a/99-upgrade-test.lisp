;;;; 99-upgrade-test.lisp, variant a -- extra system code for the two-build
;;;; upgrade test (docs/upgrade-design.md section 3): appended to the boot
;;;; files of build/upgrade/a/lispos-repl only.  Variant b (../b/) changes
;;;; CHANGED, removes REMOVED, adds ADDED, gives SHAPE a slot Y and
;;;; changes the macro TWICE.
(defpackage :upgrade-test (:use :cl)
  (:export #:changed #:removed #:shape #:shape-x #:twice))
(defun upgrade-test::changed (x) (list :v1 x))
(defun upgrade-test::removed () :removed)
(defclass upgrade-test::shape ()
  ((upgrade-test::x :initarg :x :accessor upgrade-test::shape-x)))
(defmacro upgrade-test::twice (form) `(progn ,form ,form))
