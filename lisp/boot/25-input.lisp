;;;; 25-input.lisp -- standard input, WITH-INPUT-FROM-STRING,
;;;; WITH-OPEN-FILE and LOAD.
;;;;
;;;; Input streams and READ are C (lisp/input.c): a stream's text is read
;;;; by the reader itself.  *STANDARD-INPUT* holds a console input stream,
;;;; which is always at its end for now (the host reads the forms it
;;;; evaluates itself); *TERMINAL-IO* is the console both ways
;;;; (20-output.lisp).  There are no pathname objects yet: a pathname is
;;;; a string naming a host file, which OPEN reads whole.

(defvar *standard-input* (%console-stream ':input))
(defvar *query-io* *terminal-io*)
(defvar *debug-io* *terminal-io*)

(defvar *load-verbose* nil)
(defvar *load-print* nil)
(defvar *load-pathname* nil)
(defvar *load-truename* nil)

(defun file-error-pathname (condition)
  (getf (%condition-data condition) :pathname))

;;; (with-input-from-string (var string &key index start end) body...):
;;; body with VAR reading STRING[start..end); INDEX, a place, gets the
;;; index of the first character not read when body returns normally.
(defmacro with-input-from-string ((var string &key index (start 0) end)
                                  &body body)
  (let ((split (%split-body body)))
    `(let ((,var (make-string-input-stream ,string ,start ,end)))
       ,@(car split)
       ,(if index
            `(multiple-value-prog1 (progn ,@(cdr split))
               (,(if (symbolp index) 'setq 'setf) ,index
                (%string-input-stream-index ,var)))
            `(progn ,@(cdr split))))))

;;; (with-open-file (var filespec options...) body...): body with VAR the
;;; stream OPEN gives (or NIL), closed however body is left.
(defmacro with-open-file ((var filespec &rest options) &body body)
  (let ((split (%split-body body)))
    `(let ((,var (open ,filespec ,@options)))
       ,@(car split)
       (unwind-protect (progn ,@(cdr split))
         (if ,var (close ,var))))))

;;; LOAD: every form of a stream (or of the host file a string names) read
;;; and evaluated in order, with *PACKAGE* rebound to itself so that an
;;; IN-PACKAGE in the file ends with it.  :print shows each form's values
;;; as SBCL does (";; 3" -- ";; 1, 2" for several).  Errors are signalled
;;; as they happen; what was done before them stays done.  There is no
;;; CONTINUE restart (no restarts yet).
;;; A form of the stream, or eof at its end.  As in SBCL, an error while
;;; reading (not evaluating) is a READER-ERROR saying where the form
;;; starts; the stream is then at its end.
(defun %load-read (stream eof pathname)
  (let ((offset (%input-offset stream)))
    (handler-case (read stream nil eof)
      (error (c)
        (multiple-value-bind (line column) (%input-line-column stream offset)
          (error 'reader-error :stream stream
                 :format-control "READ error during LOAD: ~a (the form at line ~d, column ~d of ~s)"
                 :format-arguments (list (%condition-message c) line column
                                         (or pathname stream))))))))

(defun %load-stream (stream verbose print pathname)
  (let ((*package* *package*)
        (*load-pathname* pathname)
        (*load-truename* pathname)
        (eof (list 'eof)))              ; a fresh object no form can be
    (if verbose
        (if pathname
            (format t "~&;; loading #P~s~%" pathname)
            (format t "~&;; loading stuff from ~s~%" stream)))
    (do ((form (%load-read stream eof pathname)
               (%load-read stream eof pathname)))
        ((eq form eof) t)
      (if print
          (let ((values (multiple-value-list (eval form))))
            (fresh-line)
            (format t ";; ~{~s~^, ~}~%" values))
          (eval form)))))

(defun load (filespec &key (verbose *load-verbose*) (print *load-print*)
                           (if-does-not-exist t) (external-format :default))
  (if (streamp filespec)
      (%load-stream filespec verbose print nil)
      (let ((stream (open filespec :if-does-not-exist nil
                                   :external-format external-format)))
        (cond (stream
               (unwind-protect (%load-stream stream verbose print filespec)
                 (close stream)))
              (if-does-not-exist
               (error 'file-error :pathname filespec
                      :format-control "LOAD: the file ~s does not exist"
                      :format-arguments (list filespec)))
              (t nil)))))
