;;;; sbcl-run.lisp -- the oracle side of the differential test.
;;;;
;;;;   sbcl --script tests/lisp/sbcl-run.lisp CORPUS [NAMES]
;;;;
;;;; Reads the forms of CORPUS in order and evaluates each in one
;;;; environment (so definitions carry over), printing for each what it
;;;; wrote to *STANDARD-OUTPUT* (then a fresh line), then one line: its
;;;; primary value with PRIN1, or ERROR when it signals an error --
;;;; what lispos-repl prints with the corpus on its standard input.
;;;; NAMES, when given, gets one line per line printed: the form (short),
;;;; for the test names.  Every float in LispOS is a double: SBCL reads
;;;; and prints floats as doubles too (1.5, not 1.5d0).
(setf *print-pretty* nil)
(setf *read-default-float-format* 'double-float)

(defun form-name (form)               ; on one line
  (let ((*print-length* 8) (*print-level* 4))
    (substitute #\Space #\Newline (prin1-to-string form))))

(defun count-lines (text)
  (+ (count #\Newline text)
     (if (and (plusp (length text))
              (char/= (char text (1- (length text))) #\Newline))
         1 0)))

(let ((file (second sb-ext:*posix-argv*))
      (names (if (third sb-ext:*posix-argv*)
                 (open (third sb-ext:*posix-argv*) :direction :output
                       :if-exists :supersede)
                 (make-broadcast-stream))))
  (with-open-file (in file)
    (loop for form = (read in nil :eof)
          until (eq form :eof)
          do (let* ((value nil)
                    (failed nil)
                    (output (with-output-to-string (*standard-output*)
                              (handler-case (setf value (eval form))
                                (error () (setf failed t))))))
               (write-string output)
               (fresh-line)
               (dotimes (i (count-lines output))
                 (format names "~A (its output)~%" (form-name form)))
               ;; A value's text may span lines (a string with newlines).
               (let ((text (if failed "ERROR" (prin1-to-string value))))
                 (write-line text)
                 (dotimes (i (count-lines text))
                   (write-line (form-name form) names))))))
  (close names))
