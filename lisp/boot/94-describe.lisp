;;;; 94-describe.lisp -- DESCRIBE and DESCRIBE-OBJECT: what an object is,
;;;; printed for a person, in the manner of SBCL's.
;;;;
;;;; The first lines name the object and its kind:
;;;;
;;;;     COMMON-LISP-USER::FOO
;;;;       [symbol]
;;;;
;;;; then come the sections that apply.  For a symbol: its package and
;;;; status, then what it names -- a variable (its value), a function,
;;;; macro or special operator (lambda list, documentation; a generic
;;;; function's methods), a (SETF name) function or setf expansion, a
;;;; class or condition type (precedence list, superclasses, subclasses,
;;;; slots), a type, a symbol macro, a compiler macro -- and its visible
;;;; properties.  For other objects what they hold: an instance's,
;;;; structure's or condition's slots, a hash table's test, count and
;;;; entries, a vector's or string's length and element type, a
;;;; function's lambda list and documentation, a package's names and uses.
;;;;
;;;; Output is bounded whatever the object: values print with
;;;; *PRINT-LENGTH* and *PRINT-LEVEL* bound, long strings are cut, and at
;;;; most *%DESCRIBE-LIMIT* elements, slots, entries or properties of one
;;;; object are shown.  Everything a user's view decides -- bindings,
;;;; documentation, classes -- is the current environment's.
;;;;
;;;; DESCRIBE-OBJECT is a generic function users may add methods to (each
;;;; user's are their own, as for PRINT-OBJECT); DESCRIBE calls it.

(defparameter *%describe-limit* 16)           ; elements, slots, entries shown
(defparameter *%describe-string-limit* 200)   ; characters of a string shown

;;; ---- printing pieces ----

;; Print x as PRIN1 does, bounded; an error while printing is reported
;; in its place.
(defun %describe-value (x stream)
  (handler-case
      (let ((*print-length* *%describe-limit*) (*print-level* 3))
        (if (and (stringp x) (> (length x) *%describe-string-limit*))
            (progn (prin1 (subseq x 0 *%describe-string-limit*) stream)
                   (format stream " ... (~d characters)" (length x)))
            (prin1 x stream)))
    (error (e)
      (format stream "#<error printing a ~a: ~a>"
              (type-of x) (type-of e)))))

;; The text of x as %DESCRIBE-VALUE prints it.
(defun %describe-text (x)
  (with-output-to-string (s) (%describe-value x s)))

(defun %describe-indent (stream n)
  (dotimes (i n) (write-char #\Space stream)))

;; "  Key: value" on a line of its own; as-text: a string value is text
;; (a name), not a string object.
(defun %describe-field (stream indent key value &optional as-text)
  (%describe-indent stream indent)
  (write-string key stream)
  (write-string ": " stream)
  (if (and as-text (stringp value))
      (write-string value stream)
      (%describe-value value stream))
  (terpri stream))

;; Lines of text (a documentation string), each on a line of its own.
(defun %describe-lines (text stream indent)
  (let ((start 0) (lines 0))
    (loop
      (let ((end (position #\Newline text :start start)))
        (when (>= lines 100)
          (%describe-indent stream indent)
          (write-line "..." stream)
          (return))
        (%describe-indent stream indent)
        (write-line (subseq text start end) stream)
        (setq lines (1+ lines))
        (if end (setq start (1+ end)) (return))))))

(defun %describe-documentation (doc stream indent)
  (when (stringp doc)
    (%describe-indent stream indent)
    (write-line "Documentation:" stream)
    (%describe-lines doc stream (+ indent 2))))

;; A lambda list: a list (printed with the symbols of package as
;; unqualified), or a primitive's text (upper case, as SBCL shows them).
(defun %describe-lambda-list (ll package stream indent)
  (%describe-indent stream indent)
  (write-string "Lambda-list: " stream)
  (if (stringp ll)
      (write-string (string-upcase ll) stream)
      (let ((*package* (or package *package*)))
        (%describe-value ll stream)))
  (terpri stream))

;; Names separated by commas: "A, B, C" (strings as text).
(defun %describe-names (names stream)
  (let ((first t))
    (dolist (n names)
      (unless first (write-string ", " stream))
      (setq first nil)
      (if (stringp n) (write-string n stream) (%describe-value n stream)))))

(defun %describe-list-field (stream indent key names)
  (%describe-indent stream indent)
  (write-string key stream)
  (write-string ": " stream)
  (%describe-names names stream)
  (terpri stream))

;; Call fn on the first *%DESCRIBE-LIMIT* items of list, then say how
;; many were left out.
(defun %describe-bounded (list stream indent fn)
  (let ((n 0))
    (dolist (item list)
      (when (>= n *%describe-limit*)
        (%describe-indent stream indent)
        (format stream "... and ~d more~%" (- (length list) n))
        (return))
      (funcall fn item)
      (setq n (1+ n)))))

;;; ---- kinds ----

(defun %describe-kind (x)
  (cond ((null x) "null")
        ((symbolp x) "symbol")
        ((consp x) "list")
        ((stringp x) "simple-string")
        ((characterp x) "character")
        ((hash-table-p x) "hash-table")
        ((packagep x) "package")
        ((%generic-function-p x) "generic-function")
        ((functionp x)
         (if (nth-value 1 (%function-name x)) "compiled closure" "compiled function"))
        ((typep x 'condition) "condition")
        ((%instancep x)
         (let ((class (class-of x)))
           (cond ((%classp x) (string-downcase (symbol-name (%class-name class))))
                 ((eq (%class-kind class) :structure) "structure-object")
                 (t "standard-object"))))
        ((vectorp x)
         (if (equal (array-element-type x) '(unsigned-byte 8))
             "simple-byte-vector"
             "simple-vector"))
        ((streamp x) "stream")
        (t (string-downcase (prin1-to-string (type-of x))))))

;;; ---- functions ----

;; Lambda list, documentation and (for a generic function) methods of
;; function f, known as name (or nil).
(defun %describe-function-parts (f name stream indent)
  (multiple-value-bind (ll known)
      (if name (%function-name-lambda-list name) (%function-lambda-list f))
    (when known
      (%describe-lambda-list ll (%describe-name-package name) stream indent)))
  (%describe-documentation (if name
                               (%function-name-documentation name)
                               (%function-own-documentation f))
                           stream indent)
  (when (%generic-function-p f)
    (%describe-indent stream indent)
    (let ((methods (%gf-methods f)))
      (if (null methods)
          (write-line "No methods." stream)
          (progn
            (write-line "Methods:" stream)
            (%describe-bounded
             (reverse methods) stream (+ indent 2)
             (lambda (m)
               (%describe-indent stream (+ indent 2))
               (format stream "(~a~{ ~s~} ~a)~%"
                       (%describe-text (%gf-name f))
                       (%method-qualifiers m)
                       (%describe-text
                        (mapcar (lambda (s) (if (consp s) s (%class-name s)))
                                (%method-specializers m)))))))))))

;; The package a lambda list is best read from: the name's, or for the
;; system's names the package its code is read in (it uses the others).
(defun %describe-name-package (name)
  (let* ((s (if (consp name) (cadr name) name))
         (p (if (and s (symbolp s)) (symbol-package s) nil)))
    (if (member p (list (find-package "COMMON-LISP") (find-package "LISPOS")))
        (find-package "LISPOS-INTERNAL")
        p)))

;;; ---- classes ----

(defun %describe-class-parts (class stream indent)
  (let ((name (%class-object-name class)))
    (%describe-documentation (if name
                                 (%type-documentation name)
                                 (%class-documentation class))
                             stream indent))
  (let ((names (lambda (classes) (mapcar (lambda (c) (%class-name c)) classes))))
    (%describe-list-field stream indent "Class precedence-list"
                          (funcall names (%class-precedence-list class)))
    (%describe-list-field stream indent "Direct superclasses"
                          (funcall names (%class-direct-superclasses class)))
    (%describe-indent stream indent)
    (if (%class-direct-subclasses class)
        (progn (write-string "Direct subclasses: " stream)
               (%describe-names (funcall names (%class-direct-subclasses class))
                                stream)
               (terpri stream))
        (write-line "No subclasses." stream)))
  (let ((slots (%describe-direct-slots class)))
    (%describe-indent stream indent)
    (if (null slots)
        (write-line "No direct slots." stream)
        (progn
          (write-line "Direct slots:" stream)
          (%describe-bounded
           slots stream (+ indent 2)
           (lambda (s)
             (%describe-indent stream (+ indent 2))
             (write-string (%describe-slot-name (car s)) stream)
             (terpri stream)
             (when (cadr s)
               (%describe-list-field stream (+ indent 4) "Initargs" (cadr s)))
             (when (caddr s)
               (%describe-list-field stream (+ indent 4) "Readers" (caddr s)))
             (%describe-documentation (nth 3 s) stream (+ indent 4))))))))

;; ((name initargs readers documentation) ...) of a class's direct slots.
(defun %describe-direct-slots (class)
  (if (eq (%class-kind class) :condition)
      (mapcar (lambda (s) (list (car s) (cadr s) nil nil))
              (get (%class-name class) '%condition-slots))
      (mapcar (lambda (ds)
                (list (getf ds :name) (getf ds :initargs) (getf ds :readers)
                      (getf ds :documentation)))
              (%class-direct-slots class))))

;;; ---- symbols ----

(defun %describe-heading (stream control &rest arguments)
  (terpri stream)
  (apply #'format stream control arguments)
  (terpri stream))

(defun %describe-symbol (s stream)
  (let ((home (symbol-package s)))
    (%describe-indent stream 2)
    (if home
        (format stream "Package: ~a, ~(~a~)~%" (package-name home)
                (nth-value 1 (find-symbol (symbol-name s) home)))
        (write-line "Package: none (an uninterned symbol)" stream)))
  (%describe-symbol-variable s stream)
  (%describe-symbol-function s stream)
  (%describe-symbol-setf s stream)
  (%describe-symbol-class s stream)
  (%describe-symbol-type s stream)
  (%describe-symbol-plist s stream))

(defun %describe-symbol-variable (s stream)
  (let ((kind (cond ((constantp s) "a constant variable")
                    ((%special-variable-p s) "a special variable")
                    ((boundp s) "an undefined variable")
                    (t nil))))
    (when kind
      (%describe-heading stream "~s names ~a:" s kind)
      (if (boundp s)
          (%describe-field stream 2 "Value" (if (keywordp s) s (symbol-value s)))
          (write-line "  Value: unbound" stream))
      (%describe-documentation (%documentation s 'variable) stream 2)))
  (let ((expansion (%env-binding :symbol-macro s)))
    (when expansion
      (%describe-heading stream "~s names a symbol macro:" s)
      (%describe-field stream 2 "Expansion" expansion))))

(defun %describe-symbol-function (s stream)
  (cond ((special-operator-p s)
         (%describe-heading stream "~s names a special operator:" s)
         (%describe-documentation (%function-name-documentation s) stream 2))
        ((macro-function s)
         (%describe-heading stream "~s names a macro:" s)
         (%describe-function-parts (macro-function s) s stream 2))
        ((fboundp s)
         (let ((f (fdefinition s)))
           (%describe-heading stream "~s names a ~a:" s
                              (if (%generic-function-p f)
                                  "generic function"
                                  "compiled function"))
           (%describe-function-parts f s stream 2))))
  (let ((compiler-macro (%env-binding :compiler-macro s)))
    (when compiler-macro
      (%describe-heading stream "~s has a compiler macro:" s)
      (%describe-documentation (%documentation s 'compiler-macro) stream 2))))

(defun %describe-symbol-setf (s stream)
  (let ((name (list 'setf s)))
    (when (and s (fboundp name))
      (let ((f (fdefinition name)))
        (%describe-heading stream "~s names a ~a:" name
                           (if (%generic-function-p f)
                               "generic function"
                               "compiled function"))
        (%describe-function-parts f name stream 2))))
  (when (get s '%setf-expander)
    (%describe-heading stream "~s has a setf expansion." (list 'setf s))
    (%describe-documentation (%documentation s 'setf) stream 2)))

(defun %describe-symbol-class (s stream)
  (let ((class (%class-binding s)))
    (when class
      (%describe-heading stream "~s names the ~(~a~) ~a:" s
                         (symbol-name (%class-name (class-of class)))
                         (%describe-text class))
      (%describe-class-parts class stream 2)
      (let ((doc (%documentation s 'structure)))
        (when (and doc (not (equal doc (%documentation s 'type))))
          (%describe-indent stream 2)
          (write-line "Structure documentation:" stream)
          (%describe-lines doc stream 4))))))

(defun %describe-symbol-type (s stream)
  (when (%env-binding :type s)
    (%describe-heading stream "~s names a type specifier:" s)
    (%describe-documentation (%documentation s 'type) stream 2)
    (multiple-value-bind (expansion ok)
        (ignore-errors (values (%expand-deftype s) t))
      (when ok (%describe-field stream 2 "Expansion" expansion)))))

;; The properties a program put there: those under indicators of the
;; system's internal package are its own bookkeeping.
(defun %describe-symbol-plist (s stream)
  (let ((pairs nil) (internal (find-package "LISPOS-INTERNAL")))
    (do ((l (symbol-plist s) (cddr l))) ((or (atom l) (atom (cdr l))))
      (unless (and (symbolp (car l)) (eq (symbol-package (car l)) internal))
        (push (cons (car l) (cadr l)) pairs)))
    (when pairs
      (%describe-heading stream "Symbol-plist:")
      (%describe-bounded
       (nreverse pairs) stream 2
       (lambda (p)
         (%describe-indent stream 2)
         (%describe-value (car p) stream)
         (write-string " -> " stream)
         (%describe-value (cdr p) stream)
         (terpri stream))))))

;;; ---- other objects ----

;; A slot's name, as read in its own package.
(defun %describe-slot-name (name)
  (let ((*package* (or (and (symbolp name) (symbol-package name)) *package*)))
    (%describe-text name)))

;; A slot's name and value.
(defun %describe-slot-line (stream name value)
  (%describe-indent stream 2)
  (format stream "~30a = " (%describe-slot-name name))
  (if (eq value (%unbound))
      (write-string "#<unbound slot>" stream)
      (%describe-value value stream))
  (terpri stream))

(defun %describe-instance (x stream)
  (if (zerop (logand 1 (access-bits x)))
      (%describe-heading stream "Its slots are not readable (no read access).")
      (let* ((class (class-of x))
             (slots (%class-slots class)))
        (dolist (allocation '(:instance :class))
          (let ((these (remove-if-not
                        (lambda (s) (eq (%slotd-allocation s) allocation))
                        slots)))
            (when these
              (%describe-heading stream "Slots with ~s allocation:" allocation)
              (%describe-bounded
               these stream 2
               (lambda (s)
                 (let ((name (%slotd-name s)))
                   (%describe-slot-line stream name
                                        (if (slot-boundp x name)
                                            (slot-value x name)
                                            (%unbound))))))))))))

(defun %describe-condition (c stream)
  (let ((slots (car (%condition-layout (%condition-type c)))))
    (when slots
      (%describe-heading stream "Slots with :INSTANCE allocation:")
      (%describe-bounded
       slots stream 2
       (lambda (slot)
         (%describe-slot-line
          stream (car slot)
          (handler-case (%condition-slot-value c (car slot))
            (unbound-slot () (%unbound)))))))))

(defun %describe-hash-table (h stream)
  (terpri stream)
  (%describe-field stream 0 "Test" (hash-table-test h))
  (%describe-field stream 0 "Count" (hash-table-count h))
  (unless (zerop (hash-table-count h))
    (write-line "Entries:" stream)
    (let ((n 0))
      (block entries
        (maphash (lambda (k v)
                   (when (>= n *%describe-limit*)
                     (%describe-indent stream 2)
                     (format stream "... and ~d more~%" (- (hash-table-count h) n))
                     (return-from entries))
                   (setq n (1+ n))
                   (%describe-indent stream 2)
                   (%describe-value k stream)
                   (write-string " -> " stream)
                   (%describe-value v stream)
                   (terpri stream))
                 h)))))

(defun %describe-package (p stream)
  (terpri stream)
  (let ((fields (list (cons "Nicknames" (package-nicknames p))
                      (cons "Use-list" (mapcar #'package-name
                                               (package-use-list p)))
                      (cons "Used-by-list" (mapcar #'package-name
                                                   (package-used-by-list p))))))
    (dolist (f fields)
      (when (cdr f)
        (%describe-list-field stream 0 (car f) (cdr f))))))

(defun %describe-other (x stream)
  (cond ((symbolp x) (%describe-symbol x stream))
        ((%generic-function-p x)
         (terpri stream)
         (%describe-function-parts x (%function-object-name x) stream 0))
        ((functionp x)
         (terpri stream)
         (%describe-function-parts x (%function-object-name x) stream 0))
        ((typep x 'condition) (%describe-condition x stream))
        ((%classp x)
         (terpri stream)
         (%describe-class-parts x stream 0))
        ((%instancep x) (%describe-instance x stream))
        ((hash-table-p x) (%describe-hash-table x stream))
        ((packagep x) (%describe-package x stream))
        ((characterp x)
         (terpri stream)
         (%describe-field stream 0 "Char-code" (char-code x))
         (when (char-name x)
           (%describe-field stream 0 "Char-name" (char-name x) t)))
        ((consp x)
         (let ((n (ignore-errors (list-length x))))
           (cond (n (terpri stream) (%describe-field stream 0 "Length" n))
                 ((null (ignore-errors (length x)))
                  (%describe-heading stream "A dotted or circular list.")))))
        ((vectorp x)
         (terpri stream)
         (%describe-field stream 0 "Element-type" (array-element-type x))
         (%describe-field stream 0 "Length" (length x)))))

;;; ---- DESCRIBE ----

(defgeneric describe-object (object stream))
(defmethod describe-object ((object t) stream)
  (if (symbolp object)
      (let ((*package* (find-package "KEYWORD")))   ; with its package
        (%describe-value object stream))
      (%describe-value object stream))
  (terpri stream)
  (format stream "  [~a]~%" (%describe-kind object))
  (handler-case (%describe-other object stream)
    (access-denied ()
      (format stream "~&Its contents are not readable (no read access).~%"))))

(defun describe (object &optional stream)
  (let ((stream (if (or (null stream) (eq stream t)) *standard-output* stream)))
    (fresh-line stream)
    (funcall (%user-gf 'describe-object) object stream)
    (values)))

(%make-extensible 'describe-object)
