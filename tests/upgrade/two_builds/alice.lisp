;;; Alice's part of the two-build upgrade test (upgrade_two_builds.t),
;;; run by variant A: her code and data on the system code of
;;; tests/upgrade/boot/a, which variant B replaces.
(defvar *kept* (list 1 "two" :three))
(defun calls-changed (x) (upgrade-test:changed x))
(defun calls-removed () (upgrade-test:removed))
(defun calls-added () (upgrade-test:added))      ; nobody defines it in A
(defvar *removed-fn* #'upgrade-test:removed)
(defun old-twice () (upgrade-test:twice 1))     ; A's expansion: 1
(defvar *adder* (let ((n 10)) (lambda (x) (+ x n))))
(defvar *shape* (make-instance 'upgrade-test:shape :x 7))
(defclass circle (upgrade-test:shape) ((r :initarg :r :accessor circle-r)))
(defvar *circle* (make-instance 'circle :x 1 :r 5))
(defmethod upgrade-test:area ((c circle))
  (list :circle (circle-r c) (call-next-method)))
(defgeneric size (x))
(defmethod size ((x upgrade-test:shape)) (list :shape (upgrade-test:shape-x x)))
(defmethod size ((x circle)) (list :circle (call-next-method)))
(defmethod size ((x string)) (list :gone (upgrade-test:removed)))  ; B removes it
(defmethod print-object ((c circle) stream)
  (format stream "#<circle ~a>" (circle-r c)))
(defstruct (pt3 (:include upgrade-test:base-point)) z)
(defvar *pt* (make-pt3 :px 1 :z 3))
(define-condition my-oops (upgrade-test:oops) ())
(defvar *eq* (make-hash-table :test 'eq))
(defvar *eql* (make-hash-table))
(defvar *equal* (make-hash-table :test 'equal))
(setf (gethash 'sym *eq*) :by-symbol (gethash *circle* *eq*) :by-object
      (gethash 1.5d0 *eql*) :by-float (gethash (expt 2 80) *eql*) :by-bignum
      (gethash "key" *equal*) :by-string (gethash (list 1 "x") *equal*) :by-list)
(defpackage :alice-pkg (:use :cl) (:export #:f))
(defun alice-pkg:f () :alice-f)
(defvar *read-only* (restrict (vector 10 20 30) 1))
