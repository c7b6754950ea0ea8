;;;; Capabilities (lisp/access.c, docs/lisp.md "Capabilities"): what an
;;;; ACCESS-DENIED condition says.  C code signals it with the initargs
;;;; :datum (the value, as restricted as the program held it), :operation
;;;; (the operation's name, a string such as "(SETF AREF)") and :access
;;;; (the bit missing: :read, :write, :call or :user).

(defun access-denied-datum (c) (getf (%condition-data c) :datum))
(defun access-denied-operation (c) (getf (%condition-data c) :operation))
(defun access-denied-access (c) (getf (%condition-data c) :access))
