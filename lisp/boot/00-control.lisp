;;;; 00-control.lisp -- control macros, in Lisp, run at cold boot.
;;;;
;;;; Common Lisp's WHEN UNLESS COND AND OR LET* PROG1 PROG2 CASE, written
;;;; over the compiler's special forms.  GENSYM keeps a macro from
;;;; evaluating a form twice.

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
                       (if (consp keys)
                           `(%member-eq ,g ',keys)
                           `(eq ,g ',keys)))))
        (cons `(,test ,@(cdr clause))
              (%case-clauses g (cdr clauses))))))

(defun %member-eq (x list)
  (if (null list)
      nil
      (if (eq x (car list)) list (%member-eq x (cdr list)))))
