;;;; 20-conditions.lisp -- the condition system: condition types
;;;; (DEFINE-CONDITION), MAKE-CONDITION, SIGNAL, ERROR, CERROR, WARN,
;;;; HANDLER-BIND, HANDLER-CASE, IGNORE-ERRORS, restarts (RESTART-BIND,
;;;; RESTART-CASE, INVOKE-RESTART, FIND-RESTART, COMPUTE-RESTARTS, the
;;;; standard restart functions), ASSERT, CHECK-TYPE.
;;;;
;;;; A condition is a heap object with a type (a symbol), a message (its
;;;; report as a string, or nil when the report is a function, which
;;;; printing then calls) and a property list: the values of its slots by
;;;; slot name, then the initargs it was made with (C: lisp/control.c).
;;;; Errors signalled by C code are conditions too: lo_error makes one (its
;;;; data the initargs only; readers fall back on them) and raises it,
;;;; which calls %SIGNAL below when handlers are in force.  Handlers live
;;;; in *%HANDLERS*, a list of clusters (one per HANDLER-BIND, innermost
;;;; first), each a list of (type . function); a handler runs with only the
;;;; clusters outside its own in force.  A handler declines by returning;
;;;; HANDLER-CASE's handlers never return: they GO out of the handler-case.
;;;; When no handler takes an error, it goes to the evaluation entry point
;;;; (after the cleanups on the way have run), which reports it with its
;;;; backtrace (lisp/conditions.c).
;;;;
;;;; Restarts (objects made by %MAKE-RESTART, lisp/conditions.c) live in
;;;; *%RESTARTS*, innermost first; RESTART-CASE's leave by GO, so invoking
;;;; one unwinds through UNWIND-PROTECT like any exit, and one whose extent
;;;; has ended is no longer in *%RESTARTS* (a CONTROL-ERROR).  Restarts are
;;;; associated with conditions by WITH-CONDITION-RESTARTS, which binds
;;;; *%CONDITION-RESTARTS*.  Each evaluation entry point binds an ABORT
;;;; restart that ends the evaluation (lisp/conditions.c).
;;;;
;;;; Written before SETF, PUSH, DESTRUCTURING-BIND and LOOP exist (later
;;;; boot files): function bodies here use SETQ and plain lists.

(defvar *%handlers* nil)
(defvar *%restarts* nil)
(defvar *%condition-restarts* nil)      ; ((condition . restarts) ...)
(defvar *break-on-signals* nil)
(defvar *debugger-hook* nil)

;;; ---- condition types ----

;; A type C code raised without declaring it counts as an error.
(defun %condition-parents (type)
  (if (get type '%condition-type)
      (get type '%condition-parents)
      '(error)))

;; The type and its ancestors, most specific first: depth first, left to
;; right, each kept at its last place (so CONDITION comes last).
(defun %compute-condition-cpl (type)
  (let ((all nil))
    (labels ((walk (type)
               (setq all (cons type all))
               (dolist (parent (%condition-parents type))
                 (walk parent))))
      (walk type))
    ;; all is reversed: keeping the first occurrence of each here keeps
    ;; its last one in depth-first order
    (let ((cpl nil))
      (dolist (x all)
        (if (not (member x cpl)) (setq cpl (cons x cpl))))
      cpl)))

(defun %condition-cpl (type)
  (or (get type '%condition-cpl) (%compute-condition-cpl type)))

;; A slot as the type sees it: (name initargs initfunction), the initargs
;; of every definition along the ancestors, the initform of the most
;; specific one that has one.  Nil when the type has no such slot.
(defun %condition-slot (cpl name)
  (let ((found nil) (initargs nil) (initfunction nil))
    (dolist (type cpl)
      (dolist (slot (get type '%condition-slots))
        (if (eq (car slot) name)
            (progn
              (setq found t)
              (dolist (initarg (cadr slot))
                (if (not (member initarg initargs))
                    (setq initargs (append initargs (list initarg)))))
              (if (and (null initfunction) (caddr slot))
                  (setq initfunction (caddr slot)))))))
    (if found (list name initargs initfunction) nil)))

;; What MAKE-CONDITION needs of a type, from its precedence list: its
;; slots as %CONDITION-SLOT gives them, its default initargs (the most
;; specific of each) and its report.
(defun %compute-condition-layout (type)
  (let ((cpl (%condition-cpl type)) (names nil) (defaults nil) (report nil))
    (dolist (x cpl)
      (dolist (slot (get x '%condition-slots))
        (if (not (member (car slot) names))
            (setq names (cons (car slot) names))))
      (dolist (d (get x '%condition-default-initargs))
        (if (not (assoc (car d) defaults))
            (setq defaults (cons d defaults))))
      (if (null report)
          (setq report (get x '%condition-report))))
    (list (mapcar (lambda (name) (%condition-slot cpl name)) (nreverse names))
          (nreverse defaults)
          report)))

(defun %condition-layout (type)
  (or (get type '%condition-layout) (%compute-condition-layout type)))

;; The single place a condition type is registered: its parents (most
;; specific first) and options, a property list of
;;   :slots             the direct slots, each (name initargs initfunction):
;;                      initfunction nil when the slot has no initform
;;   :default-initargs  ((initarg initfunction) ...)
;;   :report            nil, a string, or a function of (condition stream)
;;   :documentation     a string or nil
;; kept on the name's property list, with its precedence list
;; (%CONDITION-CPL), computed here for it and for the types below it.
(defvar *%condition-types* nil)         ; every type registered
(defun %define-condition-type (name parents &rest options)
  (%put name '%condition-type t)
  (%put name '%condition-parents parents)
  (%put name '%condition-slots (getf options :slots))
  (%put name '%condition-default-initargs (getf options :default-initargs))
  (%put name '%condition-report (getf options :report))
  (%put name '%condition-documentation (getf options :documentation))
  (if (not (member name *%condition-types*))
      (setq *%condition-types* (cons name *%condition-types*)))
  (dolist (type *%condition-types*)
    (if (or (eq type name) (member name (get type '%condition-cpl)))
        (progn
          (%put type '%condition-cpl (%compute-condition-cpl type))
          (%put type '%condition-layout (%compute-condition-layout type)))))
  name)

(defun %nil () nil)

(defun %nil-slots (&rest names)
  (mapcar (lambda (name)
            (list name (list (intern (symbol-name name) "KEYWORD")) #'%nil))
          names))

(%define-condition-type 'condition nil)
(%define-condition-type 'serious-condition '(condition))
(%define-condition-type 'error '(serious-condition))
(%define-condition-type 'warning '(condition))
(%define-condition-type 'style-warning '(warning))
(%define-condition-type 'simple-condition '(condition)
                        :slots (%nil-slots 'format-control 'format-arguments))
(%define-condition-type 'simple-error '(simple-condition error))
(%define-condition-type 'simple-warning '(simple-condition warning))
(%define-condition-type 'storage-condition '(serious-condition))
(%define-condition-type 'type-error '(error)
                        :slots (%nil-slots 'datum 'expected-type))
(%define-condition-type 'simple-type-error '(simple-condition type-error))
(%define-condition-type 'program-error '(error))
(%define-condition-type 'control-error '(error))
(%define-condition-type 'cell-error '(error) :slots (%nil-slots 'name))
(%define-condition-type 'unbound-variable '(cell-error))
(%define-condition-type 'undefined-function '(cell-error))
(%define-condition-type 'unbound-slot '(cell-error)
                        :slots (%nil-slots 'instance))
(%define-condition-type 'arithmetic-error '(error)
                        :slots (%nil-slots 'operation 'operands))
(%define-condition-type 'division-by-zero '(arithmetic-error))
(%define-condition-type 'floating-point-overflow '(arithmetic-error))
(%define-condition-type 'floating-point-underflow '(arithmetic-error))
(%define-condition-type 'floating-point-invalid-operation '(arithmetic-error))
(%define-condition-type 'floating-point-inexact '(arithmetic-error))
(%define-condition-type 'package-error '(error) :slots (%nil-slots 'package))
(%define-condition-type 'stream-error '(error) :slots (%nil-slots 'stream))
(%define-condition-type 'end-of-file '(stream-error))
(%define-condition-type 'parse-error '(error))
(%define-condition-type 'reader-error '(parse-error stream-error))
(%define-condition-type 'file-error '(error) :slots (%nil-slots 'pathname))
(%define-condition-type 'print-not-readable '(error)
                        :slots (%nil-slots 'object))
(%define-condition-type 'access-denied '(error))
(%define-condition-type 'format-error '(error))
;; An evaluation past one of its limits (lisp.h, lo_lisp_set_limits).  A
;; serious condition but not an error: IGNORE-ERRORS and HANDLER-CASE on
;; ERROR let it pass, so code cannot swallow its own limit by accident
;; (nor on purpose: past the limit the evaluation has failed anyway).
(%define-condition-type 'resource-exhausted '(serious-condition)
                        :slots (%nil-slots 'limit 'value))

(defun %condition-subtype-p (type super)
  (if (member super (%condition-cpl type)) t nil))

;; The report of a type: the first one found along its ancestors.
(defun %condition-report-of (type)
  (caddr (%condition-layout type)))



;; The default initargs (key initfunction) not given in initargs,
;; evaluated, after them.
(defun %add-default-initargs (defaults initargs)
  (let ((extra nil))
    (dolist (d defaults)
      (if (not (%key-tail initargs (car d)))
          (setq extra (list* (funcall (cadr d)) (car d) extra))))
    (if extra (append initargs (nreverse extra)) initargs)))

;; (name value ...) for the slots given a value by initargs (the leftmost
;; initarg given wins) or by their initforms.
(defun %initial-slot-values (slots initargs)
  (let ((values nil))
    (dolist (slot slots)
      (let ((given (do ((l initargs (cddr l))) ((null l) nil)
                     (if (member (car l) (cadr slot)) (return l)))))
        (cond (given
               (setq values (list* (cadr given) (car slot) values)))
              ((caddr slot)
               (setq values (list* (funcall (caddr slot)) (car slot) values))))))
    (nreverse values)))

;;; ---- slots ----

(defun %condition-slot-value (condition name)
  (let* ((data (%condition-data condition))
         (tail (%key-tail data name)))
    (if tail
        (car tail)
        (let ((slot (%condition-slot (%condition-cpl (%condition-type condition))
                                     name)))
          ;; a condition made by C carries its initargs only
          (dolist (initarg (cadr slot))
            (let ((tail (%key-tail data initarg)))
              (if tail (return-from %condition-slot-value (car tail)))))
          (if (caddr slot)
              (funcall (caddr slot))
              (error 'unbound-slot :name name :instance condition
                     :format-control "The slot ~s is unbound in the condition ~s."
                     :format-arguments (list name condition)))))))

(defun %set-condition-slot-value (condition name value)
  (let ((tail (%key-tail (%condition-data condition) name)))
    (if tail
        (rplaca tail value)
        (%set-condition-data condition
                             (list* name value (%condition-data condition))))
    value))

(defun simple-condition-format-control (c)
  (%condition-slot-value c 'format-control))
(defun simple-condition-format-arguments (c)
  (%condition-slot-value c 'format-arguments))
(defun type-error-datum (c) (%condition-slot-value c 'datum))
(defun type-error-expected-type (c) (%condition-slot-value c 'expected-type))
(defun cell-error-name (c) (%condition-slot-value c 'name))
(defun unbound-slot-instance (c) (%condition-slot-value c 'instance))
(defun arithmetic-error-operation (c) (%condition-slot-value c 'operation))
(defun arithmetic-error-operands (c) (%condition-slot-value c 'operands))
(defun package-error-package (c) (%condition-slot-value c 'package))
(defun stream-error-stream (c) (%condition-slot-value c 'stream))
(defun print-not-readable-object (c) (%condition-slot-value c 'object))
;; Which limit (:steps, :bytes or :wall-time) and its value (in steps,
;; bytes or nanoseconds).
(defun resource-exhausted-limit (c) (%condition-slot-value c 'limit))
(defun resource-exhausted-value (c) (%condition-slot-value c 'value))

;;; ---- making conditions ----

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
          ;; the name with its package unless it is in COMMON-LISP, as SBCL
          (t (let ((*package* (find-package "COMMON-LISP")))
               (%format-message "Condition ~s was signalled." (list type)))))))

(defun make-condition (type &rest initargs)
  (if (and (symbolp type) (get type '%condition-type))
      (let* ((layout (%condition-layout type))
             (initargs (%add-default-initargs (cadr layout) initargs))
             (report (caddr layout))
             (c (%make-condition type nil initargs)))
        (%set-condition-data c (append (%initial-slot-values (car layout)
                                                             initargs)
                                       initargs))
        (%set-condition-message c (cond ((stringp report) report)
                                        (report nil)
                                        (t (%condition-message-for
                                            type initargs))))
        c)
      (error 'simple-type-error :datum type :expected-type 'condition
             :format-control "~s is not a condition type"
             :format-arguments (list type))))

;; What printing an object with PRINC writes: a condition's report, a
;; restart's (lisp/conditions.c calls %REPORT-STRING for the ones that
;; are functions).
(defun %report (object stream)
  (if (%restartp object)
      (let ((report (%restart-field object 2)))
        (cond ((stringp report) (write-string report stream))
              (report (funcall report stream))
              (t (princ (%restart-field object 0) stream))))
      (let ((message (%condition-message object)))
        (if (stringp message)
            (write-string message stream)
            (let ((report (%condition-report-of (%condition-type object))))
              (if (and report (not (stringp report)))
                  (funcall report object stream)
                  (princ (%condition-type object) stream))))))
  nil)

(defun %report-string (object)
  (let ((s (make-string-output-stream)))
    (%report object s)
    (get-output-stream-string s)))

;; ERROR's and SIGNAL's datum: a condition, a type and initargs, or a
;; format control and its arguments.
(defun %coerce-to-condition (datum arguments default-type)
  (cond ((%conditionp datum) datum)
        ((symbolp datum) (apply #'make-condition datum arguments))
        ((or (stringp datum) (functionp datum))
         (make-condition default-type :format-control datum
                         :format-arguments arguments))
        (t (error 'simple-type-error :datum datum
                  :expected-type '(or condition symbol string)
                  :format-control "~s does not designate a condition"
                  :format-arguments (list datum)))))

;;; ---- signalling ----

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

;; *BREAK-ON-SIGNALS*: there is no interactive debugger, so a condition
;; of that type goes to the debugger, which ends the evaluation.
(defun %break-on-signals (condition)
  (let ((type *break-on-signals*))
    (if (and type (let ((*break-on-signals* nil)) (typep condition type)))
        (let ((*break-on-signals* nil))
          (invoke-debugger condition)))))

(defun signal (datum &rest arguments)
  (let ((condition (%coerce-to-condition datum arguments 'simple-condition)))
    (%break-on-signals condition)
    (%signal condition)
    nil))

;; No interactive debugger: *DEBUGGER-HOOK* is called (with itself
;; unbound), then the condition goes to the evaluation entry point as an
;; error nobody handled, with its backtrace.
(defun invoke-debugger (condition)
  (let ((hook *debugger-hook*))
    (if hook
        (let ((*debugger-hook* nil))
          (funcall hook condition hook))))
  (%unhandled condition))

(defun error (datum &rest arguments)
  (let ((condition (%coerce-to-condition datum arguments 'simple-error)))
    (%break-on-signals condition)
    (if *debugger-hook*
        (progn (%signal condition) (invoke-debugger condition))
        (%raise condition))))

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

;; The report of a condition that reached the entry point unhandled
;; (lisp/conditions.c): an error in its report function is no second
;; error.
(defun %unhandled-report-string (condition)
  (handler-case (%report-string condition)
    (error () (let ((*package* (find-package "COMMON-LISP")))
                (format nil "~s (its report failed)"
                        (%condition-type condition))))))

;;; ---- restarts ----

(defun restart-name (restart) (%restart-field restart 0))

;; Whether restart applies to condition (nil: to any): not associated
;; with other conditions only, and its test function agrees.
(defun %restart-applicable-p (restart condition)
  (and (or (null condition)
           (let ((others nil))
             (dolist (entry *%condition-restarts* (not others))
               (if (member restart (cdr entry))
                   (if (eq (car entry) condition)
                       (return t)
                       (setq others t))))))
       (let ((test (%restart-field restart 4)))
         (or (null test) (funcall test condition)))))

(defun compute-restarts (&optional condition)
  (let ((result nil))
    (dolist (r *%restarts*)
      (if (%restart-applicable-p r condition)
          (setq result (cons r result))))
    (nreverse result)))

(defun find-restart (identifier &optional condition)
  (dolist (r *%restarts* nil)
    (if (and (or (eq r identifier)
                 (and identifier (symbolp identifier)
                      (eq (%restart-field r 0) identifier)))
             (%restart-applicable-p r condition))
        (return r))))

(defun %find-restart-or-control-error (identifier &optional condition)
  (or (find-restart identifier condition)
      (error 'control-error
             :format-control (if (%restartp identifier)
                                 "Restart ~s is not active."
                                 "No restart ~s is active.")
             :format-arguments (list identifier))))

(defun invoke-restart (restart &rest arguments)
  (apply (%restart-field (%find-restart-or-control-error restart) 1)
         arguments))

;; Its :interactive function gives the arguments (none without one).
(defun invoke-restart-interactively (restart)
  (let* ((r (%find-restart-or-control-error restart))
         (interactive (%restart-field r 3)))
    (apply (%restart-field r 1) (if interactive (funcall interactive) nil))))

;; (restart-bind ((name function {:report-function f | :interactive-function f
;;                 | :test-function f}*)...) form*)
(defmacro restart-bind (bindings &body body)
  `(let ((*%restarts*
           (list* ,@(mapcar (lambda (b)
                              (let ((options (cddr b)))
                                `(%make-restart
                                  ',(car b) ,(cadr b)
                                  ,(getf options :report-function)
                                  ,(getf options :interactive-function)
                                  ,(getf options :test-function))))
                            bindings)
                  *%restarts*)))
     ,@body))

(defmacro with-condition-restarts (condition-form restarts-form &body body)
  `(let ((*%condition-restarts* (cons (cons ,condition-form ,restarts-form)
                                      *%condition-restarts*)))
     ,@body))

(defun %first-restarts (n)
  (let ((result nil) (l *%restarts*))
    (dotimes (i n) (setq result (cons (car l) result) l (cdr l)))
    (nreverse result)))

;; RESTART-CASE around a form that signals (SIGNAL, ERROR, CERROR, WARN,
;; after macro expansion): the condition is made first and the n restarts
;; just established are associated with it.
(defun %restart-case-form (form n env)
  (let ((expansion (macroexpand form env)))
    (if (and (consp expansion)
             (member (car expansion) '(signal error cerror warn))
             (consp (cdr expansion))
             (or (not (eq (car expansion) 'cerror)) (consp (cddr expansion))))
        (let* ((op (car expansion))
               (temps (mapcar (lambda (x) (gensym)) (cdr expansion)))
               (datum-args (if (eq op 'cerror) (cdr temps) temps))
               (c (gensym "CONDITION")))
          `(let ,(mapcar #'list temps (cdr expansion))
             (let ((,c (%coerce-to-condition
                        ,(car datum-args) (list ,@(cdr datum-args))
                        ',(case op
                            (signal 'simple-condition)
                            (warn 'simple-warning)
                            (t 'simple-error)))))
               (with-condition-restarts ,c (%first-restarts ,n)
                 ,(if (eq op 'cerror)
                      `(cerror ,(car temps) ,c ,@(cddr temps))
                      `(,op ,c))))))
        form)))

;; A clause (name lambda-list [[:report r | :interactive i | :test t]] body)
;; as (name lambda-list report interactive test body).
(defun %parse-restart-clause (clause)
  (let ((rest (cddr clause)) (report nil) (interactive nil) (test nil))
    (do () ((not (and (consp rest) (consp (cdr rest))
                      (member (car rest) '(:report :interactive :test)))))
      (case (car rest)
        (:report (setq report (cadr rest)))
        (:interactive (setq interactive (cadr rest)))
        (:test (setq test (cadr rest))))
      (setq rest (cddr rest)))
    (list (car clause) (cadr clause) report interactive test rest)))

(defmacro restart-case (form &rest clauses &environment env)
  (let* ((block (gensym "RESTART-CASE"))
         (args (gensym "ARGS"))
         (clauses (mapcar #'%parse-restart-clause clauses))
         (tags (mapcar (lambda (c) (gensym "RESTART")) clauses))
         (bindings
           (mapcar (lambda (clause tag)
                     (let ((report (nth 2 clause))
                           (interactive (nth 3 clause))
                           (test (nth 4 clause)))
                       `(,(car clause)
                         (lambda (&rest temp) (setq ,args temp) (go ,tag))
                         :report-function ,(if (stringp report)
                                               report
                                               (if report `(function ,report)))
                         :interactive-function ,(if interactive
                                                    `(function ,interactive))
                         :test-function ,(if test `(function ,test)))))
                   clauses tags)))
    `(block ,block
       (let ((,args nil))
         (tagbody
            (return-from ,block
              (restart-bind ,bindings
                ,(%restart-case-form form (length clauses) env)))
            ,@(mapcan (lambda (clause tag)
                        (list tag
                              `(return-from ,block
                                 (apply (lambda ,(nth 1 clause) ,@(nth 5 clause))
                                        ,args))))
                      clauses tags))))))

(defmacro with-simple-restart (spec &body forms)
  (let ((name (car spec)) (control (cadr spec)) (arguments (cddr spec)))
    `(restart-case ,(if (and forms (null (cdr forms))) (car forms) `(progn ,@forms))
       (,name ()
         :report (lambda (stream) (format stream ,control ,@arguments))
         (values nil t)))))

;; The standard restart functions: each invokes the innermost restart of
;; its name (applicable to condition).  ABORT and MUFFLE-WARNING must
;; find one; the others return nil when there is none.
(defun abort (&optional condition)
  (invoke-restart (%find-restart-or-control-error 'abort condition))
  (error 'control-error :format-control "The ABORT restart returned."))

(defun muffle-warning (&optional condition)
  (invoke-restart (%find-restart-or-control-error 'muffle-warning condition))
  (error 'control-error :format-control "The MUFFLE-WARNING restart returned."))

(defun continue (&optional condition)
  (let ((r (find-restart 'continue condition)))
    (if r (invoke-restart r) nil)))

(defun use-value (value &optional condition)
  (let ((r (find-restart 'use-value condition)))
    (if r (invoke-restart r value) nil)))

(defun store-value (value &optional condition)
  (let ((r (find-restart 'store-value condition)))
    (if r (invoke-restart r value) nil)))

;;; ---- warnings and continuable errors ----

;; Unhandled (no MUFFLE-WARNING), a warning is printed on *ERROR-OUTPUT*.
(defun warn (datum &rest arguments)
  (let ((condition (%coerce-to-condition datum arguments 'simple-warning)))
    (if (not (typep condition 'warning))
        (error 'simple-type-error :datum condition :expected-type 'warning
               :format-control "~s is not a warning"
               :format-arguments (list condition)))
    (restart-case (signal condition)
      (muffle-warning ()
        :report "Skip warning."
        (return-from warn nil)))
    (format *error-output* "~&WARNING: ~a~%" condition)
    nil))

(defun cerror (continue-format-control datum &rest arguments)
  (let ((condition (%coerce-to-condition datum arguments 'simple-error)))
    (restart-case (error condition)
      (continue ()
        :report (lambda (stream)
                  (apply #'format stream continue-format-control arguments))
        nil))
    nil))

;;; ---- DEFINE-CONDITION ----

;; (name [:initarg i]* [:initform f] [:reader r]* [:writer w]* [:accessor a]*
;;  [:allocation x] [:type t] [:documentation d]) or name, as
;; (name initargs initform-p initform readers writers).
(defun %parse-condition-slot (spec)
  (if (symbolp spec)
      (list spec nil nil nil nil nil)
      (let ((initargs nil) (initform-p nil) (initform nil)
            (readers nil) (writers nil))
        (do ((l (cdr spec) (cddr l))) ((null l))
          (let ((value (cadr l)))
            (case (car l)
              (:initarg (setq initargs (append initargs (list value))))
              (:initform (setq initform-p t initform value))
              (:reader (setq readers (append readers (list value))))
              (:writer (setq writers (append writers (list value))))
              (:accessor (setq readers (append readers (list value))
                               writers (append writers
                                               (list (list 'setf value))))))))
        (list (car spec) initargs initform-p initform readers writers))))

(defun %condition-accessor-forms (slot)
  (let ((name (car slot)))
    (append
     (mapcar (lambda (reader)
               `(defun ,reader (condition)
                  (%condition-slot-value condition ',name)))
             (nth 4 slot))
     (mapcar (lambda (writer)
               `(defun ,writer (value condition)
                  (%set-condition-slot-value condition ',name value)))
             (nth 5 slot)))))

(defmacro define-condition (name parents slot-specs &rest options)
  (let ((slots (mapcar #'%parse-condition-slot slot-specs))
        (report nil) (default-initargs nil) (documentation nil))
    (dolist (option options)
      (case (car option)
        (:report (setq report (cadr option)))
        (:default-initargs (setq default-initargs (cdr option)))
        (:documentation (setq documentation (cadr option)))))
    `(progn
       (%define-condition-type
        ',name ',(or parents '(condition))
        :slots (list ,@(mapcar (lambda (slot)
                                 `(list ',(car slot) ',(cadr slot)
                                        ,(if (caddr slot)
                                             `(lambda () ,(nth 3 slot))
                                             nil)))
                               slots))
        :default-initargs
        (list ,@(do ((l default-initargs (cddr l)) (forms nil))
                    ((null l) (nreverse forms))
                  (setq forms (cons `(list ',(car l) (lambda () ,(cadr l)))
                                    forms))))
        :report ,(cond ((null report) nil)
                       ((stringp report) report)
                       (t `(function ,report)))
        :documentation ',documentation)
       (%set-documentation ',name 'type ',documentation t)
       ,@(mapcan #'%condition-accessor-forms slots)
       ',name)))

;;; ---- ASSERT and CHECK-TYPE ----

;; With a CONTINUE restart that tests again.
(defmacro assert (test &optional places datum &rest arguments)
  (let ((tag (gensym "ASSERT")))
    `(tagbody
        ,tag
        (if ,test
            nil
            (restart-case
                ,(if datum
                     `(error ,datum ,@arguments)
                     `(error 'simple-error
                             :format-control "The assertion ~s failed."
                             :format-arguments '(,test)))
              (continue ()
                :report "Retry assertion."
                (go ,tag)))))))

;; With a STORE-VALUE restart that stores a new value in place and checks
;; again.
(defmacro check-type (place type &optional description)
  (let ((value (gensym)) (new (gensym "NEW")))
    `(do ((,value ,place ,place))
         ((typep ,value ',type) nil)
       (restart-case
           (error 'simple-type-error :datum ,value :expected-type ',type
                  :format-control "The value of ~s is ~s, which is not ~a."
                  :format-arguments
                  (list ',place ,value
                        ,(or description
                             `(%format-message "of type ~s" '(,type)))))
         (store-value (,new)
           :report (lambda (stream)
                     (format stream "Supply a new value for ~s." ',place))
           (setf ,place ,new))))))
