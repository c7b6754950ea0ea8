;;;; 56-readtables.lisp -- readtables: *READTABLE*, READTABLEP,
;;;; COPY-READTABLE, READTABLE-CASE, SET-DISPATCH-MACRO-CHARACTER and
;;;; GET-DISPATCH-MACRO-CHARACTER.
;;;;
;;;; The reader's syntax is C (lisp/reader.c) and fixed, but for one
;;;; thing: a sub-character of # that the reader does not build in (#@,
;;;; #!, ...) is a readtable's.  A readtable maps such sub-characters to
;;;; dispatch functions, called as in Common Lisp with the stream, the
;;;; sub-character and the decimal argument (or NIL); what the function
;;;; returns is the object read.  The reader finds the readtable in
;;;; *READTABLE* and reads its first slot, an alist (character .
;;;; function designator), by position.  A function's name is kept as
;;;; given, so a readtable copied before an upgrade calls the new
;;;; definition.
;;;;
;;;; *READTABLE* is a per-user default (90-environments.lisp): every
;;;; user reads with the standard readtable, the system's, until they
;;;; set theirs to one of their own -- (setf *readtable*
;;;; (copy-readtable)) -- which they may change.  The standard one is the
;;;; system's: the boot code sets its dispatch functions (the store's #@,
;;;; store/boot/72-dates.lisp), and a user cannot change it.

(defstruct (readtable (:constructor %make-readtable (&optional dispatch))
                      (:predicate readtablep)
                      (:copier nil))
  ;; ((sub-character . function designator) ...), sub-characters upcased
  (dispatch nil))

;; Kept by an upgrade (DEFVAR): the users whose *READTABLE* is the
;; standard readtable see what the new boot code sets in it.
(defvar *%standard-readtable* (%make-readtable))
(defvar *readtable* *%standard-readtable*)

(defmethod print-object ((rt readtable) stream)
  (format stream "#<READTABLE~:[~; standard~]>"
          (eq rt *%standard-readtable*)))

(defun %check-readtable (x)
  (unless (readtablep x)
    (error 'type-error :datum x :expected-type 'readtable))
  x)

;; The sub-characters the reader builds in, which no readtable changes.
(defparameter *%built-in-dispatch* "\\('|:bBoOxXrR0123456789")

(defun %check-dispatch-chars (disp-char sub-char)
  (unless (characterp disp-char)
    (error 'type-error :datum disp-char :expected-type 'character))
  (unless (characterp sub-char)
    (error 'type-error :datum sub-char :expected-type 'character))
  (unless (eql disp-char #\#)
    (error "~s is not a dispatching macro character: only # is" disp-char))
  (when (find sub-char *%built-in-dispatch*)
    (error "#~c is built into the reader: no readtable changes it" sub-char))
  (char-upcase sub-char))

(defun copy-readtable (&optional (from-readtable *readtable*) to-readtable)
  "A copy of FROM-READTABLE (NIL: the standard readtable), fresh or made
into TO-READTABLE.  The copy is the caller's to change."
  (let ((from (if from-readtable
                  (%check-readtable from-readtable)
                  *%standard-readtable*)))
    (if to-readtable
        (progn (setf (readtable-dispatch (%check-readtable to-readtable))
                     (copy-alist (readtable-dispatch from)))
               to-readtable)
        (%make-readtable (copy-alist (readtable-dispatch from))))))

(defun readtable-case (readtable)
  "Always :UPCASE: the reader's case is fixed."
  (%check-readtable readtable)
  :upcase)

(defun get-dispatch-macro-character (disp-char sub-char
                                     &optional (readtable *readtable*))
  "The dispatch function of #SUB-CHAR in READTABLE (NIL: the standard
one), or NIL."
  (let ((c (%check-dispatch-chars disp-char sub-char)))
    (cdr (assoc c (readtable-dispatch
                   (if readtable
                       (%check-readtable readtable)
                       *%standard-readtable*))))))

(defun set-dispatch-macro-character (disp-char sub-char new-function
                                     &optional (readtable *readtable*))
  "Make NEW-FUNCTION (a function or its name; NIL removes it) read
#SUB-CHAR in READTABLE: it is called with the stream, SUB-CHAR and the
decimal argument written after # (or NIL), and returns the object read.
Only # dispatches, and only the sub-characters the reader does not build
in.  The standard readtable is the system's: a user changes a copy."
  (let ((c (%check-dispatch-chars disp-char sub-char)))
    (%check-readtable readtable)
    (unless (or (null new-function) (functionp new-function)
                (symbolp new-function))
      (error 'type-error :datum new-function
                         :expected-type '(or function symbol)))
    (when (and (%user-environment-p) (%system-object-p readtable))
      (error "The standard readtable is the system's: set *READTABLE* to a copy of it first, (setf *readtable* (copy-readtable))"))
    (let ((others (remove c (readtable-dispatch readtable) :key #'car)))
      (setf (readtable-dispatch readtable)
            (if new-function (acons c new-function others) others)))
    t))
