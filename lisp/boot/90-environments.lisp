;;;; 90-environments.lisp -- what the global environments (lisp/environment.c,
;;;; docs/environments.md) give Lisp code: the per-user defaults, and the
;;;; namespaces beyond functions, variables and macros -- types (DEFTYPE),
;;;; global symbol macros (DEFINE-SYMBOL-MACRO) and compiler macros
;;;; (DEFINE-COMPILER-MACRO).  Each definition goes into the environment it
;;;; is made in: a user's are theirs alone.

;; A user environment tried to change a binding of the system's.
(%define-condition-type 'environment-error '(error))

;; The variables every user has a value of their own of: an evaluation in
;; a user's environment binds them to the user's values, and the values
;; they have at its end are the user's from then on.
(%declare-user-defaults
 '(*package* *print-array* *print-base* *print-case* *print-circle*
   *print-escape* *print-gensym* *print-length* *print-level* *print-lines*
   *print-miser-width* *print-pretty* *print-radix* *print-readably*
   *print-right-margin* *readtable*
   ;; the registries of what is defined: a user's definitions go on
   ;; their own (lisp/freeze.c: the system's lists are read-only)
   *%condition-types*))

;;; ---- DEFTYPE ----

;; A DEFTYPE lambda list: an optional parameter without a default
;; defaults to *, not NIL.
(defun %deftype-lambda-list (lambda-list)
  (let ((optional nil) (out nil))
    (dolist (p lambda-list (nreverse out))
      (cond ((member p '(&optional &rest &key &aux &whole &environment
                                 &allow-other-keys &body))
             (setq optional (member p '(&optional &key)))
             (push p out))
            ((and optional (symbolp p)) (push (list p ''*) out))
            (t (push p out))))))

(defmacro deftype (name lambda-list &body body)
  (unless (and (symbolp name) name)
    (error "DEFTYPE: ~s is not a type name" name))
  (let ((doc (if (and body (stringp (car body)) (cdr body)) (pop body) nil)))
    `(progn
       (%set-env-binding :type ',name
                         (lambda ,(%deftype-lambda-list lambda-list)
                           (block ,name ,@body)))
       (%set-documentation ',name 'type ',doc t)
       ',name)))

;;; ---- DEFINE-SYMBOL-MACRO ----

(defun constantp (form &optional environment)
  (declare (ignore environment))
  (cond ((symbolp form) (or (null form) (eq form t) (keywordp form)
                            (%constant-variable-p form)))
        ((consp form) (eq (car form) 'quote))
        (t t)))

(defmacro define-symbol-macro (name expansion)
  (unless (and (symbolp name) name (not (keywordp name)))
    (error "DEFINE-SYMBOL-MACRO: ~s is not a symbol" name))
  `(progn
     (if (or (%special-variable-p ',name) (constantp ',name))
         (error 'program-error
                :format-control "DEFINE-SYMBOL-MACRO: ~s is a global variable"
                :format-arguments (list ',name)))
     (%set-env-binding :symbol-macro ',name ',expansion)
     ',name))

;;; ---- compiler macros ----

(defun compiler-macro-function (name &optional environment)
  (declare (ignore environment))
  (%env-binding :compiler-macro (%function-symbol name)))

(defun (setf compiler-macro-function) (function name &optional environment)
  (declare (ignore environment))
  (%set-env-binding :compiler-macro (%function-symbol name) function)
  function)

;; The lambda list of a compiler macro is a macro lambda list, taken from
;; the arguments of the call: (f a b) or (funcall #'f a b).
(defmacro define-compiler-macro (name lambda-list &body body)
  (let ((form (gensym "FORM")) (env (gensym "ENV"))
        (whole nil) (environment nil) (params nil)
        (doc (if (and body (stringp (car body)) (cdr body)) (pop body) nil)))
    (do ((l lambda-list (cdr l))) ((atom l) (setq params (nreconc params l)))
      (cond ((eq (car l) '&whole) (setq whole (cadr l) l (cdr l)))
            ((eq (car l) '&environment) (setq environment (cadr l) l (cdr l)))
            (t (push (car l) params))))
    `(progn
       ,@(if (symbolp name)
             `((%set-documentation ',name 'compiler-macro ',doc t)))
       (setf (compiler-macro-function ',name)
             (lambda (,form ,env)
               (declare (ignorable ,env))
               (let (,@(if whole `((,whole ,form)))
                     ,@(if environment `((,environment ,env))))
                 (destructuring-bind ,params
                     (if (and (eq (car ,form) 'funcall) (consp (cadr ,form))
                              (eq (car (cadr ,form)) 'function))
                         (cddr ,form)
                         (cdr ,form))
                   (block ,(if (consp name) (cadr name) name) ,@body)))))
       ',name)))
