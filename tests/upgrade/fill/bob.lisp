;;; Bob's part of a release fixture (tests/upgrade/): his own
;;; definitions under the same names as Alice's, a closure over his
;;; data, a PRINT-OBJECT method of his own, what he puts in the
;;; mailbox, and a per-user default (*PRINT-BASE* 16, set last).
(defvar *fixnum* -1000000)
(defvar *list* (list :bob (make-string 3 :initial-element #\b)))
(defvar *names* (make-hash-table :test 'equal))
(setf (gethash "alice" *names*) 1 (gethash "bob" *names*) 2)
(defun greet (name) (format nil "hi ~a, from bob" name))
(defvar *adder* (let ((k 100)) (lambda (x) (+ x k))))
(defvar *calls-motd* (lambda () (length fixture:*motd*)))
(defclass account () ((balance :initarg :balance :accessor balance)))
(defvar *account* (make-instance 'account :balance 5/2))
(defmethod print-object ((a account) s)
  (format s "<account ~a>" (balance a)))
(defvar *sum*
  (let ((s 0))
    (maphash (lambda (k v) (declare (ignore k)) (incf s v)) *names*)
    s))
(setf (gethash "bob" fixture:*mailbox*) (list 1 2 3))
;; The object store (from 0.3.0): a folder of his own, a stored
;; directory of what he could read then (Alice's album).
(store-put (store-query t) :name "bob's folder")
(setq *print-base* 16)
