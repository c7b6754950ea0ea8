;;;; corpus-condition-slots.lisp -- the differential corpus: the standard
;;;; slots of the conditions built-ins signal.  Each form catches one error
;;;; and returns what the condition's readers give: CELL-ERROR-NAME of
;;;; UNDEFINED-FUNCTION and UNBOUND-VARIABLE, UNBOUND-SLOT-INSTANCE,
;;;; ARITHMETIC-ERROR-OPERATION and -OPERANDS, FILE-ERROR-PATHNAME,
;;;; PACKAGE-ERROR-PACKAGE, STREAM-ERROR-STREAM.  Each form is evaluated in
;;;; order by SBCL and by LispOS (lisp_sbcl.t); printed values must match
;;;; line for line.  Kept out: what SBCL answers by its implementation
;;;; (FLOOR's operation is /; a constant form's operands are folded), the
;;;; condition subtypes SBCL signals (PACKAGE-DOES-NOT-EXIST, ...) and
;;;; pathname objects (LispOS has none: a pathname is its namestring).

;;; cell-error-name
(handler-case (no-such-function-1 1 2) (undefined-function (e) (cell-error-name e)))
(handler-case (funcall 'no-such-function-2) (undefined-function (e) (cell-error-name e)))
(handler-case (apply 'no-such-function-3 '(1)) (undefined-function (e) (cell-error-name e)))
(handler-case (mapcar 'no-such-function-4 '(1 2)) (undefined-function (e) (cell-error-name e)))
(handler-case (symbol-function 'no-such-function-5) (undefined-function (e) (cell-error-name e)))
(handler-case (fdefinition 'no-such-function-6) (undefined-function (e) (cell-error-name e)))
(handler-case (fdefinition '(setf no-such-function-7)) (undefined-function (e) (cell-error-name e)))
(handler-case (funcall #'(setf no-such-function-8) 1 2) (undefined-function (e) (cell-error-name e)))
(handler-case (funcall (intern "NO-SUCH-FUNCTION-9")) (undefined-function (e) (cell-error-name e)))
(handler-case (no-such-function-10) (cell-error (e) (list (type-of e) (cell-error-name e))))
(handler-case (symbol-value 'no-such-variable-1) (unbound-variable (e) (cell-error-name e)))
(handler-case (eval 'no-such-variable-2) (unbound-variable (e) (cell-error-name e)))
(handler-case (symbol-value (intern "NO-SUCH-VARIABLE-3")) (cell-error (e) (list (type-of e) (cell-error-name e))))
(defvar *slots-declared-unbound*)
(handler-case (symbol-value '*slots-declared-unbound*) (unbound-variable (e) (cell-error-name e)))
(handler-case (error 'undefined-function :name 'made-by-hand) (cell-error (e) (cell-error-name e)))

;;; unbound-slot
(defclass slots-point () ((x :initarg :x) (y)))
(handler-case (slot-value (make-instance 'slots-point :x 1) 'y) (unbound-slot (e) (list (cell-error-name e) (type-of (unbound-slot-instance e)))))
(let ((p (make-instance 'slots-point :x 1))) (handler-case (slot-value p 'y) (unbound-slot (e) (eq (unbound-slot-instance e) p))))

;;; arithmetic-error-operation and -operands
(handler-case (/ 1 0) (division-by-zero (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (/ 0) (division-by-zero (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((x 0)) (/ 7 x)) (division-by-zero (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((x (- 1 1))) (/ 7 x)) (arithmetic-error (e) (list (type-of e) (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((z 0)) (expt z -1)) (division-by-zero (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((x 1d300)) (* x x)) (floating-point-overflow (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((x 1d308)) (+ x x)) (floating-point-overflow (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((x -1d308)) (- x 1d308)) (arithmetic-error (e) (list (type-of e) (arithmetic-error-operation e) (arithmetic-error-operands e))))
(handler-case (let ((n (expt 10 400))) (float n 1d0)) (floating-point-overflow (e) (arithmetic-error-operation e)))
(handler-case (error 'division-by-zero :operation 'foo :operands '(1 2)) (arithmetic-error (e) (list (arithmetic-error-operation e) (arithmetic-error-operands e))))

;;; file-error-pathname
(handler-case (open "/nonexistent-lispos-dir/x") (file-error (e) (let ((p (file-error-pathname e))) (if (stringp p) p (namestring p)))))
(handler-case (with-open-file (s "/nonexistent-lispos-dir/y") (read-line s)) (file-error (e) (let ((p (file-error-pathname e))) (if (stringp p) p (namestring p)))))

;;; package-error-package (a package, or the name given)
(handler-case (find-symbol "X" "NO-SUCH-PACKAGE-1") (package-error (e) (package-error-package e)))
(handler-case (intern "X" "NO-SUCH-PACKAGE-2") (package-error (e) (package-error-package e)))
(handler-case (use-package "NO-SUCH-PACKAGE-3") (package-error (e) (package-error-package e)))
(handler-case (export 'car "NO-SUCH-PACKAGE-4") (package-error (e) (package-error-package e)))
(handler-case (make-package "COMMON-LISP-USER") (package-error (e) (package-error-package e)))
(defpackage :slots-p1 (:use))
(defpackage :slots-p2 (:use))
(progn (intern "CLASH" :slots-p1) (export (intern "CLASH" :slots-p2) :slots-p2) t)
(handler-case (use-package :slots-p2 :slots-p1) (package-error (e) (package-name (package-error-package e))))
(handler-case (export (intern "NOT-HERE" :slots-p2) :slots-p1) (package-error (e) (package-name (package-error-package e))))
(handler-case (unexport 'car :slots-p1) (package-error (e) (package-name (package-error-package e))))
(handler-case (rename-package "SLOTS-P1" "SLOTS-P2") (package-error (e) (package-error-package e)))

;;; stream-error-stream
(let ((s (make-string-input-stream ""))) (handler-case (read-char s) (end-of-file (e) (eq (stream-error-stream e) s))))
(let ((s (make-string-input-stream ""))) (handler-case (read-line s) (end-of-file (e) (eq (stream-error-stream e) s))))
(let ((s (make-string-input-stream ""))) (handler-case (read s) (end-of-file (e) (eq (stream-error-stream e) s))))
(let ((s (make-string-input-stream "  "))) (handler-case (peek-char t s) (end-of-file (e) (eq (stream-error-stream e) s))))
(handler-case (read-from-string "") (end-of-file (e) (streamp (stream-error-stream e))))
(handler-case (with-input-from-string (s "") (read-char s)) (stream-error (e) (list (type-of e) (streamp (stream-error-stream e)))))
(let ((s (make-string-input-stream "abc"))) (close s) (handler-case (read-char s) (stream-error (e) (eq (stream-error-stream e) s))))
