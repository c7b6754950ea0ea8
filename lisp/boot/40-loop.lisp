;;;; 40-loop.lisp -- LOOP, run at cold boot.
;;;;
;;;; The extended LOOP of Common Lisp, following SBCL's (MIT) LOOP in what
;;;; it does and in the order it does it, so that results agree:
;;;;
;;;;   (block name
;;;;     (let (group 1 variables) group 1 destructuring...
;;;;       (let (group 2 ...) ...
;;;;         (let (accumulators)
;;;;           (tagbody
;;;;              initially forms
;;;;              first-iteration steps and tests
;;;;            next
;;;;              body
;;;;              later-iteration steps and tests
;;;;              (go next)
;;;;            end
;;;;              finally forms
;;;;              (return-from name result))))))
;;;;
;;;; Each FOR/AS clause (with the ones joined to it by AND) and each WITH
;;;; clause binds its variables in a LET of its own, inside the previous
;;;; ones, so an init form sees the variables before it.  An iteration
;;;; clause contributes, for the first iteration and for the later ones,
;;;; a test made before stepping, steps (in parallel within an AND group),
;;;; a test made after, and "pseudo-steps" (sequential): SBCL's layout.
;;;; WHILE, UNTIL and conditionals before any body clause go with the
;;;; iteration code, in order; after one, into the body.
;;;;
;;;; Loop keywords are recognised by name, in any package.  The state of
;;;; one expansion lives in special variables bound by LOOP's expander.

(defvar %*loop-tokens*)         ; the clauses not parsed yet
(defvar %*loop-name*)           ; the block's name
(defvar %*loop-vars*)           ; (var init) of the group being made, reversed
(defvar %*loop-desetqs*)        ; its destructuring assignments, reversed
(defvar %*loop-groups*)         ; finished groups (bindings . desetqs), reversed
(defvar %*loop-prologue*)       ; INITIALLY forms, reversed
(defvar %*loop-before*)         ; first-iteration code, reversed
(defvar %*loop-after*)          ; later-iteration code, reversed
(defvar %*loop-body*)           ; body forms, reversed
(defvar %*loop-epilogue*)       ; FINALLY forms, reversed
(defvar %*loop-results*)        ; the final value forms, reversed (first wins)
(defvar %*loop-emitted-body*)   ; a body clause has been seen
(defvar %*loop-in-conditional*) ; parsing the clauses of a WHEN
(defvar %*loop-collectors*)     ; (name kind var tail-var flag-var) each
(defvar %*loop-accumulators*)   ; their (var init), reversed

;; The tag that ends the loop is the same symbol in every loop, as in
;; SBCL, so that LOOP-FINISH can be a global macro: the innermost loop's
;; TAGBODY is the one it reaches.
(defparameter %*loop-end* '%loop-end)

(defmacro loop-finish () '(go %loop-end))

;;; ---- tokens ------------------------------------------------------------

;; Whether token is the loop keyword called name (or one of names).
(defun %loop-kw-p (token &rest names)
  (and token (symbolp token)
       (member (symbol-name token) names :test #'string=)))

(defun %loop-error (message &rest arguments)
  (apply #'error (concatenate 'string "LOOP: " message) arguments))

(defun %loop-peek () (car %*loop-tokens*))

(defun %loop-pop ()
  (if (null %*loop-tokens*)
      (%loop-error "the clauses end where more was expected"))
  (pop %*loop-tokens*))

;; The next token when it is the keyword name (then consumed), else nil.
(defun %loop-accept (&rest names)
  (when (apply #'%loop-kw-p (%loop-peek) names)
    (%loop-pop)
    t))

;; One or more compound forms (DO, INITIALLY, FINALLY), as one form.
(defun %loop-compound-forms ()
  (let ((forms nil))
    (if (atom (%loop-peek))
        (%loop-error "a compound form was expected, not ~S" (%loop-peek)))
    (do () ((or (null %*loop-tokens*) (atom (%loop-peek))))
      (push (%loop-pop) forms))
    (if (cdr forms) `(progn ,@(nreverse forms)) (car forms))))

;; The standard type names LOOP accepts after a variable without OF-TYPE.
(defun %loop-type-name-p (token)
  (%loop-kw-p token "FIXNUM" "INTEGER" "NUMBER" "REAL" "FLOAT" "T" "NIL"
              "SINGLE-FLOAT" "DOUBLE-FLOAT" "RATIONAL" "BIT" "CHARACTER"
              "STRING" "SYMBOL" "LIST" "CONS" "VECTOR" "SIMPLE-VECTOR"
              "SIMPLE-STRING" "HASH-TABLE" "SEQUENCE" "ARRAY" "KEYWORD"
              "BOOLEAN"))

;; An optional type after var: OF-TYPE type, a type name, or (for a
;; destructuring var) a pattern of them.  Types are not checked.
(defun %loop-optional-type (var)
  (cond ((%loop-accept "OF-TYPE") (%loop-pop))
        ((and (symbolp (%loop-peek)) (%loop-type-name-p (%loop-peek)))
         (%loop-pop))
        ((and (consp var) (consp (%loop-peek))) (%loop-pop))
        (t nil)))

;; The value a variable of this type starts with when given none.
(defun %loop-typed-init (type)
  (cond ((not (and type (symbolp type))) nil)
        ((%loop-kw-p type "FIXNUM" "INTEGER" "NUMBER" "REAL" "BIT" "RATIONAL")
         0)
        ((%loop-kw-p type "FLOAT" "SINGLE-FLOAT" "DOUBLE-FLOAT") 0.0)
        (t nil)))

;;; ---- variables -----------------------------------------------------------

;; Bind var (a symbol, nil, or a destructuring pattern) to init in the
;; group being made.  A pattern with an init is bound through a temporary
;; and taken apart when the group's LET starts.
(defun %loop-make-var (var init &optional type)
  (cond ((null var)
         (push (list (gensym "IGNORE") init) %*loop-vars*))
        ((symbolp var)
         (push (list var (or init (%loop-typed-init type))) %*loop-vars*))
        (init
         (let ((temp (gensym "DESTRUCTURE")))
           (push (list temp init) %*loop-vars*)
           (push (list var temp) %*loop-desetqs*)))
        (t
         (%loop-make-var (car var) nil)
         (when (cdr var) (%loop-make-var (cdr var) nil))))
  var)

;; Close the group being made: it becomes a LET of its own.
(defun %loop-bind-block ()
  (when (or %*loop-vars* %*loop-desetqs*)
    (push (cons (reverse %*loop-vars*) (reverse %*loop-desetqs*))
          %*loop-groups*)
    (setq %*loop-vars* nil %*loop-desetqs* nil)))

;; The forms assigning value to var, a symbol or a destructuring pattern
;; (lenient, as LOOP's destructuring is: missing parts are nil, extra
;; ones ignored).
(defun %loop-desetq (var value)
  (cond ((null var) nil)
        ((symbolp var) `((setq ,var ,value)))
        (t (let ((g (gensym "D")))
             `((let ((,g ,value))
                 ,@(%loop-desetq (car var) `(car ,g))
                 ,@(%loop-desetq (cdr var) `(cdr ,g))))))))

;; Sequential assignments of (var form) pairs, as one form or nil.
(defun %loop-assign (pairs)
  (let ((forms (mapcan (lambda (p) (%loop-desetq (car p) (cadr p))) pairs)))
    (if (cdr forms) `(progn ,@forms) (car forms))))

;; Parallel assignments: every form is evaluated before any is assigned.
(defun %loop-assign-parallel (pairs)
  (if (null (cdr pairs))
      (%loop-assign pairs)
      (let ((temps (mapcar (lambda (p) (declare (ignore p)) (gensym "STEP"))
                           pairs)))
        `(let ,(mapcar (lambda (temp p) (list temp (cadr p))) temps pairs)
           ,(%loop-assign (mapcar (lambda (temp p) (list (car p) temp))
                                  temps pairs))))))

(defun %loop-end-test (tests)
  (cond ((null tests) nil)
        ((member t tests) `(go ,%*loop-end*))
        (t `(when ,(if (cdr tests) `(or ,@tests) (car tests))
              (go ,%*loop-end*)))))

;;; ---- body and results ------------------------------------------------------

;; Code at this point of the clauses: with the iteration code while no
;; body clause has been seen (and not inside a conditional), else body.
(defun %loop-pseudo-body (form)
  (if (or %*loop-emitted-body* %*loop-in-conditional*)
      (push form %*loop-body*)
      (progn (push form %*loop-before*) (push form %*loop-after*))))

(defun %loop-emit-body (form)
  (setq %*loop-emitted-body* t)
  (%loop-pseudo-body form))

(defun %loop-return (form) `(return-from ,%*loop-name* ,form))

(defun %loop-final-value (form)
  (push (%loop-return form) %*loop-results*))

;;; ---- iteration clauses -----------------------------------------------------

;; Each returns (pre-test steps post-test pseudo-steps) for the later
;; iterations, followed by the same four for the first one when they
;; differ; steps are lists of (var form).

;; BY's function applied to the list in listvar: #'name or 'name is
;; called directly, anything else through a variable holding it.
(defun %loop-list-step (listvar)
  (if (%loop-accept "BY")
      (let ((fn (%loop-pop)))
        (if (and (consp fn) (member (car fn) '(function quote))
                 (symbolp (cadr fn)))
            `(,(cadr fn) ,listvar)
            (let ((var (gensym "BY")))
              (%loop-make-var var fn)
              `(funcall ,var ,listvar))))
      `(cdr ,listvar)))

(defun %loop-for-in (var list type)
  (let ((listvar (gensym "LIST")))
    (%loop-make-var var nil type)
    (%loop-make-var listvar list)
    (let ((step (%loop-list-step listvar)))
      `((endp ,listvar) ((,var (car ,listvar))) nil ((,listvar ,step))))))

(defun %loop-for-on (var list type)
  (if (and var (symbolp var))
      (progn
        (%loop-make-var var list type)
        (let ((step (%loop-list-step var)))
          `(nil ((,var ,step)) (atom ,var) nil
            nil nil (atom ,var) nil)))
      (let ((listvar (gensym "LIST")))
        (%loop-make-var listvar list)
        (%loop-make-var var nil type)
        (let ((step (%loop-list-step listvar)))
          `((atom ,listvar) ((,var ,listvar)) nil ((,listvar ,step)))))))

(defun %loop-for-across (var vector type)
  (let ((vectorvar (gensym "VECTOR")) (index (gensym "INDEX")))
    (%loop-make-var var nil type)
    (%loop-make-var vectorvar vector)
    (%loop-make-var index 0)
    `((>= ,index (length ,vectorvar)) ((,var (aref ,vectorvar ,index)))
      nil ((,index (1+ ,index))))))

;; FOR var = init [THEN step]: without THEN, init is evaluated every time.
(defun %loop-for-equals (var init type)
  (%loop-make-var var nil type)
  (if (%loop-accept "THEN")
      `(nil ((,var ,(%loop-pop))) nil nil
        nil ((,var ,init)) nil nil)
      `(nil ((,var ,init)) nil nil)))

;; A limit or step: a number as it is, anything else evaluated once into
;; a variable.
(defun %loop-once (form name)
  (if (numberp form)
      form
      (let ((var (gensym name)))
        (%loop-make-var var form)
        var)))

;; FOR var {FROM|DOWNFROM|UPFROM} a {TO|UPTO|BELOW|DOWNTO|ABOVE} b BY n,
;; the phrases in any order; the first one has been
;; read (keyword and form).
(defun %loop-for-arithmetic (var keyword form type)
  (let ((start-given nil) (limit nil) (by 1) (direction nil)
        (inclusive nil) (phrase keyword))
    (if (consp var) (%loop-error "an arithmetic variable must be a symbol"))
    (labels ((dir (d)
               (if (and direction (not (eq direction d)))
                   (%loop-error "conflicting directions stepping ~S" var))
               (setq direction d)))
      (do () ((null phrase))
        (cond ((%loop-kw-p phrase "FROM" "DOWNFROM" "UPFROM")
               (if (%loop-kw-p phrase "DOWNFROM") (dir 'down))
               (if (%loop-kw-p phrase "UPFROM") (dir 'up))
               (setq start-given t)
               (%loop-make-var var form type))
              ((%loop-kw-p phrase "TO" "UPTO" "BELOW" "DOWNTO" "ABOVE")
               (if (%loop-kw-p phrase "UPTO" "BELOW") (dir 'up))
               (if (%loop-kw-p phrase "DOWNTO" "ABOVE") (dir 'down))
               (setq inclusive (%loop-kw-p phrase "TO" "UPTO" "DOWNTO")
                     limit (%loop-once form "LIMIT")))
              (t (setq by (%loop-once form "BY"))))
        (if (%loop-kw-p (%loop-peek) "FROM" "DOWNFROM" "UPFROM" "TO" "UPTO"
                        "BELOW" "DOWNTO" "ABOVE" "BY")
            (setq phrase (%loop-pop) form (%loop-pop))
            (setq phrase nil))))
    (when (not start-given)
      (if (eq direction 'down)
          (%loop-error "don't know where to start stepping ~S" var))
      (%loop-make-var var 0 type))
    (let* ((down (eq direction 'down))
           (test (when limit
                   `(,(if down (if inclusive '< '<=) (if inclusive '> '>=))
                     ,var ,limit)))
           (step (if (eql by 1)
                     (if down `(1- ,var) `(1+ ,var))
                     `(,(if down '- '+) ,var ,by))))
      `(nil ((,var ,step)) ,test nil
        nil nil ,test nil))))

;; FOR var BEING {EACH|THE} path ...: a hash table's keys or values, or
;; a package's symbols.
(defun %loop-for-being (var type)
  (unless (%loop-accept "EACH" "THE")
    (%loop-error "EACH or THE expected after BEING"))
  (let ((what (%loop-pop)))
    (cond ((%loop-kw-p what "HASH-KEY" "HASH-KEYS" "HASH-VALUE" "HASH-VALUES")
           (%loop-for-hash var type what))
          ((%loop-kw-p what "SYMBOL" "SYMBOLS" "PRESENT-SYMBOL"
                       "PRESENT-SYMBOLS" "EXTERNAL-SYMBOL" "EXTERNAL-SYMBOLS")
           (%loop-for-symbols var type what))
          (t (%loop-error "~S is not an iteration path LOOP knows" what)))))

;; Iteration over a list made when the loop starts: var gets (funcall
;; access list) each time, and each (other form) pair its form's value.
(defun %loop-for-list-of (var type init access others)
  (let ((list (gensym "ENTRIES")))
    (%loop-make-var var nil type)
    (dolist (o others) (%loop-make-var (car o) nil))
    (%loop-make-var list init)
    `((endp ,list)
      ((,var ,(funcall access `(car ,list)))
       ,@(mapcar (lambda (o) (list (car o) (funcall (cadr o) `(car ,list))))
                 others))
      nil
      ((,list (cdr ,list))))))

;; ... {HASH-KEY[S]|HASH-VALUE[S]} {IN|OF} table [USING ({HASH-VALUE|
;; HASH-KEY} other)]: over the table's entries as a list of (key . value).
(defun %loop-for-hash (var type what)
  (unless (%loop-accept "IN" "OF")
    (%loop-error "IN or OF expected after ~S" what))
  (let* ((table (%loop-pop))
         (keys (%loop-kw-p what "HASH-KEY" "HASH-KEYS"))
         (other (when (%loop-accept "USING") (cadr (%loop-pop))))
         (key (lambda (entry) `(car ,entry)))
         (value (lambda (entry) `(cdr ,entry))))
    (%loop-for-list-of var type `(%hash-table-pairs ,table)
                       (if keys key value)
                       (if other (list (list other (if keys value key))) nil))))

;; ... {SYMBOLS|PRESENT-SYMBOLS|EXTERNAL-SYMBOLS} [{IN|OF} package]:
;; accessible, present or external symbols (default *package*).
(defun %loop-for-symbols (var type what)
  (let ((package (if (%loop-accept "IN" "OF") (%loop-pop) '*package*)))
    (%loop-for-list-of
     var type
     (cond ((%loop-kw-p what "EXTERNAL-SYMBOL" "EXTERNAL-SYMBOLS")
            `(%package-symbols ,package t))
           ((%loop-kw-p what "PRESENT-SYMBOL" "PRESENT-SYMBOLS")
            `(%present-symbols ,package))
           (t `(%package-symbols ,package nil)))
     (lambda (entry) entry)
     nil)))

(defun %present-symbols (package)
  (remove-if-not (lambda (s)
                   (member (nth-value 1 (find-symbol (symbol-name s) package))
                           '(:internal :external)))
                 (%package-symbols package nil)))

;; One FOR/AS clause after its keyword.
(defun %loop-for-clause ()
  (let* ((var (%loop-pop))
         (type (%loop-optional-type var))
         (keyword (%loop-pop)))
    (cond ((%loop-kw-p keyword "IN") (%loop-for-in var (%loop-pop) type))
          ((%loop-kw-p keyword "ON") (%loop-for-on var (%loop-pop) type))
          ((%loop-kw-p keyword "ACROSS") (%loop-for-across var (%loop-pop) type))
          ((%loop-kw-p keyword "=") (%loop-for-equals var (%loop-pop) type))
          ((%loop-kw-p keyword "BEING") (%loop-for-being var type))
          ((%loop-kw-p keyword "FROM" "DOWNFROM" "UPFROM" "TO" "UPTO" "BELOW"
                       "DOWNTO" "ABOVE" "BY")
           (%loop-for-arithmetic var keyword (%loop-pop) type))
          (t (%loop-error "~S is not a FOR keyword LOOP knows" keyword)))))

;; FOR clauses joined by AND step together: all the tests before stepping,
;; the steps in parallel, the tests after, then the pseudo-steps.
(defun %loop-for-group ()
  (if %*loop-emitted-body*
      (%loop-error "iteration in LOOP follows body code"))
  (let ((later (list nil nil nil nil)) (first (list nil nil nil nil)))
    (do ((more t)) ((not more))
      (let* ((data (%loop-for-clause))
             (firsts (if (cddddr data) (cddddr data) data)))
        (setq later (%loop-merge-steps later data)
              first (%loop-merge-steps first firsts)))
      (setq more (%loop-accept "AND")))
    (dolist (form (%loop-iteration-forms first)) (push form %*loop-before*))
    (dolist (form (%loop-iteration-forms later)) (push form %*loop-after*))
    (%loop-bind-block)))

;; (tests steps post-tests pseudo-steps) accumulated with one clause's.
(defun %loop-merge-steps (acc data)
  (list (if (first data) (append (first acc) (list (first data))) (first acc))
        (append (second acc) (second data))
        (if (third data) (append (third acc) (list (third data))) (third acc))
        (append (fourth acc) (fourth data))))

(defun %loop-iteration-forms (acc)
  (remove nil (list (%loop-end-test (first acc))
                    (%loop-assign-parallel (second acc))
                    (%loop-end-test (third acc))
                    (%loop-assign (fourth acc)))))

(defun %loop-repeat ()
  (let ((var (gensym "REPEAT")))
    (%loop-make-var var (%loop-pop))
    (let ((form `(if (<= ,var 0) (go ,%*loop-end*) (setq ,var (1- ,var)))))
      (push form %*loop-before*)
      (push form %*loop-after*))))

(defun %loop-with ()
  (do ((more t)) ((not more))
    (let* ((var (%loop-pop))
           (type (%loop-optional-type var))
           (init (if (%loop-accept "=") (%loop-pop) nil)))
      (%loop-make-var var init type))
    (setq more (%loop-accept "AND")))
  (%loop-bind-block))

;;; ---- accumulation -------------------------------------------------------------

;; The collector for name (nil: the loop's own value) of kind LIST, SUM or
;; MINMAX, made on first use: (name kind var tail-var flag-var).
(defun %loop-collector (name kind)
  (let ((c (assoc name %*loop-collectors*)))
    (cond ((null c)
           (let ((var (or name (gensym "ACCUMULATOR"))))
             (setq c (list name kind var
                           (if (eq kind 'list) (gensym "TAIL") nil)
                           (if (eq kind 'minmax) (gensym "SEEN") nil)))
             (push c %*loop-collectors*)
             (push (list var (if (eq kind 'list) nil 0)) %*loop-accumulators*)
             (dolist (v (cdddr c))
               (when v (push (list v nil) %*loop-accumulators*)))
             (unless name (%loop-final-value var))))
          ((not (eq (second c) kind))
           (%loop-error "incompatible accumulations into ~S" name)))
    c))

;; form [INTO var] [type] -> (values form var)
(defun %loop-collection-info ()
  (let* ((form (%loop-pop))
         (name (if (%loop-accept "INTO") (%loop-pop) nil)))
    (%loop-optional-type name)
    (values form name)))

(defun %loop-list-collect (how)
  (multiple-value-bind (form name) (%loop-collection-info)
    (let* ((c (%loop-collector name 'list))
           (head (third c)) (tail (fourth c)) (new (gensym "NEW")))
      (%loop-emit-body
       (if (eq how 'collect)
           `(let ((,new (list ,form)))
              (if ,tail (rplacd ,tail ,new) (setq ,head ,new))
              (setq ,tail ,new))
           `(let ((,new ,(if (eq how 'append) `(copy-list ,form) form)))
              (when ,new
                (if ,tail (rplacd ,tail ,new) (setq ,head ,new))
                (setq ,tail (last ,new)))))))))

(defun %loop-sum-collect (how)
  (multiple-value-bind (form name) (%loop-collection-info)
    (let ((var (third (%loop-collector name 'sum))))
      (%loop-emit-body
       (if (eq how 'count)
           `(when ,form (setq ,var (1+ ,var)))
           `(setq ,var (+ ,var ,form)))))))

;; MAXIMIZE and MINIMIZE: the first value is taken whatever it is.
(defun %loop-minmax-collect (how)
  (multiple-value-bind (form name) (%loop-collection-info)
    (let* ((c (%loop-collector name 'minmax))
           (var (third c)) (seen (fifth c)) (value (gensym "VALUE")))
      (%loop-emit-body
       `(let ((,value ,form))
          (when (or (not ,seen) (,(if (eq how 'max) '> '<) ,value ,var))
            (setq ,seen t ,var ,value)))))))

;;; ---- clauses ------------------------------------------------------------------

;; WHEN test clause {AND clause}* [ELSE clause {AND clause}*] [END]
(defun %loop-conditional (negate)
  (let* ((test (%loop-pop))
         (it (gensym "IT"))
         (then (%loop-conditional-clauses it))
         (else (when (%loop-accept "ELSE")
                 (list (%loop-conditional-clauses it)))))
    (%loop-accept "END")
    (when (%loop-uses-it-p then else it)
      (push (list it nil) %*loop-accumulators*)
      (setq test `(setq ,it ,test)))
    (%loop-pseudo-body `(if ,(if negate `(not ,test) test) ,then ,@else))))

(defun %loop-uses-it-p (then else it)
  (labels ((walk (x) (or (eq x it) (and (consp x) (or (walk (car x)) (walk (cdr x)))))))
    (or (walk then) (walk else))))

;; The clauses of one branch of a conditional, as one form.  IT right
;; after the first clause's keyword is the test's value.
(defun %loop-conditional-clauses (it)
  (let ((forms nil) (first t))
    (do ((more t)) ((not more))
      (let ((%*loop-body* nil) (%*loop-in-conditional* t))
        (let ((keyword (%loop-pop)))
          (when (and first (%loop-kw-p (%loop-peek) "IT"))
            (setq %*loop-tokens* (cons it (cdr %*loop-tokens*))))
          (unless (%loop-body-clause keyword)
            (%loop-error "~S cannot follow a conditional" keyword)))
        (setq forms (append forms (reverse %*loop-body*))))
      (setq first nil
            more (%loop-accept "AND")))
    (if (cdr forms) `(progn ,@forms) (car forms))))

;; A clause that may appear in a conditional: true when keyword was one.
(defun %loop-body-clause (keyword)
  (cond ((%loop-kw-p keyword "DO" "DOING")
         (%loop-emit-body (%loop-compound-forms)))
        ((%loop-kw-p keyword "RETURN")
         (%loop-emit-body (%loop-return (%loop-pop))))
        ((%loop-kw-p keyword "COLLECT" "COLLECTING") (%loop-list-collect 'collect))
        ((%loop-kw-p keyword "APPEND" "APPENDING") (%loop-list-collect 'append))
        ((%loop-kw-p keyword "NCONC" "NCONCING") (%loop-list-collect 'nconc))
        ((%loop-kw-p keyword "SUM" "SUMMING") (%loop-sum-collect 'sum))
        ((%loop-kw-p keyword "COUNT" "COUNTING") (%loop-sum-collect 'count))
        ((%loop-kw-p keyword "MAXIMIZE" "MAXIMIZING") (%loop-minmax-collect 'max))
        ((%loop-kw-p keyword "MINIMIZE" "MINIMIZING") (%loop-minmax-collect 'min))
        ((%loop-kw-p keyword "WHEN" "IF") (%loop-conditional nil))
        ((%loop-kw-p keyword "UNLESS") (%loop-conditional t))
        (t (return-from %loop-body-clause nil)))
  t)

(defun %loop-clause ()
  (let ((keyword (%loop-pop)))
    (cond ((not (symbolp keyword))
           (%loop-error "~S found where a LOOP keyword was expected" keyword))
          ((%loop-kw-p keyword "NAMED")
           (setq %*loop-name* (%loop-pop)))
          ((%loop-kw-p keyword "FOR" "AS") (%loop-for-group))
          ((%loop-kw-p keyword "WITH") (%loop-with))
          ((%loop-kw-p keyword "REPEAT") (%loop-repeat))
          ((%loop-kw-p keyword "INITIALLY")
           (push (%loop-compound-forms) %*loop-prologue*))
          ((%loop-kw-p keyword "FINALLY")
           (push (%loop-compound-forms) %*loop-epilogue*))
          ((%loop-kw-p keyword "WHILE")
           (%loop-pseudo-body `(unless ,(%loop-pop) (go ,%*loop-end*))))
          ((%loop-kw-p keyword "UNTIL")
           (%loop-pseudo-body `(when ,(%loop-pop) (go ,%*loop-end*))))
          ((%loop-kw-p keyword "ALWAYS")
           (%loop-emit-body `(unless ,(%loop-pop) ,(%loop-return nil)))
           (%loop-final-value t))
          ((%loop-kw-p keyword "NEVER")
           (%loop-emit-body `(when ,(%loop-pop) ,(%loop-return nil)))
           (%loop-final-value t))
          ((%loop-kw-p keyword "THEREIS")
           (let ((value (gensym "VALUE")))
             (%loop-emit-body `(let ((,value ,(%loop-pop)))
                                 (when ,value ,(%loop-return value))))))
          ((%loop-body-clause keyword))
          (t (%loop-error "~S is not a LOOP keyword" keyword)))))

;;; ---- the macro ----------------------------------------------------------------

(defun %loop-wrap-groups (finished form)
  (dolist (group finished form)
    (setq form `(let ,(car group)
                  ,@(mapcan (lambda (d) (%loop-desetq (car d) (cadr d)))
                            (cdr group))
                  ,form))))

(defun %loop-expand (clauses)
  (let ((%*loop-tokens* clauses) (%*loop-name* nil) (%*loop-vars* nil)
        (%*loop-desetqs* nil) (%*loop-groups* nil) (%*loop-prologue* nil)
        (%*loop-before* nil) (%*loop-after* nil) (%*loop-body* nil)
        (%*loop-epilogue* nil) (%*loop-results* nil)
        (%*loop-emitted-body* nil) (%*loop-in-conditional* nil)
        (%*loop-collectors* nil) (%*loop-accumulators* nil))
    (do () ((null %*loop-tokens*)) (%loop-clause))
    (%loop-bind-block)
    (let ((next (gensym "NEXT")))
      `(block ,%*loop-name*
         ,(%loop-wrap-groups
           %*loop-groups*
           `(let ,(reverse %*loop-accumulators*)
              (tagbody
                 ,@(reverse %*loop-prologue*)
                 ,@(reverse %*loop-before*)
                 ,next
                 ,@(reverse %*loop-body*)
                 ,@(reverse %*loop-after*)
                 (go ,next)
                 ,%*loop-end*
                 ,@(reverse %*loop-epilogue*)
                 ,@(reverse %*loop-results*))))))))

;; (loop compound-form...) repeats its forms forever; any other LOOP is
;; the extended one.
(defmacro loop (&rest clauses)
  (if (and clauses (every #'consp clauses))
      (let ((top (gensym "TOP")))
        `(block nil (tagbody ,top ,@clauses (go ,top))))
      (%loop-expand clauses)))
