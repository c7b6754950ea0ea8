;;; Alice's part of a release fixture (tests/upgrade/): numbers,
;;; strings, conses, vectors, hash tables, functions, closures, CLOS
;;; (methods on her classes, the system's and the administrator's), a
;;; structure, a package, a restricted reference, and a closure put in
;;; the administrator's mailbox for Bob.
(defvar *fixnum* 42)
(defvar *negative* -7)
(defvar *bignum* (expt 2 100))
(defvar *ratio* 22/7)
(defvar *float* 2.5d0)
(defvar *string* "héllo, wörld")
(defvar *list* (list 1 :two "three" 'four (list 5.5d0 6)))
(defvar *dotted* (cons 'a 'b))
(defvar *vector* (vector 1 "two" :three))
(defvar *bytes* (make-array 4 :element-type '(unsigned-byte 8)
                              :initial-contents '(1 2 254 255)))
(defvar *eq-table* (make-hash-table :test 'eq))
(setf (gethash :apple *eq-table*) 1 (gethash 'pear *eq-table*) 2)
(defvar *eql-table* (make-hash-table))
(setf (gethash 1 *eql-table*) "one" (gethash (expt 2 70) *eql-table*) "big"
      (gethash 1.5d0 *eql-table*) "float")
(defvar *equal-table* (make-hash-table :test 'equal))
(setf (gethash "key" *equal-table*) :string-key
      (gethash (list 1 2) *equal-table*) :list-key)
(defun greet (name) (concatenate 'string "hello, " (string-upcase name)))
(defun make-counter ()
  (let ((n 0)) (lambda () (incf n))))
(defvar *counter* (make-counter))
(funcall *counter*)
(funcall *counter*)
(defclass animal () ((name :initarg :name :reader animal-name)
                     (legs :initarg :legs :initform 4 :accessor legs)))
(defclass bird (animal) () (:default-initargs :legs 2))
(defvar *rex* (make-instance 'animal :name "rex"))
(defvar *tweety* (make-instance 'bird :name "tweety"))
(defgeneric describe-it (x))
(defmethod describe-it ((x animal)) (list :animal (animal-name x) (legs x)))
(defmethod describe-it ((x bird)) (cons :bird (call-next-method)))
(defmethod describe-it ((x string)) (list :string (length x)))
(defmethod describe-it ((x integer)) (list :integer x))
(defmethod describe-it ((x fixture:shape)) (list :shape (fixture:area x)))
(defvar *square* (fixture:make-shape 3))
(defstruct point x (y 0))
(defvar *point* (make-point :x 1 :y "two"))
(defpackage :alice-stuff (:use :cl) (:export #:secret))
(defvar alice-stuff:secret 'alice-stuff::hidden)
(defvar *read-only* (restrict (vector 10 20 30) 1))
(setf (gethash "alice" fixture:*mailbox*) (lambda () (greet "bob")))
;; The object store (from 0.3.0): an entry shared with Bob and a group,
;; changed once (its history), a private one with a repeated key, and a
;; value of her own in her set for :genre.
(defvar *album* (store-put (vector 1 2 3) :category :music :name "Goldberg"
                           :composer "Bach" :composer "Gould" :year 1981
                           :acl (list (list "bob" 1)
                                      (list (list :group "staff") 1))))
(setf (entry-attribute *album* :year) 1955)
(value-set-add :genre :baroque)
(store-put "draft" :category :article :name "Lisp OS" :genre :baroque
           :language :english :language :lisp :year 2013)
