;;;; 00-control.lisp -- control macros, in Lisp, run at cold boot.
;;;;
;;;; Common Lisp's WHEN UNLESS COND AND OR LET* PROG1 PROG2 CASE ECASE
;;;; TYPECASE ETYPECASE RETURN DO DO* DOLIST DOTIMES PROG PROG*
;;;; MULTIPLE-VALUE-LIST NTH-VALUE, written over the compiler's special
;;;; forms.  GENSYM keeps a macro from evaluating a form twice.  The
;;;; functions these expansions call (MEMBER, TYPEP, ERROR) come in later
;;;; files: an expansion runs only after the whole system is built.

(defmacro when (test &body body)
  `(if ,test (progn ,@body) nil))

(defmacro unless (test &body body)
  `(if ,test nil (progn ,@body)))

(defmacro cond (&rest clauses)
  (if (null clauses)
      nil
      (let ((clause (car clauses)))
        (if (null (cdr clause))
            (let ((g (gensym)))
              `(let ((,g ,(car clause)))
                 (if ,g ,g (cond ,@(cdr clauses)))))
            `(if ,(car clause)
                 (progn ,@(cdr clause))
                 (cond ,@(cdr clauses)))))))

(defmacro and (&rest forms)
  (if (null forms)
      t
      (if (null (cdr forms))
          (car forms)
          `(if ,(car forms) (and ,@(cdr forms)) nil))))

(defmacro or (&rest forms)
  (if (null forms)
      nil
      (if (null (cdr forms))
          (car forms)
          (let ((g (gensym)))
            `(let ((,g ,(car forms)))
               (if ,g ,g (or ,@(cdr forms))))))))

(defmacro let* (bindings &body body)
  (if (null bindings)
      `(let () ,@body)
      `(let (,(car bindings))
         (let* ,(cdr bindings) ,@body))))

(defmacro prog1 (first &body rest)
  (let ((g (gensym)))
    `(let ((,g ,first)) ,@rest ,g)))

(defmacro prog2 (first second &body rest)
  `(progn ,first (prog1 ,second ,@rest)))

;; CASE and friends: keys compare with EQL; T and OTHERWISE are catch-alls.
(defmacro case (key &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,key))
       (cond ,@(%case-clauses g clauses)))))

(defun %case-clauses (g clauses)
  (if (null clauses)
      nil
      (let* ((clause (car clauses))
             (keys (car clause))
             (test (if (or (eq keys 't) (eq keys 'otherwise))
                       't
                       (if (listp keys)
                           `(member ,g ',keys)
                           `(eql ,g ',keys)))))
        (cons `(,test ,@(if (cdr clause) (cdr clause) '(nil)))
              (%case-clauses g (cdr clauses))))))

(defun %case-keys (clauses)
  (if (null clauses)
      nil
      (let ((keys (car (car clauses))))
        (append (if (listp keys) keys (list keys))
                (%case-keys (cdr clauses))))))

(defmacro ecase (key &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,key))
       (cond ,@(%case-clauses g clauses)
             (t (error 'type-error :datum ,g
                       :expected-type '(member ,@(%case-keys clauses))))))))

(defmacro typecase (key &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,key))
       (cond ,@(%typecase-clauses g clauses)))))

(defun %typecase-clauses (g clauses)
  (if (null clauses)
      nil
      (let* ((clause (car clauses))
             (type (car clause))
             (test (if (or (eq type 't) (eq type 'otherwise))
                       't
                       `(typep ,g ',type))))
        (cons `(,test ,@(if (cdr clause) (cdr clause) '(nil)))
              (%typecase-clauses g (cdr clauses))))))

(defmacro etypecase (key &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,key))
       (cond ,@(%typecase-clauses g clauses)
             (t (error 'type-error :datum ,g
                       :expected-type '(or ,@(%case-keys clauses))))))))

;; Iteration.  Every loop is a BLOCK NIL around a TAGBODY; the body is a
;; TAGBODY of its own, so it may hold tags, and leading declarations of a
;; body go to the binding they are about.

(defmacro return (&optional value)
  `(return-from nil ,value))

;; (declarations . forms) of a body
(defun %split-body (body)
  (if (and (consp body) (consp (car body)) (eq (car (car body)) 'declare))
      (let ((rest (%split-body (cdr body))))
        (cons (cons (car body) (car rest)) (cdr rest)))
      (cons nil body)))

(defmacro dolist (spec &body body)
  (let ((var (car spec)) (list (car (cdr spec))) (result (cdr (cdr spec)))
        (tail (gensym "TAIL")) (top (gensym "TOP")) (end (gensym "END"))
        (split (%split-body body)))
    `(block nil
       (let ((,tail ,list))
         (tagbody
            ,top
            (if (null ,tail) (go ,end))
            (let ((,var (car ,tail)))
              ,@(car split)
              (tagbody ,@(cdr split)))
            (setq ,tail (cdr ,tail))
            (go ,top)
            ,end)
         (let ((,var nil))
           ,var
           ,@(if result result '(nil)))))))

;; DOTIMES binds its variable once and steps it, as SBCL does (closures
;; made in the body see its last value); at the end it holds the count.
(defmacro dotimes (spec &body body)
  (let ((var (car spec)) (count (car (cdr spec))) (result (cdr (cdr spec)))
        (n (gensym "N")) (top (gensym "TOP")) (end (gensym "END"))
        (split (%split-body body)))
    `(block nil
       (let ((,n ,count) (,var 0))
         ,@(car split)
         (tagbody
            ,top
            (if (>= ,var ,n) (go ,end))
            (tagbody ,@(cdr split))
            (setq ,var (1+ ,var))
            (go ,top)
            ,end)
         ,@(if result result '(nil))))))

;; DO steps its variables in parallel (through temporaries), DO* one by
;; one.  These run while later boot files are compiled, so they use
;; nothing defined after this file.
(defun %reverse-list (l)
  (let ((r nil))
    (dolist (x l r) (setq r (cons x r)))))

;; ((var . step) ...) of the variables that have a step form
(defun %do-stepped (vars)
  (let ((stepped nil))
    (dolist (v vars (%reverse-list stepped))
      (if (and (consp v) (cdr (cdr v)))
          (setq stepped (cons (cons (car v) (car (cdr (cdr v)))) stepped))))))

(defun %do-steps (vars parallel)
  (let ((stepped (%do-stepped vars)) (temps nil) (sets nil))
    (if parallel
        (progn
          (dolist (s stepped)
            (let ((tmp (gensym)))
              (setq temps (cons (list tmp (cdr s)) temps))
              (setq sets (cons tmp (cons (car s) sets)))))
          (if stepped
              `((let ,(%reverse-list temps) (setq ,@(%reverse-list sets))))
              nil))
        (progn
          (dolist (s stepped)
            (setq sets (cons `(setq ,(car s) ,(cdr s)) sets)))
          (%reverse-list sets)))))

(defun %do-bindings (vars)
  (let ((r nil))
    (dolist (v vars (%reverse-list r))
      (setq r (cons (if (consp v) (list (car v) (car (cdr v))) v) r)))))

(defun %do-expand (binder parallel vars end-clause body)
  (let ((top (gensym "TOP")) (end (gensym "END"))
        (split (%split-body body)))
    `(block nil
       (,binder ,(%do-bindings vars)
         ,@(car split)
         (tagbody
            ,top
            (if ,(car end-clause) (go ,end))
            ,@(cdr split)
            ,@(%do-steps vars parallel)
            (go ,top)
            ,end)
         ,@(if (cdr end-clause) (cdr end-clause) '(nil))))))

(defmacro do (vars end-clause &body body)
  (%do-expand 'let t vars end-clause body))

(defmacro do* (vars end-clause &body body)
  (%do-expand 'let* nil vars end-clause body))

(defmacro prog (vars &body body)
  (let ((split (%split-body body)))
    `(block nil (let ,vars ,@(car split) (tagbody ,@(cdr split))))))

(defmacro prog* (vars &body body)
  (let ((split (%split-body body)))
    `(block nil (let* ,vars ,@(car split) (tagbody ,@(cdr split))))))

;; Multiple values.
(defmacro multiple-value-list (form)
  `(multiple-value-call #'list ,form))

(defmacro nth-value (n form)
  `(nth ,n (multiple-value-call #'list ,form)))
