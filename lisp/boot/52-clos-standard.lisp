;;;; 52-clos-standard.lisp -- the object system's standard generic
;;;; functions (NO-APPLICABLE-METHOD, SHARED-INITIALIZE, PRINT-OBJECT...),
;;;; printing, class types, and the classes of condition types, on the
;;;; machinery of 50-clos.lisp (classes, instances, generic functions,
;;;; dispatch, DEFCLASS), which this file follows at the cold boot.

;;; ---- the standard generic functions ----

(defgeneric no-applicable-method (generic-function &rest arguments))
(defmethod no-applicable-method ((gf t) &rest arguments)
  (error "There is no applicable method for the generic function ~s when called with arguments ~s."
         (%gf-name gf) arguments))

(defgeneric no-next-method (generic-function method &rest arguments))
(defmethod no-next-method ((gf t) method &rest arguments)
  (error "There is no next method for the generic function ~s when called with arguments ~s."
         (%gf-name gf) arguments))

(defgeneric slot-missing (class object slot-name operation &optional new-value))
(defmethod slot-missing ((class t) object slot-name operation &optional new-value)
  (error "When attempting to ~a, the slot ~s is missing from the object ~s."
         (case operation
           (slot-value "read the slot's value (slot-value)")
           (setf (format nil "set the slot's value to ~s (SETF of SLOT-VALUE)"
                         new-value))
           (slot-boundp "test to see if slot is bound (SLOT-BOUNDP)")
           (t "make the slot unbound (SLOT-MAKUNBOUND)"))
         slot-name object))

(defgeneric slot-unbound (class instance slot-name))
(defmethod slot-unbound ((class t) instance slot-name)
  (error 'unbound-slot :name slot-name :instance instance
         :format-control "The slot ~s is unbound in the object ~s."
         :format-arguments (list slot-name instance)))

(defgeneric shared-initialize (instance slot-names &rest initargs &key &allow-other-keys))
;; Another thread may redefine the class while the slots are filled: a
;; slot gone from it by then is skipped (the instance, brought up to
;; date, has no place for it, and the redefinition's own update filled
;; the slots it added).
(defmethod shared-initialize ((instance standard-object) slot-names
                              &rest initargs)
  (dolist (s (%class-slots (class-of instance)))
    (let ((name (%slotd-name s)))
      (multiple-value-bind (key value found)
          (%get-properties initargs (%slotd-initargs s))
        (declare (ignore key))
        (cond ((not (%slot-present-p instance name)))
              (found (%initialize-slot instance name value))
              ((and (%slotd-initfunction s)
                    (or (eq slot-names t) (member name slot-names))
                    (not (slot-boundp instance name)))
               (%initialize-slot instance name
                                 (funcall (%slotd-initfunction s))))))))
  instance)

;; Set a slot while initializing.  The class may be redefined again between
;; the check that the slot is there and the setting (another thread): a slot
;; the new layout no longer has is skipped as above, any other error stays.
(defun %initialize-slot (instance name value)
  (handler-case (setf (slot-value instance name) value)
    (error (e)
      (if (%slot-present-p instance name)
          (error e)
          value))))

(defgeneric initialize-instance (instance &rest initargs &key &allow-other-keys))
(defmethod initialize-instance ((instance standard-object) &rest initargs)
  (apply (%user-gf 'shared-initialize) instance t initargs))

(defgeneric reinitialize-instance (instance &rest initargs &key &allow-other-keys))
(defmethod reinitialize-instance ((instance standard-object) &rest initargs)
  (%check-initargs (class-of instance) initargs)
  (apply (%user-gf 'shared-initialize) instance nil initargs))

(defgeneric update-instance-for-redefined-class
    (instance added-slots discarded-slots property-list &rest initargs
     &key &allow-other-keys))
(defmethod update-instance-for-redefined-class
    ((instance standard-object) added-slots discarded-slots property-list
     &rest initargs)
  (declare (ignore discarded-slots property-list))
  (apply (%user-gf 'shared-initialize) instance added-slots initargs))

;;; ---- printing ----

(defun %output-stream (stream)
  (cond ((null stream) *standard-output*)
        ((eq stream t) *standard-output*)
        (t stream)))

(defun %print-unreadable-object (object stream type identity body)
  (let ((stream (%output-stream stream)))
    (write-string "#<" stream)
    (when type
      (write (type-of object) :stream stream)
      (when (or body identity) (write-char #\Space stream)))
    (when body (funcall body))
    (when identity
      (when body (write-char #\Space stream))
      (format stream "{~X}" (%object-address object)))
    (write-char #\> stream)
    nil))

(defmacro print-unreadable-object ((object stream &key type identity)
                                   &body body)
  `(%print-unreadable-object ,object ,stream ,type ,identity
                             ,(if body `(lambda () ,@body) nil)))

;; A symbol with its package, whatever the current package (as SBCL
;; names classes and generic functions in #<...>).
(defun %prin1-qualified (symbol stream)
  (let ((*package* (find-package "KEYWORD")))
    (prin1 symbol stream)))

(defgeneric print-object (object stream))

(defmethod print-object ((object t) stream)
  (if (%instancep object)
      (print-unreadable-object (object stream :type t :identity t))
      (write object :stream stream))
  object)

(defmethod print-object ((object class) stream)
  (print-unreadable-object (object stream)
    (prin1 (%class-name (class-of object)) stream)
    (write-char #\Space stream)
    (%prin1-qualified (%class-name object) stream))
  object)

(defmethod print-object ((object generic-function) stream)
  (print-unreadable-object (object stream)
    (prin1 (%class-name (class-of object)) stream)
    (write-char #\Space stream)
    (%prin1-qualified (%gf-name object) stream)
    (format stream " (~d)" (length (%gf-methods object))))
  object)

(defmethod print-object ((object method) stream)
  (print-unreadable-object (object stream :identity t)
    (prin1 (%class-name (class-of object)) stream)
    (when (%method-gf object)
      (write-char #\Space stream)
      (%prin1-qualified (%gf-name (%method-gf object)) stream))
    (dolist (q (%method-qualifiers object))
      (format stream " ~s" q))
    (format stream " ~s"
            (mapcar (lambda (s) (if (consp s) s (%class-name s)))
                    (%method-specializers object))))
  object)

;; Called by the printer (instances.c) for every instance: the text
;; PRINT-OBJECT writes, under PRIN1 when escape.
(defun %print-instance (object escape)
  (let ((s (make-string-output-stream)))
    (let ((*print-escape* escape))
      (funcall (%user-gf 'print-object) object s))
    (get-output-stream-string s)))

;;; ---- types ----

(defun %class-typep (object class)
  (if (member class (%class-precedence-list (class-of object))) t nil))

(defun %type-class (type)
  (cond ((%instancep type) (if (%classp type) type nil))
        ((symbolp type) (%class-binding type))
        (t nil)))

(defun subtypep (type1 type2 &optional environment)
  (declare (ignore environment))
  (%subtypep (%expand-deftype type1) (%expand-deftype type2)))

;; Compound types on the left: what every member, every branch of an OR,
;; some branch of an AND, or the range's type is a subtype of.
(defun %subtypep (type1 type2)
  (let ((head (if (consp type1) (car type1) nil)))
    (cond ((member head '(member eql))
           (values (every (lambda (x) (typep x type2)) (cdr type1)) t))
          ((eq head 'or)
           (let ((known t))
             (dolist (ty (cdr type1) (values known known))
               (multiple-value-bind (sub sure) (subtypep ty type2)
                 (unless sure (setq known nil))
                 (when (and sure (not sub)) (return (values nil t)))))))
          ((and (eq head 'and)
                (some (lambda (ty) (subtypep ty type2)) (cdr type1)))
           (values t t))
          ((and (member head '(integer rational real float double-float
                               signed-byte unsigned-byte mod))
                (symbolp type2))
           (%subtypep-classes (if (member head '(signed-byte unsigned-byte mod))
                                  'integer head)
                              type2))
          (t (%subtypep-classes type1 type2)))))

(defun %subtypep-classes (type1 type2)
  (cond ((or (equal type1 type2) (eq type2 t) (null type1)) (values t t))
        ((and (eq type1 'keyword) (member type2 '(symbol atom))) (values t t))
        ((eq type2 'atom)
         (let ((c1 (%type-class type1)))
           (if c1
               (values (not (member (%class-binding 'cons)
                                    (%class-precedence-list c1)))
                       t)
               (values nil nil))))
        (t (let ((c1 (%type-class type1)) (c2 (%type-class type2)))
             (if (and c1 c2)
                 (values (if (member c2 (%class-precedence-list c1)) t nil) t)
                 (values nil nil))))))

;;; ---- condition classes ----

;; The class named name, of kind (:condition, :structure) with superclasses
;; supers, before it is finalized: the class of that kind already named so,
;; linked to its new superclasses, or a new one of the metaclass named
;; metaclass.  Checks first that the current environment may (re)define it.
(defun %reuse-or-make-class (name kind supers metaclass)
  (let ((class (%class-binding name)))
    (when class (%set-class-binding name class))   ; may we redefine it?
    (if (and class (eq (%class-kind class) kind))
        (progn
          (dolist (s (%class-direct-superclasses class))
            (%unlink-subclass s class))
          (%set-class-field class 1 supers)
          (dolist (s supers)
            (%link-subclass s class))
          class)
        (%raw-class name kind supers (%class-binding metaclass)))))

(defun %ensure-condition-class (name)
  (%with-clos-lock (%ensure-condition-class-1 name)))

(defun %ensure-condition-class-1 (name)
  (let* ((parents (if (eq name 'condition) nil (%condition-parents name)))
         (supers (mapcar (lambda (p)
                           (or (%class-binding p) (%ensure-condition-class p)))
                         (or parents '(t))))
         (class (%reuse-or-make-class name :condition supers 'condition-class)))
    (%finalize-class class (%upgrading-p))
    (%set-class-binding name class)
    (%clear-dispatch-caches)
    class))

;; (every one again when an upgrade runs this: their parents may have
;; changed)
(let ((names nil))
  (do-symbols (s "LISPOS-INTERNAL")
    (when (get s '%condition-type) (push s names)))
  (%ensure-condition-class 'condition)
  (dolist (name names)
    (when (or (%upgrading-p) (null (%class-binding name)))
      (%ensure-condition-class name))))

(setf (svref *%built-in-classes* 16) (%class-binding 'condition))

;; Condition types defined from now on get classes too.
(let ((define (symbol-function '%define-condition-type)))
  (setf (symbol-function '%define-condition-type)
        (lambda (name &rest more)
          (prog1 (apply define name more)
            (%ensure-condition-class name)))))

;; The system generic functions users may add methods to: each user gets
;; a binding of their own (environment.c, CELL_EXTENSIBLE), holding the
;; system's generic function until they change it: then a private copy
;; (%FIND-GF-TO-CHANGE).
(dolist (name '(print-object initialize-instance shared-initialize
                reinitialize-instance update-instance-for-redefined-class
                slot-missing slot-unbound no-applicable-method
                no-next-method))
  (%make-extensible name))
