;;;; 55-defstruct.lisp -- DEFSTRUCT and COPY-STRUCTURE.
;;;;
;;;; A structure is an instance (lisp/instances.c) like a standard object,
;;;; of a class of kind :structure whose metaclass is STRUCTURE-CLASS and
;;;; whose precedence list ends in STRUCTURE-OBJECT (50-clos.lisp).  An
;;;; included structure's slots come first, so its accessors work on the
;;;; includer at the same positions.  Accessors are ordinary functions
;;;; reading a slot by position after checking the type; they take the
;;;; capability's read bit, their SETF functions its write bit.  The class
;;;; keeps what a later :INCLUDE needs on its property list (:struct-slots,
;;;; a list of (name initform read-only) for every slot in order).
;;;; Structures print as #S(NAME :SLOT value...) unless a :PRINT-OBJECT or
;;;; :PRINT-FUNCTION option (or a PRINT-OBJECT method) says otherwise.
;;;; Not done: the :TYPE option (structures as lists or vectors),
;;;; :INITIAL-OFFSET, EQUALP comparing structures slot by slot.

(defun %struct-of-type-p (object name)
  (and (%instancep object)
       (let ((c (%wrapper-class (%instance-wrapper object))))
         (or (eq (%class-name c) name)
             (let ((kl (%class-binding name)))
               (and kl (eq (%class-kind kl) :structure)
                    (member kl (%class-precedence-list c))
                    t))))))

(defun %struct-check (object name)
  (unless (%struct-of-type-p object name)
    (error 'type-error :datum object :expected-type name))
  (unless (%wrapper-valid (%instance-wrapper object))
    (%valid-wrapper object)))

(defun %struct-ref (object name index op)
  (%struct-check object name)
  (%slot-ref object index op))

(defun %struct-set (object name index value op)
  (%struct-check object name)
  (%slot-set object index value op))

(defun %make-struct (name values)
  (%allocate-instance (%class-wrapper (%class-binding name)) values))

(defun copy-structure (structure)
  (unless (and (%instancep structure)
               (eq (%class-kind (class-of structure)) :structure))
    (error 'type-error :datum structure :expected-type 'structure-object))
  (%allocate-instance (%valid-wrapper structure)
                      (copy-seq (%instance-slots structure))))

;; Define (or redefine) the class of structure name.
(defun %define-structure (name include own-slots all-slots)
  (%with-clos-lock (%define-structure-1 name include own-slots all-slots)))

(defun %define-structure-1 (name include own-slots all-slots)
  (let* ((supers (list (if include
                           (or (%class-binding include)
                               (error "The structure ~s to include is not defined"
                                      include))
                           (%class-binding 'structure-object))))
         (class (%reuse-or-make-class name :structure supers 'structure-class)))
    (%set-class-field class 2 own-slots)
    (%set-class-field class 11 (list :struct-slots all-slots))
    (%finalize-class class (%upgrading-p))
    (%set-class-binding name class)
    (%clear-dispatch-caches)
    class))

(defun %struct-symbol (&rest parts)
  (intern (apply #'concatenate 'string
                 (mapcar (lambda (p) (if (symbolp p) (symbol-name p) p)) parts))))

;; A BOA lambda list: &optional and &key variables naming slots, given no
;; default, default to the slot's initform.
(defun %boa-lambda-list (ll slots)
  (let ((state nil) (r nil))
    (dolist (p ll (nreverse r))
      (cond ((member p '(&optional &rest &key &aux &allow-other-keys &body))
             (setq state p)
             (push p r))
            ((and (symbolp p) (member state '(&optional &key))
                  (assoc p slots))
             (push (list p (cadr (assoc p slots))) r))
            (t (push p r))))))

(defun %lambda-list-variables (ll)
  (let ((r nil))
    (dolist (p ll r)
      (cond ((member p '(&optional &rest &key &aux &allow-other-keys &body)))
            ((symbolp p) (push p r))
            ((consp p)
             (push (if (consp (car p)) (cadar p) (car p)) r)
             (when (caddr p) (push (caddr p) r)))))))

(defmacro defstruct (name-and-options &rest slot-descriptions)
  (let* ((name (if (consp name-and-options) (car name-and-options) name-and-options))
         (options (if (consp name-and-options) (cdr name-and-options) nil))
         (conc-name (%struct-symbol name "-"))
         (constructors nil) (no-constructor nil)
         (copier (%struct-symbol "COPY-" name))
         (predicate (%struct-symbol name "-P"))
         (include nil) (overrides nil) (printer nil) (doc nil))
    (dolist (o options)
      (let ((key (if (consp o) (car o) o))
            (args (if (consp o) (cdr o) nil)))
        (case key
          (:conc-name (setq conc-name (if (and args (car args))
                                          (%struct-symbol (car args))
                                          nil)))
          (:constructor
           (cond ((null args))
                 ((null (car args)) (setq no-constructor t))
                 (t (push args constructors))))
          (:copier (setq copier (if args (car args) nil)))
          (:predicate (setq predicate (if args (car args) nil)))
          (:include (setq include (car args) overrides (cdr args)))
          (:print-function
           (setq printer `(funcall (function ,(car args)) object stream 0)))
          (:print-object
           (setq printer `(funcall (function ,(car args)) object stream)))
          ((:named :type :initial-offset)
           (error "DEFSTRUCT option ~s is not supported" key))
          (t (error "Unknown DEFSTRUCT option ~s" key)))))
    (when (stringp (car slot-descriptions))
      (setq doc (pop slot-descriptions)))
    (let* ((inherited
             (if include
                 (let ((c (or (%class-binding include)
                              (error "The structure ~s to include is not defined"
                                     include))))
                   (mapcar (lambda (s)
                             (let ((o (find (car s) overrides
                                            :key (lambda (x) (if (consp x) (car x) x)))))
                               (if (consp o)
                                   (list (car s) (cadr o)
                                         (or (caddr s)
                                             (getf (cddr o) :read-only)))
                                   s)))
                           (getf (%class-plist c) :struct-slots)))
                 nil))
           (own (mapcar (lambda (d)
                          (if (consp d)
                              (list (car d) (cadr d) (getf (cddr d) :read-only))
                              (list d nil nil)))
                        slot-descriptions))
           (all (append inherited own))
           (forms nil)
           (index 0))
      ;; accessors
      (dolist (s all)
        (let ((accessor (if conc-name (%struct-symbol conc-name (car s)) (car s))))
          (push `(defun ,accessor (object)
                   (%struct-ref object ',name ,index ',accessor))
                forms)
          (unless (caddr s)
            (push `(defun (setf ,accessor) (value object)
                     (%struct-set object ',name ,index value ',accessor))
                  forms)))
        (setq index (1+ index)))
      ;; constructors
      (when (and (null constructors) (not no-constructor))
        (setq constructors (list (list (%struct-symbol "MAKE-" name)))))
      (dolist (c constructors)
        (if (cdr c)
            (let* ((ll (%boa-lambda-list (cadr c) all))
                   (vars (%lambda-list-variables ll)))
              (push `(defun ,(car c) ,ll
                       (%make-struct ',name
                                     (vector ,@(mapcar (lambda (s)
                                                         (if (member (car s) vars)
                                                             (car s)
                                                             (cadr s)))
                                                       all))))
                    forms))
            (push `(defun ,(car c) (&key ,@(mapcar (lambda (s)
                                                      (list (car s) (cadr s)))
                                                    all))
                     (%make-struct ',name (vector ,@(mapcar #'car all))))
                  forms)))
      (when predicate
        (push `(defun ,predicate (object) (%struct-of-type-p object ',name))
              forms))
      (when copier
        (push `(defun ,copier (object)
                 (%struct-check object ',name)
                 (copy-structure object))
              forms))
      (when printer
        (push `(defmethod print-object ((object ,name) stream) ,printer object)
              forms))
      `(progn
         (%define-structure ',name ',include
                            (list ,@(mapcar (lambda (s)
                                              `(list :name ',(car s)
                                                     :initargs '(,(intern (symbol-name (car s)) "KEYWORD"))
                                                     :initfunction (lambda () ,(cadr s))
                                                     :initform ',(cadr s)))
                                            own))
                            ',all)
         (%set-documentation ',name 'structure ',doc t)
         (%set-documentation ',name 'type ',doc t)
         ,@(nreverse forms)
         ',name))))

;; One without the read access bit shows no slots (as the printer shows
;; a vector without it).
(defmethod print-object ((object structure-object) stream)
  (let ((class (class-of object)))
    (when (zerop (logand 1 (access-bits object)))
      (write-string "#<" stream)
      (prin1 (%class-name class) stream)
      (write-string ", not readable>" stream)
      (return-from print-object object))
    (write-string "#S(" stream)
    (prin1 (%class-name class) stream)
    (dolist (s (%class-slots class))
      (write-char #\Space stream)
      (prin1 (intern (symbol-name (%slotd-name s)) "KEYWORD") stream)
      (write-char #\Space stream)
      (write (slot-value object (%slotd-name s)) :stream stream))
    (write-char #\) stream)
    object))
