;;;; 20-conditions.lisp -- conditions, the basic part: the standard types,
;;;; MAKE-CONDITION, SIGNAL, ERROR, WARN, HANDLER-BIND, HANDLER-CASE,
;;;; IGNORE-ERRORS, ASSERT, CHECK-TYPE.
;;;;
;;;; A condition is a heap object with a type (a symbol), a message and a
;;;; property list of its initargs (C: lisp/control.c).  Errors signalled
;;;; by C code are conditions too: lo_error makes one and raises it, which
;;;; calls %SIGNAL below when handlers are in force.  Handlers live in
;;;; *%HANDLERS*, a list of clusters (one per HANDLER-BIND, innermost
;;;; first), each a list of (type . function); a handler runs with only the
;;;; clusters outside its own in force.  A handler declines by returning;
;;;; HANDLER-CASE's handlers never return: they GO out of the handler-case.
;;;; When no handler takes an error, it goes to the evaluation entry point
;;;; (after the cleanups on the way have run), which reports it.

(defvar *%handlers* nil)

;; The type hierarchy: each type's parents, on its property list.
(defun %define-condition-type (name parents)
  (%put name '%condition-type t)
  (%put name '%condition-parents parents)
  name)

(%define-condition-type 'condition nil)
(%define-condition-type 'serious-condition '(condition))
(%define-condition-type 'error '(serious-condition))
(%define-condition-type 'warning '(condition))
(%define-condition-type 'style-warning '(warning))
(%define-condition-type 'simple-condition '(condition))
(%define-condition-type 'simple-error '(simple-condition error))
(%define-condition-type 'simple-warning '(simple-condition warning))
(%define-condition-type 'storage-condition '(serious-condition))
(%define-condition-type 'type-error '(error))
(%define-condition-type 'simple-type-error '(simple-condition type-error))
(%define-condition-type 'program-error '(error))
(%define-condition-type 'control-error '(error))
(%define-condition-type 'cell-error '(error))
(%define-condition-type 'unbound-variable '(cell-error))
(%define-condition-type 'undefined-function '(cell-error))
(%define-condition-type 'unbound-slot '(cell-error))
(%define-condition-type 'arithmetic-error '(error))
(%define-condition-type 'division-by-zero '(arithmetic-error))
(%define-condition-type 'floating-point-overflow '(arithmetic-error))
(%define-condition-type 'floating-point-underflow '(arithmetic-error))
(%define-condition-type 'floating-point-invalid-operation '(arithmetic-error))
(%define-condition-type 'floating-point-inexact '(arithmetic-error))
(%define-condition-type 'package-error '(error))
(%define-condition-type 'stream-error '(error))
(%define-condition-type 'end-of-file '(stream-error))
(%define-condition-type 'parse-error '(error))
(%define-condition-type 'reader-error '(parse-error stream-error))
(%define-condition-type 'file-error '(error))
(%define-condition-type 'print-not-readable '(error))
(%define-condition-type 'access-denied '(error))
;; An evaluation past one of its limits (lisp.h, lo_lisp_set_limits).  A
;; serious condition but not an error: IGNORE-ERRORS and HANDLER-CASE on
;; ERROR let it pass, so code cannot swallow its own limit by accident
;; (nor on purpose: past the limit the evaluation has failed anyway).
(%define-condition-type 'resource-exhausted '(serious-condition))

;; A type C code raised without declaring it counts as an error.
(defun %condition-parents (type)
  (if (get type '%condition-type)
      (get type '%condition-parents)
      '(error)))

(defun %condition-subtype-p (type super)
  (or (eq type super)
      (some (lambda (parent) (%condition-subtype-p parent super))
            (%condition-parents type))))

;; The message of a condition made from initargs.
(defun %format-message (control arguments)
  (if (fboundp 'format)
      (apply #'format nil control arguments)
      control))

(defun %condition-message-for (type initargs)
  (let ((control (getf initargs :format-control)))
    (cond (control (%format-message control (getf initargs :format-arguments)))
          ((%condition-subtype-p type 'type-error)
           (%format-message "The value ~s is not of type ~s"
                            (list (getf initargs :datum)
                                  (getf initargs :expected-type))))
          ((%condition-subtype-p type 'unbound-variable)
           (%format-message "The variable ~s is unbound."
                            (list (getf initargs :name))))
          ((%condition-subtype-p type 'undefined-function)
           (%format-message "The function ~s is undefined."
                            (list (getf initargs :name))))
          (t (%format-message "Condition ~s was signalled." (list type))))))

(defun make-condition (type &rest initargs)
  (if (get type '%condition-type)
      (%make-condition type (%condition-message-for type initargs) initargs)
      (error 'simple-type-error :datum type :expected-type 'condition
             :format-control "~s is not a condition type"
             :format-arguments (list type))))

(defun simple-condition-format-control (c)
  (getf (%condition-data c) :format-control))
(defun simple-condition-format-arguments (c)
  (getf (%condition-data c) :format-arguments))
(defun type-error-datum (c) (getf (%condition-data c) :datum))
(defun type-error-expected-type (c) (getf (%condition-data c) :expected-type))
(defun cell-error-name (c) (getf (%condition-data c) :name))
(defun arithmetic-error-operation (c) (getf (%condition-data c) :operation))
(defun arithmetic-error-operands (c) (getf (%condition-data c) :operands))
;; Which limit (:steps, :bytes or :wall-time) and its value (in steps,
;; bytes or nanoseconds).
(defun resource-exhausted-limit (c) (getf (%condition-data c) :limit))
(defun resource-exhausted-value (c) (getf (%condition-data c) :value))

;; ERROR's and SIGNAL's datum: a condition, a type and initargs, or a
;; format control and its arguments.
(defun %coerce-to-condition (datum arguments default-type)
  (cond ((%conditionp datum) datum)
        ((symbolp datum) (apply #'make-condition datum arguments))
        ((stringp datum)
         (make-condition default-type :format-control datum
                         :format-arguments arguments))
        (t (error 'simple-type-error :datum datum
                  :expected-type '(or condition symbol string)
                  :format-control "~s does not designate a condition"
                  :format-arguments (list datum)))))

;; Offer condition to the handlers in force, innermost first.
(defun %signal (condition)
  (let ((clusters *%handlers*))
    (do () ((null clusters) nil)
      (let ((cluster (car clusters)))
        (setq clusters (cdr clusters))
        (let ((*%handlers* clusters))
          (dolist (handler cluster)
            (if (typep condition (car handler))
                (funcall (cdr handler) condition))))))))

(defun signal (datum &rest arguments)
  (%signal (%coerce-to-condition datum arguments 'simple-condition))
  nil)

(defun warn (datum &rest arguments)
  (%signal (%coerce-to-condition datum arguments 'simple-warning))
  nil)

(defun error (datum &rest arguments)
  (%raise (%coerce-to-condition datum arguments 'simple-error)))

(defmacro handler-bind (bindings &body body)
  `(let ((*%handlers*
           (cons (list ,@(mapcar (lambda (b) `(cons ',(car b) ,(cadr b)))
                                 bindings))
                 *%handlers*)))
     ,@body))

;; (handler-case form (type ([var]) . body)... [(:no-error lambda-list . body)])
;; Each clause's handler stores the condition and leaves for the clause's
;; tag; the clause's body then runs outside the handlers.
(defmacro handler-case (form &rest clauses)
  (let* ((block (gensym "HANDLER-CASE"))
         (condition (gensym "CONDITION"))
         (no-error (assoc :no-error clauses))
         (clauses (remove no-error clauses))
         (tags (mapcar (lambda (c) (gensym "CLAUSE")) clauses))
         (bindings (mapcar (lambda (clause tag)
                             `(,(car clause)
                               (lambda (c) (setq ,condition c) (go ,tag))))
                           clauses tags))
         (protected (if no-error
                        `(multiple-value-call
                             (lambda ,(cadr no-error) ,@(cddr no-error))
                           (handler-bind ,bindings ,form))
                        `(handler-bind ,bindings ,form))))
    `(block ,block
       (let ((,condition nil))
         (tagbody
            (return-from ,block ,protected)
            ,@(mapcan (lambda (clause tag)
                        (list tag
                              `(return-from ,block
                                 (let ,(if (cadr clause)
                                           `((,(car (cadr clause)) ,condition))
                                           nil)
                                   ,@(cddr clause)))))
                      clauses tags))))))

(defmacro ignore-errors (&body body)
  `(handler-case (progn ,@body)
     (error (condition) (values nil condition))))

(defmacro assert (test &optional places datum &rest arguments)
  `(if ,test
       nil
       ,(if datum
            `(error ,datum ,@arguments)
            `(error 'simple-error :format-control "The assertion ~s failed."
                    :format-arguments '(,test)))))

(defmacro check-type (place type &optional description)
  (let ((value (gensym)))
    `(let ((,value ,place))
       (if (typep ,value ',type)
           nil
           (error 'simple-type-error :datum ,value :expected-type ',type
                  :format-control "The value of ~s is ~s, which is not ~a."
                  :format-arguments
                  (list ',place ,value
                        ,(or description
                             `(%format-message "of type ~s" '(,type)))))))))
