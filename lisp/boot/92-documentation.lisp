;;;; 92-documentation.lisp -- DOCUMENTATION and (SETF DOCUMENTATION)
;;;; (CLHS 25.1.4), for built-ins and user definitions alike.
;;;;
;;;; A name's documentation strings live on its property list, as an
;;;; association list by documentation type (lisp/documentation.c says how
;;;; and why).  The definers put them there: DEFUN, DEFMACRO, DEFVAR,
;;;; DEFPARAMETER and DEFCONSTANT (the compiler), DEFGENERIC, DEFCLASS,
;;;; DEFSTRUCT, DEFINE-CONDITION, DEFTYPE, DEFSETF, DEFINE-SETF-EXPANDER,
;;;; DEFINE-COMPILER-MACRO and DEFINE-MODIFY-MACRO (their macros).  What
;;;; a name's list does not say, the object it names may: a primitive's
;;;; row (lisp/primitive.h), a generic function's or a class's own slot,
;;;; a condition type's definition.
;;;;
;;;; Property lists respect environments: a user who sets the
;;;; documentation of a system symbol sets it on a copy of the property
;;;; list of their own (lisp/environment.c), which no one else sees.  The
;;;; documentation of a function object or a class is that of its name,
;;;; when the name still names it; a lambda's is none.
;;;;
;;;; DOCUMENTATION and (SETF DOCUMENTATION) are generic functions users may
;;;; add methods to (each user's are their own, as for PRINT-OBJECT);
;;;; system code calls them through %USER-GF.

;;; ---- where a name's documentation is ----

;; The entry key of symbol's documentation list: its value, and whether
;; there is one.
(defun %documentation-entry (symbol key)
  (let ((entry (assoc key (get symbol '%documentation))))
    (values (cdr entry) (if entry t nil))))

(defun %setf-name-p (x)
  (and (consp x) (eq (car x) 'setf) (consp (cdr x)) (symbolp (cadr x))
       (null (cddr x))))

;; The documentation types of a symbol.
(defparameter *%documentation-types*
  '(function variable type structure compiler-macro setf method-combination))

;;; ---- functions ----

;; What a function object says of itself: a generic function's slot, a
;; primitive's row.
(defun %function-own-documentation (function)
  (cond ((%generic-function-p function) (%slot-ref function 7))
        ((%primitive-info function) (nth-value 2 (%primitive-info function)))
        (t nil)))

;; The name function is known by, when that name still names it.
(defun %function-object-name (function)
  (let ((name (if (%generic-function-p function)
                  (%gf-name function)
                  (%function-name function))))
    (if (and name (or (symbolp name) (%setf-name-p name))
             (fboundp name)
             (eq (if (and (symbolp name) (macro-function name))
                     (macro-function name)
                     (fdefinition name))
                 function))
        name
        nil)))

;; The documentation of the function (or macro) named name.
(defun %function-name-documentation (name)
  (multiple-value-bind (doc present)
      (if (symbolp name)
          (%documentation-entry name 'function)
          (%documentation-entry (cadr name) '%setf-documentation))
    (cond (present doc)
          ((and (symbolp name) (special-operator-p name)) nil)
          ((and (symbolp name) (macro-function name)) nil)
          ((fboundp name) (%function-own-documentation (fdefinition name)))
          (t nil))))

;; The lambda list of the function (or macro) named name, and whether it
;; is known: a list, or for a primitive the text of its row.
(defun %function-name-lambda-list (name)
  (multiple-value-bind (ll present)
      (if (symbolp name)
          (%documentation-entry name '%lambda-list)
          (%documentation-entry (cadr name) '%setf-lambda-list))
    (cond (present (values ll t))
          ((and (fboundp name)
                (not (and (symbolp name) (macro-function name))))
           (%function-lambda-list (fdefinition name)))
          (t (values nil nil)))))

(defun %function-lambda-list (function)
  (cond ((%generic-function-p function)
         (values (%gf-lambda-list function) t))
        ((%primitive-info function)
         (values (nth-value 1 (%primitive-info function)) t))
        (t (let ((name (%function-object-name function)))
             (if name
                 (%function-name-lambda-list name)
                 (values nil nil))))))

;; FUNCTION-LAMBDA-EXPRESSION (CLHS): the lambda expression function was
;; compiled from, whether it is a closure, and its name.  Users' code keeps
;; its source (lisp/compile_lambda.c, code_source); the system's does not,
;; nor code compiled before sources were kept: NIL there, as the standard
;; allows.
(defun function-lambda-expression (function)
  (unless (functionp function)
    (error 'type-error :datum function :expected-type 'function))
  (if (%generic-function-p function)
      (values nil t (%gf-name function))
      (multiple-value-bind (name closure-p) (%function-name function)
        (values (%function-source function) closure-p name))))

;;; ---- types ----

(defun %type-documentation (symbol)
  (multiple-value-bind (doc present) (%documentation-entry symbol 'type)
    (if present
        doc
        (let ((class (%class-binding symbol)))
          (cond ((get symbol '%condition-type)
                 (get symbol '%condition-documentation))
                (class (%class-documentation class))
                (t nil))))))

;; The name class is known by, when that name still names it.
(defun %class-object-name (class)
  (let ((name (%class-name class)))
    (if (and name (symbolp name) (eq (%class-binding name) class)) name nil)))

;;; ---- DOCUMENTATION ----

(defun %documentation (x doc-type)
  (cond ((symbolp x)
         (case doc-type
           (function (%function-name-documentation x))
           (type (%type-documentation x))
           (t (values (%documentation-entry x doc-type)))))
        ((%setf-name-p x)
         (if (eq doc-type 'function) (%function-name-documentation x) nil))
        ((functionp x)
         (if (member doc-type '(t function))
             (let ((name (%function-object-name x)))
               (if name
                   (%function-name-documentation name)
                   (%function-own-documentation x)))
             nil))
        ((%classp x)
         (if (member doc-type '(t type))
             (let ((name (%class-object-name x)))
               (if name (%type-documentation name) (%class-documentation x)))
             nil))
        (t nil)))

(defun %set-documentation-of (x doc-type new)
  (unless (or (null new) (stringp new))
    (error 'type-error :datum new :expected-type '(or string null)))
  (cond ((symbolp x)
         (unless (member doc-type *%documentation-types*)
           (error "~s is not a documentation type of a symbol (one of ~{~s~^, ~})"
                  doc-type *%documentation-types*))
         (%set-documentation x doc-type new))
        ((%setf-name-p x)
         (unless (eq doc-type 'function)
           (error "~s is not a documentation type of ~s (FUNCTION is)" doc-type x))
         (%set-documentation (cadr x) '%setf-documentation new))
        ((functionp x)
         (let ((name (%function-object-name x)))
           (unless (and name (member doc-type '(t function)))
             (error "Cannot set the documentation of ~s: only a function ~
                     known by its name keeps one" x))
           (%set-documentation-of name 'function new)))
        ((%classp x)
         (let ((name (%class-object-name x)))
           (unless (and name (member doc-type '(t type)))
             (error "Cannot set the documentation of ~s: only a class ~
                     known by its name keeps one" x))
           (%set-documentation name 'type new)))
        (t (error "Cannot set the documentation of ~s" x)))
  new)

(defgeneric documentation (x doc-type))
(defmethod documentation ((x t) doc-type)
  (%documentation x doc-type))

(defgeneric (setf documentation) (new-value x doc-type))
(defmethod (setf documentation) (new-value (x t) doc-type)
  (%set-documentation-of x doc-type new-value))

(%make-extensible 'documentation)
(%make-extensible (%function-symbol '(setf documentation)))
