;;;; 99-upgrade-test.lisp, variant b -- extra system code for the two-build
;;;; upgrade test (docs/upgrade-design.md section 3): appended to the boot
;;;; files of build/upgrade/b/lispos-repl only.  Against variant a (../a/):
;;;; CHANGED returns :V2, REMOVED is gone, ADDED is new, SHAPE has a new
;;;; slot Y (initform 42) and TWICE expands differently.
(defpackage :upgrade-test (:use :cl)
  (:export #:changed #:added #:shape #:shape-x #:shape-y #:twice))
(defun upgrade-test::changed (x) (list :v2 x))
(defun upgrade-test::added () :added)
(defclass upgrade-test::shape ()
  ((upgrade-test::x :initarg :x :accessor upgrade-test::shape-x)
   (upgrade-test::y :initarg :y :initform 42
                    :accessor upgrade-test::shape-y)))
(defmacro upgrade-test::twice (form) `(list ,form ,form))
