;;;; 30-setf.lisp -- generalized places: SETF and the macros that change
;;;; places (PUSH POP PUSHNEW INCF DECF PSETF PSETQ SHIFTF ROTATEF REMF
;;;; MULTIPLE-VALUE-SETQ), DEFSETF, DEFINE-SETF-EXPANDER,
;;;; DEFINE-MODIFY-MACRO and GET-SETF-EXPANSION, run at cold boot.
;;;;
;;;; A place's setf expansion is Common Lisp's five values: temporaries,
;;;; the forms whose values they are bound to (the place's subforms), the
;;;; store variables, the form that stores them, and the form that reads
;;;; the place.  Every macro here binds the temporaries in order with LET*
;;;; before doing anything else, so a place's subforms are evaluated once,
;;;; left to right: (incf (aref v (incf i))) increments i once.
;;;;
;;;; An expander is a function of (place env) returning those five values,
;;;; kept on the property list of the place's operator under
;;;; %SETF-EXPANDER.  A place whose operator has none is macroexpanded in
;;;; the macro's environment (so MACROLET and SYMBOL-MACROLET places
;;;; work), and failing that is a call of the function (setf operator),
;;;; which DEFUN defines (the compiler keeps it in a hidden symbol,
;;;; %FUNCTION-SYMBOL).

;;; ---- expansions ----------------------------------------------------------

;; Forms whose value can be used where the form is, any number of times
;; and in any order: they need no temporary.
(defun %constant-form-p (form)
  (or (and (atom form) (not (symbolp form)))
      (null form) (eq form t) (keywordp form)
      (and (consp form) (eq (car form) 'quote))))

;; The place's argument forms -> (values temps vals args): args is what
;; the store and access forms use, a temporary for each form that needs
;; one and the constants themselves.
(defun %place-args (forms)
  (let ((temps nil) (vals nil) (args nil))
    (dolist (form forms)
      (if (%constant-form-p form)
          (setq args (cons form args))
          (let ((temp (gensym)))
            (setq temps (cons temp temps)
                  vals (cons form vals)
                  args (cons temp args)))))
    (values (nreverse temps) (nreverse vals) (nreverse args))))

(defun %setf-expander (operator)
  (and (symbolp operator) (get operator '%setf-expander)))

;; A place no expander or macro knows: (f args...) is set by calling
;; (setf f) with the new value and the arguments.
(defun %setf-function-expansion (place)
  (multiple-value-bind (temps vals args) (%place-args (cdr place))
    (let ((store (gensym "NEW")))
      (values temps vals (list store)
              `(,(%function-symbol (list 'setf (car place))) ,store ,@args)
              `(,(car place) ,@args)))))

(defun get-setf-expansion (place &optional env)
  (cond ((symbolp place)
         (multiple-value-bind (expansion expanded) (macroexpand-1 place env)
           (if expanded
               (get-setf-expansion expansion env)
               (let ((store (gensym "NEW")))
                 (values nil nil (list store) `(setq ,place ,store) place)))))
        ((not (consp place))
         (error "~S is not a place" place))
        ((%setf-expander (car place))
         (funcall (%setf-expander (car place)) place env))
        (t
         (multiple-value-bind (expansion expanded) (macroexpand-1 place env)
           (if expanded
               (get-setf-expansion expansion env)
               (%setf-function-expansion place))))))

;; A variable (not a symbol macro) in env: set with SETQ, read as itself.
(defun %simple-variable-p (place env)
  (and (symbolp place)
       (not (nth-value 1 (macroexpand-1 place env)))))

(defun %bindings (temps vals) (mapcar #'list temps vals))

;; The form that stores the value of (funcall make-value access) in place:
;; pre-bindings first (a PUSH's item), then the place's subforms, then the
;; new value.
(defun %update-place (place env make-value &optional pre-bindings)
  (if (%simple-variable-p place env)
      (let ((set `(setq ,place ,(funcall make-value place))))
        (if pre-bindings `(let* ,pre-bindings ,set) set))
      (multiple-value-bind (temps vals stores store-form access)
          (get-setf-expansion place env)
        `(let* (,@pre-bindings
                ,@(%bindings temps vals)
                (,(car stores) ,(funcall make-value access)))
           ,store-form))))

;;; ---- SETF -----------------------------------------------------------------

(defun %setf-1 (place value env)
  (if (%simple-variable-p place env)
      `(setq ,place ,value)
      (multiple-value-bind (temps vals stores store-form)
          (get-setf-expansion place env)
        (if (cdr stores)
            `(let* ,(%bindings temps vals)
               (multiple-value-bind ,stores ,value ,store-form))
            `(let* (,@(%bindings temps vals) (,(car stores) ,value))
               ,store-form)))))

(defun %pairs (pairs op)
  (if (oddp (length pairs))
      (error "~S: an odd number of arguments" op))
  (do ((l pairs (cddr l)) (r nil (cons (cons (car l) (cadr l)) r)))
      ((null l) (nreverse r))))

(defmacro setf (&rest pairs &environment env)
  (let ((pairs (%pairs pairs 'setf)))
    (if (and pairs (null (cdr pairs)))
        (%setf-1 (caar pairs) (cdar pairs) env)
        `(progn ,@(mapcar (lambda (p) (%setf-1 (car p) (cdr p) env)) pairs)
                ,@(if pairs nil '(nil))))))

;; PSETF: every place's subforms and new value in order, then every store.
(defun %psetf (pairs env)
  (if (null pairs)
      nil
      (multiple-value-bind (temps vals stores store-form)
          (get-setf-expansion (caar pairs) env)
        `(let* ,(%bindings temps vals)
           (multiple-value-bind ,stores ,(cdar pairs)
             ,(%psetf (cdr pairs) env)
             ,store-form)))))

(defmacro psetf (&rest pairs &environment env)
  `(progn ,(%psetf (%pairs pairs 'psetf) env) nil))

(defmacro psetq (&rest pairs &environment env)
  (dolist (p (%pairs pairs 'psetq))
    (if (not (symbolp (car p)))
        (error "PSETQ: ~S is not a variable" (car p))))
  `(progn ,(%psetf (%pairs pairs 'psetq) env) nil))

;;; ---- defining places -----------------------------------------------------

(defun %define-setf-expander (access expander)
  (%put access '%setf-expander expander)
  access)

;; (defsetf access update): (setf (access args...) v) is (update args... v).
(defun %short-setf-expander (access update)
  (lambda (place env)
    (declare (ignore env))
    (multiple-value-bind (temps vals args) (%place-args (cdr place))
      (let ((store (gensym "NEW")))
        (values temps vals (list store)
                `(,update ,@args ,store)
                `(,access ,@args))))))

;; (defsetf access lambda-list (store-var...) body...): store-function
;; takes the store variables and then the place's arguments (temporaries
;; or constants) and returns the store form.
(defun %long-setf-expander (access nstores store-function)
  (lambda (place env)
    (declare (ignore env))
    (multiple-value-bind (temps vals args) (%place-args (cdr place))
      (let ((stores nil))
        (dotimes (i nstores) (setq stores (cons (gensym "NEW") stores)))
        (values temps vals stores
                (apply store-function (append stores args))
                `(,access ,@args))))))

(defmacro defsetf (access &rest spec)
  (if (and (car spec) (symbolp (car spec)))
      `(progn
         (%put ',access '%setf-update ',(car spec))    ; for APPLY places
         (%set-documentation ',access 'setf
                             ',(if (stringp (cadr spec)) (cadr spec) nil) t)
         (%define-setf-expander ',access
                                (%short-setf-expander ',access ',(car spec))))
      (let ((lambda-list (car spec)) (stores (cadr spec)) (body (cddr spec))
            (doc nil))
        (if (and (stringp (car body)) (cdr body)) (setq doc (car body)))
        (if (stringp (car body)) (setq body (cdr body)))
        `(progn
           (%set-documentation ',access 'setf ',doc t)
           (%define-setf-expander
            ',access
            (%long-setf-expander ',access ,(length stores)
                                 (lambda (,@stores ,@lambda-list) ,@body)))))))

;; The expander is compiled as a macro under a hidden name, so its lambda
;; list destructures the place's arguments and takes &environment as a
;; DEFMACRO's does; an expander and a macro function take the same
;; arguments, (place env).
(defmacro define-setf-expander (access lambda-list &body body)
  (let ((name (make-symbol (concatenate 'string "SETF-EXPANDER "
                                        (symbol-name access)))))
    `(progn
       (defmacro ,name ,lambda-list ,@body)
       (%set-documentation ',access 'setf
                           ',(if (and (stringp (car body)) (cdr body))
                                 (car body)
                                 nil)
                           t)
       (%define-setf-expander ',access (macro-function ',name)))))

;; The variables a DEFINE-MODIFY-MACRO lambda list binds, as the forms
;; that make the argument list of the call: (list a b) or (list* a rest).
(defun %modify-arguments (lambda-list)
  (let ((vars nil) (rest nil) (state nil))
    (dolist (item lambda-list)
      (cond ((eq item '&optional) (setq state 'optional))
            ((eq item '&rest) (setq state 'rest))
            ((eq state 'rest) (setq rest item))
            (t (setq vars (cons (if (consp item) (car item) item) vars)))))
    `(list* ,@(nreverse vars) ,rest)))

;; The default of an optional argument is a form of the expansion, not of
;; the macro: quote it.
(defun %quote-defaults (lambda-list)
  (mapcar (lambda (item)
            (if (and (consp item) (cdr item))
                (list* (car item) (list 'quote (cadr item)) (cddr item))
                item))
          lambda-list))

(defmacro define-modify-macro (name lambda-list function &optional doc)
  (let ((place (gensym "PLACE")) (env (gensym "ENV")))
    `(defmacro ,name (,place ,@(%quote-defaults lambda-list) &environment ,env)
       ,@(if (stringp doc) (list doc))
       (%update-place ,place ,env
                      (lambda (access)
                        (list* ',function access
                               ,(%modify-arguments lambda-list)))))))

;;; ---- the standard places -------------------------------------------------

(defsetf car (x) (v) `(progn (rplaca ,x ,v) ,v))
(defsetf cdr (x) (v) `(progn (rplacd ,x ,v) ,v))
(defsetf first (x) (v) `(progn (rplaca ,x ,v) ,v))
(defsetf rest (x) (v) `(progn (rplacd ,x ,v) ,v))
(defsetf aref %aset)
(defsetf svref %aset)
(defsetf char %char-set)
(defsetf schar %schar-set)
(defsetf elt %elt-set)
(defsetf symbol-value set)
(defsetf symbol-function %set-symbol-function)
(defsetf fdefinition %set-fdefinition)
(defsetf get (symbol indicator &optional default) (v)
  (declare (ignore default))
  `(%put ,symbol ,indicator ,v))
(defsetf gethash (key table &optional default) (v)
  (declare (ignore default))
  `(%puthash ,key ,table ,v))
(defsetf subseq (sequence start &optional end) (v)
  `(progn (replace ,sequence ,v :start1 ,start :end1 ,end) ,v))

(defun %set-fdefinition (name function)
  (%set-symbol-function (%function-symbol name) function))

;; Places that are other places: (cadr x) is (car (cdr x)), (nth n l) is
;; (car (nthcdr n l)).  rewrite turns the place into the other one.
(defun %define-place-alias (access rewrite)
  (%define-setf-expander access
                         (lambda (place env)
                           (get-setf-expansion (funcall rewrite place) env))))

;; (cadr car cdr): (cadr x) is (car (cdr x)).
(dolist (spec '((caar car car) (cadr car cdr) (cdar cdr car) (cddr cdr cdr)
                (caaar car caar) (caadr car cadr) (cadar car cdar)
                (caddr car cddr) (cdaar cdr caar) (cdadr cdr cadr)
                (cddar cdr cdar) (cdddr cdr cddr)
                (caaaar car caaar) (caaadr car caadr) (caadar car cadar)
                (caaddr car caddr) (cadaar car cdaar) (cadadr car cdadr)
                (caddar car cddar) (cadddr car cdddr) (cdaaar cdr caaar)
                (cdaadr cdr caadr) (cdadar cdr cadar) (cdaddr cdr caddr)
                (cddaar cdr cdaar) (cddadr cdr cdadr) (cdddar cdr cddar)
                (cddddr cdr cdddr)))
  (let ((outer (cadr spec)) (inner (caddr spec)))
    (%define-place-alias (car spec)
                         (lambda (place) `(,outer (,inner ,(cadr place)))))))

(let ((n 1))
  (dolist (name '(second third fourth fifth sixth seventh eighth ninth tenth))
    (let ((index n))
      (%define-place-alias name
                           (lambda (place) `(car (nthcdr ,index ,(cadr place))))))
    (setq n (1+ n))))

(%define-place-alias 'nth
                     (lambda (place)
                       `(car (nthcdr ,(cadr place) ,(caddr place)))))

;; (the type place): the place itself.
(%define-place-alias 'the (lambda (place) (caddr place)))

;; (values place...): each place gets one of the values, the others of a
;; place's store variables nil.
(%define-setf-expander
 'values
 (lambda (place env)
   (let ((temps nil) (vals nil) (stores nil) (store-forms nil) (accesses nil))
     (dolist (sub (cdr place))
       (multiple-value-bind (sub-temps sub-vals sub-stores store-form access)
           (get-setf-expansion sub env)
         (setq temps (append temps sub-temps (cdr sub-stores))
               vals (append vals sub-vals
                            (mapcar (lambda (s) (declare (ignore s)) nil)
                                    (cdr sub-stores)))
               stores (append stores (list (car sub-stores)))
               store-forms (append store-forms (list store-form))
               accesses (append accesses (list access)))))
     (values temps vals stores `(values ,@store-forms)
             `(values ,@accesses)))))

;; (apply #'f args... list): f's update function, or the function
;; (setf f), applied to the arguments and the new value.
(%define-setf-expander
 'apply
 (lambda (place env)
   (declare (ignore env))
   (let ((fn (cadr place)))
     (unless (and (consp fn) (member (car fn) '(function quote))
                  (symbolp (cadr fn)))
       (error "(SETF APPLY): ~S is not #'name" fn))
     (multiple-value-bind (temps vals args) (%place-args (cddr place))
       (let* ((name (cadr fn))
              (update (get name '%setf-update))
              (store (gensym "NEW")))
         (values temps vals (list store)
                 (if update
                     `(apply #',update ,@(butlast args)
                             (append ,(car (last args)) (list ,store)))
                     `(apply #'(setf ,name) ,store ,@args))
                 `(apply #',name ,@args)))))))

;; (getf plist-place indicator [default])
(defun %putf (plist indicator value)
  (do ((l plist (cddr l)))
      ((null l) (list* indicator value plist))
    (when (eq (car l) indicator)
      (rplaca (cdr l) value)
      (return plist))))

(%define-setf-expander
 'getf
 (lambda (place env)
   (multiple-value-bind (temps vals stores store-form access)
       (get-setf-expansion (cadr place) env)
     (multiple-value-bind (arg-temps arg-vals args) (%place-args (cddr place))
       (let ((store (gensym "NEW")))
         (values (append temps arg-temps)
                 (append vals arg-vals)
                 (list store)
                 `(let ((,(car stores) (%putf ,access ,(car args) ,store)))
                    ,store-form
                    ,store)
                 `(getf ,access ,@args)))))))

;;; ---- the macros that change places ---------------------------------------

(define-modify-macro incf (&optional (delta 1)) +)
(define-modify-macro decf (&optional (delta 1)) -)

(defmacro push (item place &environment env)
  (let ((g (gensym "ITEM")))
    (if (%simple-variable-p place env)
        `(setq ,place (cons ,item ,place))
        (%update-place place env (lambda (access) `(cons ,g ,access))
                       `((,g ,item))))))

(defmacro pushnew (item place &rest keys &environment env)
  (let ((g (gensym "ITEM")))
    (%update-place place env (lambda (access) `(adjoin ,g ,access ,@keys))
                   `((,g ,item)))))

(defmacro pop (place &environment env)
  (if (%simple-variable-p place env)
      `(prog1 (car ,place) (setq ,place (cdr ,place)))
      (multiple-value-bind (temps vals stores store-form access)
          (get-setf-expansion place env)
        (let ((list (gensym "LIST")))
          `(let* (,@(%bindings temps vals) (,list ,access))
             (prog1 (car ,list)
               (let ((,(car stores) (cdr ,list)))
                 ,store-form)))))))

;; (%remf plist indicator) -> the plist without indicator's first entry
;; (spliced out of the original unless it is the first), and whether there
;; was one.
(defun %remf (plist indicator)
  (cond ((null plist) (values nil nil))
        ((eq (car plist) indicator) (values (cddr plist) t))
        (t (do ((l plist (cddr l)))
               ((null (cddr l)) (values plist nil))
             (when (eq (caddr l) indicator)
               (rplacd (cdr l) (cddddr l))
               (return (values plist t)))))))

(defmacro remf (place indicator &environment env)
  (multiple-value-bind (temps vals stores store-form access)
      (get-setf-expansion place env)
    (let ((found (gensym "FOUND")) (key (gensym "INDICATOR")))
      `(let* (,@(%bindings temps vals) (,key ,indicator))
         (multiple-value-bind (,(car stores) ,found) (%remf ,access ,key)
           ,store-form
           ,found)))))

;; SHIFTF and ROTATEF read every place (subforms left to right), then
;; store: each place gets the next one's old value.
(defun %expand-places (places env)
  (mapcar (lambda (place)
            (multiple-value-list (get-setf-expansion place env)))
          places))

;; The bindings that evaluate the places' subforms and read each place into
;; a variable of its own, and those variables: (values bindings olds).
(defun %read-places (expansions)
  (let ((bindings nil) (olds nil))
    (dolist (e expansions)
      (let ((old (gensym "OLD")))
        (setq bindings (append bindings (%bindings (first e) (second e))
                               (list (list old (fifth e))))
              olds (append olds (list old)))))
    (values bindings olds)))

;; The forms storing each of values in the place of the same position.
(defun %store-places (expansions values)
  (mapcar (lambda (e value)
            `(let ((,(car (third e)) ,value)) ,(fourth e)))
          expansions values))

(defmacro shiftf (&rest places-and-value &environment env)
  (let ((expansions (%expand-places (butlast places-and-value) env))
        (new (gensym "NEW")))
    (multiple-value-bind (bindings olds) (%read-places expansions)
      `(let* (,@bindings (,new ,(car (last places-and-value))))
         ,@(%store-places expansions (append (cdr olds) (list new)))
         ,(car olds)))))

(defmacro rotatef (&rest places &environment env)
  (let ((expansions (%expand-places places env)))
    (multiple-value-bind (bindings olds) (%read-places expansions)
      `(let* ,bindings
         ,@(%store-places expansions (append (cdr olds) (list (car olds))))
         nil))))

(defmacro multiple-value-setq (vars form)
  (if vars
      `(values (setf (values ,@vars) ,form))
      `(values ,form)))
