;;;; 99-upgrade-test.lisp, variant a -- extra system code for the two-build
;;;; upgrade test (tests/integration/upgrade_two_builds.t): appended to the
;;;; boot files of build/upgrade/a/lispos-repl only.  Variant b (../b/)
;;;; changes CHANGED and the method of AREA, removes REMOVED, defines
;;;; ADDED (named here, never defined), gives SHAPE a slot Y, changes the
;;;; macro TWICE and the DEFPARAMETER *MODE*.
(defpackage :upgrade-test (:use :cl)
  (:export #:changed #:removed #:added #:shape #:shape-x #:twice #:area
           #:base-point #:make-base-point #:base-point-px #:*counter*
           #:*mode* #:oops #:oops-why))
(defun upgrade-test::changed (x) (list :v1 x))
(defun upgrade-test::removed () :removed)
(defclass upgrade-test::shape ()
  ((upgrade-test::x :initarg :x :accessor upgrade-test::shape-x)))
(defgeneric upgrade-test::area (s))
(%make-extensible 'upgrade-test::area)      ; users add methods to it
(defmethod upgrade-test::area ((s upgrade-test::shape))
  (list :v1 (upgrade-test::shape-x s)))
(in-package :upgrade-test)             ; the accessors' names are made here
(defstruct base-point (px 0))
(in-package :lispos-internal)
(defvar upgrade-test::*counter* 0)
(defparameter upgrade-test::*mode* :a)
(define-condition upgrade-test::oops (error)
  ((upgrade-test::why :initarg :why :reader upgrade-test::oops-why)))
(defmacro upgrade-test::twice (form) `(progn ,form ,form))
