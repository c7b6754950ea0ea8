;;;; 20-output.lisp -- standard output, the printer's variables, and
;;;; WITH-OUTPUT-TO-STRING.
;;;;
;;;; *STANDARD-OUTPUT* holds the console stream: what is written to it
;;;; goes to the writing thread's output, which the host shows before
;;;; the value (lisp/streams.h).  The printer reads *PRINT-ESCAPE*
;;;; *PRINT-BASE* *PRINT-RADIX* *PRINT-CASE*; the others are here so WRITE
;;;; and programs can bind them.

(defvar *standard-output* (%console-stream))
(defvar *terminal-io* (%console-stream ':io))   ; both ways (25-input.lisp)
(defvar *error-output* *standard-output*)
(defvar *trace-output* *standard-output*)

(defvar *print-escape* t)
(defvar *print-base* 10)
(defvar *print-radix* nil)
(defvar *print-case* ':upcase)
(defvar *print-readably* nil)
(defvar *print-pretty* nil)
(defvar *print-level* nil)
(defvar *print-length* nil)
(defvar *print-circle* nil)
(defvar *print-array* t)
(defvar *print-gensym* t)
(defvar *print-lines* nil)
(defvar *print-right-margin* nil)
(defvar *print-miser-width* nil)
(defvar *print-pprint-dispatch* nil)

;;; (with-output-to-string (var) body...): body's output to VAR as a
;;; string.  The optional string to write into (with a fill pointer) is
;;; not supported; :element-type is accepted and ignored.
(defmacro with-output-to-string (spec &body body)
  (let ((var (car spec))
        (options (cdr spec)))
    (if (and options (car options))
        (error "WITH-OUTPUT-TO-STRING: writing into a given string is not supported"))
    `(let ((,var (make-string-output-stream)))
       ,@body
       (get-output-stream-string ,var))))
