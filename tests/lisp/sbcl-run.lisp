;;;; sbcl-run.lisp -- the oracle side of the differential test.
;;;;
;;;;   sbcl --script tests/lisp/sbcl-run.lisp CORPUS
;;;;
;;;; Reads the forms of CORPUS in order and evaluates each in one
;;;; environment (so definitions carry over), printing one line per form:
;;;; its primary value with PRIN1, or ERROR when it signals an error.
;;;; lispos-repl does the same with the corpus on its standard input.
;;;; Every float in LispOS is a double: SBCL reads and prints floats as
;;;; doubles too (1.5, not 1.5d0).
(setf *print-pretty* nil)
(setf *read-default-float-format* 'double-float)
(let ((file (second sb-ext:*posix-argv*)))
  (with-open-file (in file)
    (loop for form = (read in nil :eof)
          until (eq form :eof)
          do (handler-case
                 (let ((value (eval form)))
                   (prin1 value)
                   (terpri))
               (error ()
                 (write-line "ERROR"))))))
