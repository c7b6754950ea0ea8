;;;; 99-upgrade-test.lisp, variant b -- extra system code for the two-build
;;;; upgrade test (tests/integration/upgrade_two_builds.t): appended to the
;;;; boot files of build/upgrade/b/lispos-repl only.  Against variant a
;;;; (../a/): CHANGED and AREA's method return :V2, REMOVED is gone, ADDED
;;;; is defined, SHAPE has a new slot Y (initform 42), TWICE expands
;;;; differently, *MODE* is :B, and FRESH is a new export (a name Bob's
;;;; package already holds a symbol of).
(defpackage :upgrade-test (:use :cl)
  (:export #:changed #:removed #:added #:shape #:shape-x #:shape-y #:twice
           #:area #:base-point #:make-base-point #:base-point-px #:*counter*
           #:*mode* #:oops #:oops-why #:fresh))
(defun upgrade-test::changed (x) (list :v2 x))
(defun upgrade-test::fresh () :system)
(defun upgrade-test::added () :added)
(defclass upgrade-test::shape ()
  ((upgrade-test::x :initarg :x :accessor upgrade-test::shape-x)
   (upgrade-test::y :initarg :y :initform 42
                    :accessor upgrade-test::shape-y)))
(defgeneric upgrade-test::area (s))
(%make-extensible 'upgrade-test::area)      ; users add methods to it
(defmethod upgrade-test::area ((s upgrade-test::shape))
  (list :v2 (upgrade-test::shape-x s)))
(in-package :upgrade-test)             ; the accessors' names are made here
(defstruct base-point (px 0))
(in-package :lispos-internal)
(defvar upgrade-test::*counter* 0)
(defparameter upgrade-test::*mode* :b)
(define-condition upgrade-test::oops (error)
  ((upgrade-test::why :initarg :why :reader upgrade-test::oops-why)))
(defmacro upgrade-test::twice (form) `(list ,form ,form))
