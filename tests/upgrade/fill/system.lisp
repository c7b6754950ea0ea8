;;; The administrator's part of a release fixture (tests/upgrade/):
;;; run in the system environment, before the users'.  What the
;;; system environment holds besides the boot code: a package every
;;; user sees, a system DEFVAR, a shared mailbox, a class, a function.
(defpackage :fixture (:use :cl)
  (:export #:*motd* #:*mailbox* #:shape #:make-shape #:shape-x #:area
           #:site-name))
(in-package :fixture)
(defvar *motd* "welcome to the fixture")
(defvar *mailbox* (lispos:share-writable (make-hash-table :test 'equal)))
(defclass shape () ((x :initarg :x :accessor shape-x)))
(defun make-shape (x) (make-instance 'shape :x x))
(defgeneric area (s))
(defmethod area ((s shape)) (* (shape-x s) (shape-x s)))
(defun site-name () (string-upcase "lispos"))
(in-package :cl-user)
;;; The object store (from 0.3.0): a group, a value added to the
;;; administrator's set, an ordered index, an entry only the
;;; administrator sees.
(make-group "staff")
(group-add-member "staff" "bob")
(value-set-add :category :podcast)
(store-create-index :year :kind :ordered)
(store-put "admin's note" :name "note" :category :note)
