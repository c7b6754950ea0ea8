;;;; 35-destructuring.lisp -- DESTRUCTURING-BIND, run at cold boot.
;;;;
;;;; (destructuring-bind lambda-list expression body...) becomes one LET*
;;;; whose bindings walk the list: required parameters, &optional,
;;;; &rest/&body, a dotted rest, &key (with &allow-other-keys), &aux,
;;;; &whole, and nested patterns wherever a variable may be.  A gensym
;;;; holds the part of the list not yet taken apart; it is rebound (LET*
;;;; shadows) as the walk goes on.  Too few or too many elements, or a bad
;;;; keyword list, is an error.

(defun %db-error (whole problem)
  (error "DESTRUCTURING-BIND: ~A in ~S" problem whole))

;; Bindings that bind var -- a symbol, or a pattern to take apart -- to
;; the value of form.
(defun %db-bind (var form)
  (if (consp var)
      (let ((g (gensym "SUB")))
        (cons (list g form) (%db-pattern var g)))
      (list (list var form))))

;; (var [init [supplied-p]]) or var -> (values var init supplied-p)
(defun %db-parameter (item)
  (if (consp item)
      (values (car item) (cadr item) (caddr item))
      (values item nil nil)))

;; An &optional parameter from the list in rest.
(defun %db-optional (item rest)
  (multiple-value-bind (var init supplied) (%db-parameter item)
    (append (%db-bind var `(if ,rest (car ,rest) ,init))
            (if supplied (list (list supplied `(if ,rest t nil))) nil))))

;; The keyword of a &key parameter: ((keyword var) ...) names it, else it
;; is the variable's name.
(defun %db-keyword (item)
  (let ((var (if (consp item) (car item) item)))
    (if (consp var) (car var) (intern (symbol-name var) "KEYWORD"))))

;; The keywords of the &key parameters at the front of params, or T when
;; &allow-other-keys says any will do.
(defun %db-keywords (params)
  (let ((keys nil))
    (dolist (item params keys)
      (cond ((eq item '&allow-other-keys) (return t))
            ((eq item '&aux) (return keys))
            (t (setq keys (cons (%db-keyword item) keys)))))))

;; A &key parameter, looked up in the list in rest.
(defun %db-key (item rest)
  (multiple-value-bind (var init supplied) (%db-parameter item)
    (let ((var (if (consp var) (cadr var) var))
          (tail (gensym "TAIL")))
      (append (list (list tail `(%key-tail ,rest ',(%db-keyword item))))
              (%db-bind var `(if ,tail (car ,tail) ,init))
              (if supplied (list (list supplied `(if ,tail t nil))) nil)))))

;; The bindings that take apart the list in the variable whole.
(defun %db-pattern (pattern whole)
  (let ((rest (gensym "REST")) (state 'required) (bindings nil)
        (has-rest nil) (has-keys nil))
    (when (eq (car pattern) '&whole)
      (setq bindings (%db-bind (cadr pattern) whole)
            pattern (cddr pattern)))
    (setq bindings (append bindings (list (list rest whole))))
    (do ((p pattern (cdr p)))
        ((atom p)
         (when p                        ; (a b . rest)
           (setq has-rest t
                 bindings (append bindings (list (list p rest))))))
      (let ((item (car p)))
        (cond ((eq item '&optional) (setq state 'optional))
              ((or (eq item '&rest) (eq item '&body)) (setq state 'rest))
              ((eq item '&key)
               (setq state 'key has-keys t
                     bindings (append bindings
                                      (list (list (gensym "CHECKED")
                                                  `(%check-keys ,rest ',(%db-keywords (cdr p))))))))
              ((eq item '&allow-other-keys))
              ((eq item '&aux) (setq state 'aux))
              ((eq state 'required)
               (setq bindings
                     (append bindings
                             (%db-bind item `(if ,rest (car ,rest)
                                                 (%db-error ,whole "too few elements")))
                             (list (list rest `(cdr ,rest))))))
              ((eq state 'optional)
               (setq bindings (append bindings (%db-optional item rest)
                                      (list (list rest `(cdr ,rest))))))
              ((eq state 'rest)
               (setq has-rest t
                     bindings (append bindings (%db-bind item rest))))
              ((eq state 'key)
               (setq bindings (append bindings (%db-key item rest))))
              ((eq state 'aux)
               (multiple-value-bind (var init) (%db-parameter item)
                 (setq bindings (append bindings (%db-bind var init))))))))
    (if (or has-rest has-keys)
        bindings
        (append bindings
                (list (list (gensym "CHECKED")
                            `(if ,rest (%db-error ,whole "too many elements"))))))))

(defmacro destructuring-bind (lambda-list expression &body body)
  (let ((whole (gensym "WHOLE")))
    `(let* ((,whole ,expression) ,@(%db-pattern lambda-list whole))
       ,@body)))
