;;;; 50-clos.lisp -- the object system: classes, instances, generic
;;;; functions, methods, standard method combination, PRINT-OBJECT.
;;;;
;;;; Representation (the C side is lisp/instances.c):
;;;;  - An instance is a heap object holding a WRAPPER and a slot vector.
;;;;    A wrapper is a simple vector #(class slot-names): the layout of
;;;;    the class's local slots when the instance was made, never changed.
;;;;    Redefining a class gives it a new wrapper; an instance whose
;;;;    wrapper is not its class's current one is obsolete, reshaped on
;;;;    its next slot access (kept slots keep their values, added ones get
;;;;    their initforms through UPDATE-INSTANCE-FOR-REDEFINED-CLASS,
;;;;    removed ones vanish).
;;;;  - Classes, generic functions and methods are instances too, of
;;;;    STANDARD-CLASS (BUILT-IN-CLASS, STRUCTURE-CLASS, CONDITION-CLASS),
;;;;    STANDARD-GENERIC-FUNCTION and STANDARD-METHOD, whose slots system
;;;;    code reads by position (the %CLASS-... macros below).
;;;;  - A generic function is a funcallable instance: the VM calls its
;;;;    discriminating function, a closure over it, in its place.  That
;;;;    function looks the classes of the specialised arguments up in its
;;;;    cache (an EQUAL hash table it closes over) for the effective
;;;;    method, computing it on a miss.  A cache is emptied when methods
;;;;    are added or removed, and every cache goes stale when a class is
;;;;    defined or redefined (*%CLASSES-EPOCH*).
;;;;  - Threads share all of it (the system's classes and generic
;;;;    functions every thread, a user's every thread of that user).  A
;;;;    change takes the object system's lock (%WITH-CLOS-LOCK below) and
;;;;    never changes what a reader may be looking at: it builds new
;;;;    objects (a method list, a precedence list, a wrapper, a cache and
;;;;    the discriminating function over it) and stores each in one place,
;;;;    which readers, taking no lock, see whole: old or new.
;;;;  - An unbound slot holds the marker (%UNBOUND).
;;;;
;;;; Names go through a few functions the per-user environments will
;;;; re-implement: %CLASS-BINDING and %SET-CLASS-BINDING (the class
;;;; namespace), %FIND-GF (the generic function a DEFMETHOD adds to) and
;;;; %USER-GF (the generic function system code calls: PRINT-OBJECT,
;;;; INITIALIZE-INSTANCE...; a user who added methods to a system generic
;;;; function will get a private copy of it there).

;;; ---- threads ----
;;; One lock for every change of classes and generic functions (a
;;; definition, a redefinition, a method added or removed, a cache
;;; filled): lisp/locks.c.  It is recursive, and an error or a throw out
;;; of the body gives it back.  Code that reads takes none.

(defmacro %with-clos-lock (&body body)
  `(progn (%clos-lock)
          (unwind-protect (progn ,@body) (%clos-unlock))))

;;; ---- the class namespace ----
;;; The classes namespace of the current environment (environment.c): a
;;; user's classes are theirs, the system's shared, and a user defining
;;; or redefining a class named by a system symbol gets an
;;; ENVIRONMENT-ERROR.  Nothing else reads or writes class names.

(defun %class-binding (name)
  (%env-binding :class name))

(defun %set-class-binding (name class)
  (%set-env-binding :class name class)
  class)

;;; ---- generic function lookup ----

;; The generic function named name, or nil (DEFMETHOD,
;; ENSURE-GENERIC-FUNCTION).
(defun %find-gf (name)
  (if (fboundp name)
      (let ((f (fdefinition name)))
        (if (%generic-function-p f) f nil))
      nil))

;; The generic function system code calls for name: the current
;; environment's (a user's private copy of a system generic function,
;; once they changed it; environment.c gives them a binding of their own).
(defun %user-gf (name)
  (fdefinition name))

;; The generic function named name, to change it (add or remove a method,
;; set its lambda list): a user who changes a system generic function
;; changes a private copy, made now and bound in their environment, which
;; no one else sees (docs/environments.md).  Nil when there is none.
(defun %find-gf-to-change (name)
  (%with-clos-lock
    (let ((gf (%find-gf name)))
      (if (and gf (%user-environment-p)
               (not (eq (%slot-ref gf 4) (%current-environment))))
          (let ((copy (%copy-generic-function gf)))
            (setf (fdefinition name) copy)
            copy)
          gf))))

;;; ---- the unbound-slot marker and wrappers ----

(defvar *%unbound-marker* (make-symbol "UNBOUND-SLOT"))
(defmacro %unbound () `(quote ,*%unbound-marker*))

(defmacro %wrapper-class (w) `(svref ,w 0))
(defmacro %wrapper-names (w) `(svref ,w 1))
;; whether w is its class's current layout (%CLASS-WRAPPER, below)
(defmacro %wrapper-valid (w)
  (let ((g (gensym "WRAPPER")))
    `(let ((,g ,w)) (eq ,g (%slot-ref (%wrapper-class ,g) 5)))))

(defun %make-wrapper (class names)
  (vector class (coerce names 'simple-vector)))

;;; ---- metaobject slots, by position ----
;;; Every class metaobject has these slots, in this order (the printer's
;;; fallback in instances.c reads the name from position 0).  These lists
;;; describe the code (DEFPARAMETER: an upgrade running the boot code
;;; again takes the new ones); they are the layout of every class,
;;; generic function and method in a heap, read by position without a
;;; wrapper check: a change of one needs a migration step that reshapes
;;; those objects (docs/upgrade-design.md, 2.3).

(defparameter *%class-slot-names*
  '(%name %direct-superclasses %direct-slots %precedence-list %slots
    %wrapper %default-initargs %direct-default-initargs
    %direct-subclasses %kind %documentation %plist %id))

(defmacro %class-name (c) `(%slot-ref ,c 0))
(defmacro %class-direct-superclasses (c) `(%slot-ref ,c 1))
(defmacro %class-direct-slots (c) `(%slot-ref ,c 2))
(defmacro %class-precedence-list (c) `(%slot-ref ,c 3))
(defmacro %class-slots (c) `(%slot-ref ,c 4))
(defmacro %class-wrapper (c) `(%slot-ref ,c 5))
(defmacro %class-default-initargs (c) `(%slot-ref ,c 6))
(defmacro %class-direct-default-initargs (c) `(%slot-ref ,c 7))
(defmacro %class-direct-subclasses (c) `(%slot-ref ,c 8))
(defmacro %class-kind (c) `(%slot-ref ,c 9))
(defmacro %class-documentation (c) `(%slot-ref ,c 10))
(defmacro %class-plist (c) `(%slot-ref ,c 11))
(defmacro %class-id (c) `(%slot-ref ,c 12))   ; a serial number
(defun %set-class-field (c i v) (%slot-set c i v))

(defparameter *%gf-slot-names*
  '(%name %methods %lambda-list %cache %owner %ndispatch %eql-positions
    %documentation %arity))
(defmacro %gf-name (g) `(%slot-ref ,g 0))
(defmacro %gf-methods (g) `(%slot-ref ,g 1))
(defmacro %gf-lambda-list (g) `(%slot-ref ,g 2))
(defmacro %gf-cache (g) `(%slot-ref ,g 3))
(defmacro %gf-ndispatch (g) `(%slot-ref ,g 5))
(defmacro %gf-eql-positions (g) `(%slot-ref ,g 6))
;; k when every method (and the lambda list) takes exactly k required
;; arguments: effective methods then take the arguments spread, and the
;; discriminating function of one or two arguments conses nothing;
;; otherwise nil, and effective methods take the argument list.
(defmacro %gf-arity (g) `(%slot-ref ,g 8))

(defparameter *%method-slot-names*
  '(%generic-function %specializers %qualifiers %lambda-list %function
    %documentation %arity))
(defmacro %method-gf (m) `(%slot-ref ,m 0))
(defmacro %method-specializers (m) `(%slot-ref ,m 1))
(defmacro %method-qualifiers (m) `(%slot-ref ,m 2))
(defmacro %method-lambda-list (m) `(%slot-ref ,m 3))
(defmacro %method-function (m) `(%slot-ref ,m 4))
;; A method's function: when the method's lambda list is k required
;; parameters (arity k), (lambda (next a1 ... ak)), next being the
;; effective method of the next methods taking the arguments spread;
;; else (lambda (args next . lambda-list)), next taking an argument list.
(defmacro %method-arity (m) `(%slot-ref ,m 6))

;; An effective slot definition: #(name initargs initfunction initform
;; allocation cell); cell is a cons holding a class slot's value.
(defmacro %slotd-name (s) `(svref ,s 0))
(defmacro %slotd-initargs (s) `(svref ,s 1))
(defmacro %slotd-initfunction (s) `(svref ,s 2))
(defmacro %slotd-initform (s) `(svref ,s 3))
(defmacro %slotd-allocation (s) `(svref ,s 4))
(defmacro %slotd-cell (s) `(svref ,s 5))

;;; ---- CLASS-OF ----

;; The built-in classes by %TYPE-CODE (instances.c), filled below.
(defparameter *%built-in-classes* (make-array 18 :initial-element nil))

(defun class-of (object)
  (if (%instancep object)
      (%wrapper-class (%instance-wrapper object))
      (let ((code (%type-code object)))
        (cond ((eql code 2)             ; a bignum: SBCL's fixnums are wider
               (svref *%built-in-classes* (if (%sbcl-fixnum-p object) 1 2)))
              ((eql code 16)
               (or (%class-binding (%condition-type object))
                   (%class-binding 'error)))
              (t (svref *%built-in-classes* code))))))

(defun %generic-function-p (x)
  (and (%instancep x) (%instance-function x) t))

;;; ---- the class precedence list (CLOS's topological sort) ----

(defun %superclass-closure (class)
  (let ((all nil) (todo (list class)))
    (do () ((null todo) (nreverse all))
      (let ((c (pop todo)))
        (unless (member c all)
          (push c all)
          (setq todo (append todo (%class-direct-superclasses c))))))))

(defun %compute-cpl (class)
  (let* ((classes (%superclass-closure class))
         (pairs (mapcan (lambda (c)
                          (let ((l (cons c (%class-direct-superclasses c))))
                            (mapcar #'cons l (cdr l))))
                        classes))
         (result nil))
    (do () ((null classes) (nreverse result))
      (let ((candidates
              (remove-if (lambda (c) (member c pairs :key #'cdr)) classes)))
        (when (null candidates)
          (error "Inconsistent class precedence for ~s" (%class-name class)))
        (let ((next (car candidates)))
          (when (cdr candidates)
            ;; the candidate that is a direct superclass of the rightmost
            ;; class already in the order
            (block found
              (dolist (c result)
                (dolist (kl candidates)
                  (when (member kl (%class-direct-superclasses c))
                    (setq next kl)
                    (return-from found))))))
          (push next result)
          (setq classes (remove next classes))
          (setq pairs (remove next pairs :key #'car)))))))

;;; ---- slots ----

;; A direct slot is a property list: :name :initargs :initfunction
;; :initform :allocation :readers :writers :documentation :type.
(defun %compute-slots (class cpl)
  (let ((names nil))
    (dolist (c (reverse cpl))
      (dolist (ds (%class-direct-slots c))
        (unless (member (getf ds :name) names)
          (push (getf ds :name) names))))
    (mapcar
     (lambda (name)
       (let ((initargs nil) (initfunction nil) (initform nil) (alloc nil)
             (cell nil) (have-init nil))
         (dolist (c cpl)
           (dolist (ds (%class-direct-slots c))
             (when (eq (getf ds :name) name)
               (dolist (i (getf ds :initargs))
                 (unless (member i initargs) (setq initargs (append initargs (list i)))))
               (when (and (not have-init) (getf ds :initfunction))
                 (setq have-init t
                       initfunction (getf ds :initfunction)
                       initform (getf ds :initform)))
               (unless alloc
                 (setq alloc (or (getf ds :allocation) :instance))
                 (when (eq alloc :class)
                   (setq cell (%class-slot-cell c name)))))))
         (vector name initargs initfunction initform alloc cell)))
     (nreverse names))))

;; The cell of class c's own class slot name (made on first use).
(defun %class-slot-cell (c name)
  (let* ((cells (getf (%class-plist c) :class-cells))
         (cell (assoc name cells)))
    (unless cell
      (setq cell (cons name (%unbound)))
      (%set-class-field c 11 (list* :class-cells (cons cell cells)
                                    (%class-plist c))))
    cell))

;;; ---- making and finishing classes ----

(defvar *%methods-epoch* 0)         ; counts changes of methods and classes

(defun %class-plist-put (class key value)
  (let ((plist (copy-list (%class-plist class))))
    (setf (getf plist key) value)
    (%set-class-field class 11 plist)
    value))

;; The system's classes and generic functions are the system's objects,
;; which no user may change (lisp/freeze.c).  When a user's definitions
;; need them changed -- a cache emptied or filled -- the code doing it
;; asks for a write grant, and computes what it writes itself.
(defmacro %with-system-write (&body body)
  `(%call-with-system-write (lambda () ,@body)))

;; A superclass records its direct subclasses -- unless it is the
;; system's and a user defines the subclass: what a user defines changes
;; none of the objects every user shares (nor shows in them).
(defun %link-subclass (super class)
  (unless (and (%user-environment-p) (%system-object-p super))
    (%set-class-field super 8 (cons class (%class-direct-subclasses super)))))

(defun %unlink-subclass (super class)
  (unless (and (%user-environment-p) (%system-object-p super))
    (%set-class-field super 8 (remove class (%class-direct-subclasses super)))))

;; Caches are never changed, only replaced, with the discriminating
;; function that closes over them (%INSTALL-DISCRIMINATOR), and are keyed
;; by class serial numbers, not classes: a thread reading one while
;; another adds to it or empties it sees a whole table, and a lookup never
;; rehashes it (tables keyed by addresses rehash after collections).  A
;; change of classes makes every cache stale at once: a discriminating
;; function uses its cache only while *%CLASSES-EPOCH* is what it was
;; when the cache was made (one comparison a call), and the next miss
;; starts an empty one (%DISPATCH-MISS).  No list of every generic
;; function is kept, nor visited.
(defvar *%classes-epoch* 0)

;; The counters every thread shares are counted up under the lock,
;; whoever calls (no count lost to a thread counting at the same time).
(defun %clear-dispatch-caches ()
  (%with-clos-lock
    (setq *%methods-epoch* (1+ *%methods-epoch*))
    (setq *%classes-epoch* (1+ *%classes-epoch*))))

;; table (nil: an empty one), the cache of gf's discriminating function,
;; with key -> emf added: a new table and a new discriminating function
;; (lock held).
(defun %cache-add (gf table key emf)
  (let ((new (make-hash-table :test 'equal)))
    (when table
      (maphash (lambda (old-key v) (setf (gethash old-key new) v)) table))
    (setf (gethash key new) emf)
    (%install-discriminator gf new)
    emf))

(defvar *%class-serial* 0)

(defun %raw-class (name kind supers metaclass)
  (let ((c (%allocate-instance
            (if metaclass (%class-wrapper metaclass) nil)
            (make-array (length *%class-slot-names*) :initial-element nil))))
    (%set-class-field c 0 name)
    (%set-class-field c 1 supers)
    (%set-class-field c 12 (%with-clos-lock
                             (setq *%class-serial* (1+ *%class-serial*))))
    (%set-class-field c 9 kind)
    (dolist (s supers)
      (%link-subclass s c))
    c))

;; Compute c's precedence list, slots, default initargs and wrapper; a
;; class that had a wrapper (a redefinition) invalidates it, and so do its
;; subclasses, recursively.  With keep-layout, a class whose precedence
;; list and local slots stay the same keeps its wrapper, and its instances
;; stay valid: the boot code run again by an upgrade (98-upgrade.lisp)
;; must not make every instance of every class obsolete.
(defun %finalize-class (c &optional keep-layout)
  (let* ((cpl (%compute-cpl c))
         (slots (%compute-slots c cpl))
         (old (%class-wrapper c))
         (old-cpl (%class-precedence-list c))
         (names (mapcar (lambda (s) (%slotd-name s))
                        (remove :class slots
                                :key (lambda (s) (%slotd-allocation s)))))
         (inits nil))
    (%set-class-field c 3 cpl)
    (%set-class-field c 4 slots)
    (dolist (kl cpl)
      (dolist (d (%class-direct-default-initargs kl))
        (unless (assoc (car d) inits)
          (setq inits (append inits (list d))))))
    (%set-class-field c 6 inits)
    ;; a class slot's initform runs when the class is defined
    (dolist (s slots)
      (when (and (eq (%slotd-allocation s) :class)
                 (eq (cdr (%slotd-cell s)) (%unbound))
                 (%slotd-initfunction s))
        (setf (cdr (%slotd-cell s)) (funcall (%slotd-initfunction s)))))
    (unless (and keep-layout old (equal cpl old-cpl)
                 (equal names (coerce (%wrapper-names old) 'list)))
      (%set-class-field c 5 (%make-wrapper c names))
      (when old                         ; its instances are obsolete now
        (dolist (sub (%class-direct-subclasses c))
          (%finalize-class sub))))
    c))

(defun find-class (symbol &optional (errorp t) environment)
  (declare (ignore environment))
  (or (%class-binding symbol)
      (if errorp
          (error 'simple-error :format-control "There is no class named ~s."
                 :format-arguments (list symbol))
          nil)))

(defun (setf find-class) (class symbol &optional errorp environment)
  (declare (ignore errorp environment))
  (%set-class-binding symbol class))

(defun class-name (class) (%class-name class))

(defun %classp (x)
  (and (%instancep x)
       (member (%class-binding 'class)
               (%class-precedence-list (class-of x)))
       t))

;;; ---- bootstrap: the metaobject classes and the built-in classes ----
;;; An upgrade runs this again into a heap that has these classes
;;; (lisp/upgrade.c): instances, users' classes and methods hold them, so
;;; each is ensured -- the class bound to the name, its superclasses and
;;; direct slots brought up to date -- never made again.

;; The classes %BOOT-CLASS ensured in this run of the boot code.
(defparameter *%boot-classes* nil)

(defun %boot-class (name supers &optional (kind :built-in) slot-names)
  (let ((supers (mapcar #'%class-binding supers))
        (c (%class-binding name)))
    (cond ((null c) (setq c (%raw-class name kind supers nil)))
          ((not (equal supers (%class-direct-superclasses c)))
           (dolist (s (%class-direct-superclasses c))
             (%unlink-subclass s c))
           (%set-class-field c 1 supers)
           (dolist (s supers)
             (%link-subclass s c))))
    (%set-class-field c 2 (mapcar (lambda (s) (list :name s)) slot-names))
    (%set-class-field c 9 kind)
    (%set-class-binding name c)
    (push c *%boot-classes*)
    c))

(%boot-class 't nil)
(%boot-class 'standard-object '(t) :standard)
(%boot-class 'structure-object '(t) :structure)
(%boot-class 'function '(t))
(%boot-class 'class '(standard-object) :standard *%class-slot-names*)
(%boot-class 'built-in-class '(class) :standard)
(%boot-class 'standard-class '(class) :standard)
(%boot-class 'structure-class '(class) :standard)
(%boot-class 'condition-class '(class) :standard)
(%boot-class 'generic-function '(standard-object function) :standard
             *%gf-slot-names*)
(%boot-class 'standard-generic-function '(generic-function) :standard)
(%boot-class 'method '(standard-object) :standard *%method-slot-names*)
(%boot-class 'standard-method '(method) :standard)
(%boot-class 'number '(t))
(%boot-class 'real '(number))
(%boot-class 'rational '(real))
(%boot-class 'integer '(rational))
(%boot-class 'fixnum '(integer))
(%boot-class 'bignum '(integer))
(%boot-class 'ratio '(rational))
(%boot-class 'float '(real))
(%boot-class 'double-float '(float))
(%boot-class 'character '(t))
(%boot-class 'symbol '(t))
(%boot-class 'sequence '(t))
(%boot-class 'list '(sequence))
(%boot-class 'cons '(list))
(%boot-class 'null '(symbol list))
(%boot-class 'array '(t))
(%boot-class 'simple-array '(array))
(%boot-class 'vector '(array sequence))
(%boot-class 'string '(vector))
(%boot-class 'simple-vector '(vector simple-array))
(%boot-class 'hash-table '(t))
(%boot-class 'package '(t))
(%boot-class 'stream '(t))

;; every class so far: finish it (a new wrapper only for a new layout),
;; then give each its metaclass's wrapper
(let ((all nil))
  (setq all *%boot-classes*)
  (dolist (c all) (%finalize-class c t))
  (dolist (c all)
    (let ((w (%class-wrapper
              (%class-binding
               (case (%class-kind c)
                 (:built-in 'built-in-class)
                 (:structure 'structure-class)
                 (t 'standard-class))))))
      (unless (eq w (%instance-wrapper c))
        (%instance-update c w (%instance-slots c))))))

(let ((v *%built-in-classes*))
  (dolist (entry '((0 . t) (1 . fixnum) (2 . bignum) (3 . ratio)
                   (4 . double-float) (5 . character) (6 . symbol) (7 . null)
                   (8 . cons) (9 . string) (10 . simple-vector) (11 . vector)
                   (12 . hash-table) (13 . package) (14 . function)
                   (15 . stream) (16 . t) (17 . standard-object)))
    (setf (svref v (car entry)) (%class-binding (cdr entry)))))

;;; ---- slot access ----

;; x's wrapper, after bringing x up to date if its class was redefined.
(defun %valid-wrapper (x)
  (let ((w (%instance-wrapper x)))
    (if (%wrapper-valid w)
        w
        (%update-obsolete-instance x))))

(defun %update-obsolete-instance (x)
  (let* ((class (%wrapper-class (%instance-wrapper x)))
         (change (%with-clos-lock
                   (%instance-reshape x (%class-wrapper class) (%unbound)))))
    (when change
      (funcall (%user-gf 'update-instance-for-redefined-class)
               x (car change) (mapcar #'car (%plist-pairs (cdr change)))
               (cdr change)))
    (%instance-wrapper x)))

(defun %plist-pairs (plist)
  (do ((l plist (cddr l)) (r nil (cons (cons (car l) (cadr l)) r)))
      ((null l) (nreverse r))))

;; Whether instance has a slot name now (updating it first if obsolete).
(defun %slot-present-p (instance name)
  (let ((i (%slot-position instance name)))
    (cond ((eql i -1) (%valid-wrapper instance) (%slot-present-p instance name))
          (i t)
          (t (let ((s (%class-slotd instance name)))
               (if (eq s :changed)
                   (%slot-present-p instance name)
                   (and s t)))))))

(defun %find-slotd (class name)
  (dolist (s (%class-slots class) nil)
    (when (eq (%slotd-name s) name) (return s))))

;; As lisp/access.c signals ACCESS-DENIED (its message and initargs).
(defun %check-write-bit (object op)
  (when (zerop (logand 2 (access-bits object)))
    (error 'access-denied :datum object :operation (string op) :access :write
           :format-control "~a: no write access to this instance"
           :format-arguments (list op))))

(defun %check-read-bit (object op)
  (when (zerop (logand 1 (access-bits object)))
    (error 'access-denied :datum object :operation (string op) :access :read
           :format-control "~a: no read access to this instance"
           :format-arguments (list op))))

(defun %slot-value-op (object name op)
  (let ((i (%slot-position object name)))
    (cond ((null i) (%slot-value-other object name op))
          ((eql i -1) (%valid-wrapper object) (%slot-value-op object name op))
          (t (let ((v (%slot-ref object i op)))
               (if (eq v (%unbound))
                   (funcall (%user-gf 'slot-unbound) (class-of object) object name)
                   v))))))

;; A condition's slot (20-conditions.lisp), or nil.
(defun %condition-has-slot-p (object name)
  (and (%conditionp object)
       (%condition-slot (%condition-cpl (%condition-type object)) name)
       t))

;; The definition of name in object's class when it is a class slot; nil
;; when the class has no such slot; :changed when it is a local slot that
;; object has no place for: another thread is redefining the class at this
;; moment (its slots are new, its wrapper not yet).  Once the lock is free
;; the redefinition is done, and the caller starts again -- unless this
;; thread holds the lock, redefining the class itself.
(defun %class-slotd (object name)
  (let ((s (and (%instancep object) (%find-slotd (class-of object) name))))
    (if (or (null s) (eq (%slotd-allocation s) :class))
        s
        (let ((depth (%clos-lock)))
          (%clos-unlock)
          (if (eql depth 1) :changed nil)))))

;; A class slot, a condition's slot, or a missing one.
(defun %slot-value-other (object name op)
  (let ((s (%class-slotd object name)))
    (if (%condition-has-slot-p object name)
        (return-from %slot-value-other (%condition-slot-value object name)))
    (if (eq s :changed)
        (return-from %slot-value-other (%slot-value-op object name op)))
    (if s
        (progn
          (%check-read-bit object op)
          (let ((v (cdr (%slotd-cell s))))
            (if (eq v (%unbound))
                (funcall (%user-gf 'slot-unbound) (class-of object) object name)
                v)))
        (funcall (%user-gf 'slot-missing) (class-of object) object name
                 'slot-value))))

(defun %set-slot-value-op (object name value op)
  (let ((i (%slot-position object name)))
    (cond ((%condition-has-slot-p object name)
           (%set-condition-slot-value object name value))
          ((null i)
           (let ((s (%class-slotd object name)))
             (cond ((eq s :changed) (%set-slot-value-op object name value op))
                   (s (%check-write-bit object op)
                      (setf (cdr (%slotd-cell s)) value))
                   (t (funcall (%user-gf 'slot-missing) (class-of object) object
                               name 'setf value)
                      value))))
          ((eql i -1)
           (%valid-wrapper object)
           (%set-slot-value-op object name value op))
          (t (%slot-set object i value op)))))

(defun slot-value (object slot-name)
  (%slot-value-op object slot-name 'slot-value))

(defun (setf slot-value) (new-value object slot-name)
  (%set-slot-value-op object slot-name new-value '|(SETF SLOT-VALUE)|))

(defun slot-boundp (object slot-name)
  (if (%instancep object)
      (let ((i (position slot-name (%wrapper-names (%valid-wrapper object)))))
        (if i
            (not (eq (%slot-ref object i 'slot-boundp) (%unbound)))
            (let ((s (%class-slotd object slot-name)))
              (if s
                  (progn (when (eq s :changed)
                           (return-from slot-boundp
                             (slot-boundp object slot-name)))
                         (%check-read-bit object 'slot-boundp)
                         (not (eq (cdr (%slotd-cell s)) (%unbound))))
                  (progn (funcall (%user-gf 'slot-missing) (class-of object)
                                  object slot-name 'slot-boundp)
                         nil)))))
      (funcall (%user-gf 'slot-missing) (class-of object) object slot-name
               'slot-boundp)))

(defun slot-makunbound (object slot-name)
  (if (%instancep object)
      (let ((i (position slot-name (%wrapper-names (%valid-wrapper object)))))
        (if i
            (%slot-set object i (%unbound) 'slot-makunbound)
            (let ((s (%class-slotd object slot-name)))
              (if s
                  (progn (when (eq s :changed)
                           (return-from slot-makunbound
                             (slot-makunbound object slot-name)))
                         (%check-write-bit object 'slot-makunbound)
                         (setf (cdr (%slotd-cell s)) (%unbound)))
                  (funcall (%user-gf 'slot-missing) (class-of object)
                           object slot-name 'slot-makunbound)))))
      (funcall (%user-gf 'slot-missing) (class-of object) object slot-name
               'slot-makunbound))
  object)

(defun slot-exists-p (object slot-name)
  (if (or (%find-slotd (class-of object) slot-name)
          (%condition-has-slot-p object slot-name))
      t nil))

(defmacro with-slots (slots instance &body body)
  (let ((g (gensym "INSTANCE")))
    `(let ((,g ,instance))
       (symbol-macrolet
           ,(mapcar (lambda (s)
                      (if (consp s)
                          `(,(car s) (slot-value ,g ',(cadr s)))
                          `(,s (slot-value ,g ',s))))
                    slots)
         ,@body))))

(defmacro with-accessors (accessors instance &body body)
  (let ((g (gensym "INSTANCE")))
    `(let ((,g ,instance))
       (symbol-macrolet
           ,(mapcar (lambda (a) `(,(car a) (,(cadr a) ,g))) accessors)
         ,@body))))

;;; ---- generic functions ----

(defun %lambda-list-required (ll)
  (let ((r nil))
    (dolist (p ll (nreverse r))
      (when (member p '(&optional &rest &key &aux &allow-other-keys &body))
        (return (nreverse r)))
      (push p r))))

(defun %make-generic-function (name lambda-list)
  (let ((gf (%allocate-instance
             (%class-wrapper (%class-binding 'standard-generic-function))
             (make-array (length *%gf-slot-names*) :initial-element nil))))
    (%slot-set gf 0 name)
    (%slot-set gf 2 lambda-list)
    (%slot-set gf 5 0)
    (%install-discriminator gf (make-hash-table :test 'equal))
    gf))

;; A copy of method m, as a method of gf.
(defun %copy-method (m gf)
  (let* ((n (length *%method-slot-names*))
         (c (%allocate-instance
             (%class-wrapper (%class-binding 'standard-method))
             (make-array n :initial-element nil))))
    (dotimes (i n) (%slot-set c i (%slot-ref m i)))
    (%slot-set c 0 gf)
    c))

;; A copy of gf owned by the current environment: the same methods (as
;; new method objects: the originals stay gf's).
(defun %copy-generic-function (gf)
  (let ((copy (%make-generic-function (%gf-name gf) (%gf-lambda-list gf))))
    (%slot-set copy 4 (%current-environment))
    (%slot-set copy 7 (%slot-ref gf 7))
    (%slot-set copy 1 (mapcar (lambda (m) (%copy-method m copy))
                              (%gf-methods gf)))
    (%update-dispatch copy)
    copy))

(defun ensure-generic-function (name &key (lambda-list nil ll-p) documentation
                                     &allow-other-keys)
  (%with-clos-lock
    (let ((gf (%find-gf-to-change name)))
      (unless gf
        (setq gf (%make-generic-function name lambda-list)))
      ;; bound again when it exists: the boot code run again by an
      ;; upgrade defines it (lisp/upgrade.c)
      (setf (fdefinition name) gf)
      (when ll-p (%slot-set gf 2 lambda-list))
      (when documentation (%slot-set gf 7 documentation))
      gf)))

(defmacro defgeneric (name lambda-list &rest options)
  (let ((methods nil) (doc nil))
    (dolist (o options)
      (case (car o)
        (:method (push `(defmethod ,name ,@(cdr o)) methods))
        (:documentation (setq doc (cadr o)))))
    `(progn
       (ensure-generic-function ',name :lambda-list ',lambda-list
                                :documentation ',doc)
       ,(if (consp name)
            `(%set-documentation ',(cadr name) '%setf-documentation ',doc t)
            `(%set-documentation ',name 'function ',doc t))
       ,@(nreverse methods)
       (fdefinition ',name))))

(defun generic-function-name (gf) (%gf-name gf))

;; After the methods changed: how many leading arguments dispatch, where
;; EQL specializers are, and an empty cache (lock held).
(defun %update-dispatch (gf)
  (let ((n 0) (eqls nil) (tc (%class-binding 't)))
    (dolist (m (%gf-methods gf))
      (let ((i 0))
        (dolist (s (%method-specializers m))
          (unless (eq s tc) (setq n (max n (1+ i))))
          (when (consp s) (pushnew i eqls))
          (setq i (1+ i)))))
    (%slot-set gf 5 n)
    (%slot-set gf 6 eqls)
    (%slot-set gf 8 (%simple-arity gf))
    (%with-clos-lock (setq *%methods-epoch* (1+ *%methods-epoch*)))
    (%install-discriminator gf (make-hash-table :test 'equal))))

;; gf calls a new discriminating function, for its methods and dispatch
;; state as they are now, with table as its cache (lock held; the cache
;; is kept in gf's slot 3 too, for %DISPATCH-MISS to tell whether a
;; discriminating function is still gf's).
(defun %install-discriminator (gf table)
  (%slot-set gf 3 table)
  (%set-instance-function
   gf (%make-discriminator gf table *%classes-epoch* (%gf-methods gf)
                           (%gf-ndispatch gf) (%gf-eql-positions gf)
                           (%gf-arity gf))))

(defun %simple-arity (gf)
  (let* ((ll (%gf-lambda-list gf))
         (arity (length (%lambda-list-required ll))))
    (if (and (> arity 0) (= arity (length ll))
             (every (lambda (m) (eql (%method-arity m) arity)) (%gf-methods gf)))
        arity
        nil)))

;; Two class serial numbers as one key (a fixnum: nothing consed).
(defun %pair-key (a b)
  (if (< b 1048576) (+ (* a 1048576) b) (cons a b)))

;; The discriminating function over cache table, made at classes epoch
;; epoch, for gf's methods and dispatch state as they are (n arguments
;; dispatched on, EQL specializers at positions eqls, arity): for one or
;; two arguments dispatched on by class only, one that computes the key
;; and calls the effective method without consing; else the general one.
;; The cache is used only while no class has changed since it was made.
(defun %make-discriminator (gf table epoch methods n eqls arity)
  (cond ((and (eql arity 1) (null eqls))
         (lambda (a)
           (let* ((key (if (eql n 0) 0 (%class-id (class-of a))))
                  (emf (and (eql epoch *%classes-epoch*)
                            (gethash key table))))
             (if emf
                 (funcall emf a)
                 (%dispatch-miss gf table epoch (list a) key)))))
        ((and (eql arity 2) (null eqls))
         (lambda (a b)
           (let* ((key (case n
                         (0 0)
                         (1 (%class-id (class-of a)))
                         (t (%pair-key (%class-id (class-of a))
                                       (%class-id (class-of b))))))
                  (emf (and (eql epoch *%classes-epoch*)
                            (gethash key table))))
             (if emf
                 (funcall emf a b)
                 (%dispatch-miss gf table epoch (list a b) key)))))
        (t (lambda (&rest args)
             (%dispatch gf table epoch methods n eqls arity args)))))

(defun %same-specializer-p (a b)
  (or (eq a b)
      (and (consp a) (consp b) (eql (cadr a) (cadr b)))))

(defun %same-specializers-p (a b)
  (and (= (length a) (length b))
       (every #'%same-specializer-p a b)))

(defun find-method (gf qualifiers specializers &optional (errorp t))
  (let ((specs (mapcar (lambda (s) (if (symbolp s) (find-class s) s))
                       specializers)))
    (dolist (m (%gf-methods gf)
               (if errorp
                   (error "No method of ~s with qualifiers ~s and specializers ~s"
                          (%gf-name gf) qualifiers specializers)
                   nil))
      (when (and (equal (%method-qualifiers m) qualifiers)
                 (%same-specializers-p (%method-specializers m) specs))
        (return m)))))

(defun remove-method (gf method)
  (%with-clos-lock
    (%slot-set gf 1 (remove method (%gf-methods gf)))
    (%update-dispatch gf))
  gf)

(defun add-method (gf method)
  (%with-clos-lock
    (let ((old (find-method gf (%method-qualifiers method)
                            (%method-specializers method) nil)))
      (%slot-set method 0 gf)
      (%slot-set gf 1 (cons method (remove old (%gf-methods gf))))
      (%update-dispatch gf)))
  gf)

(defun method-qualifiers (m) (%method-qualifiers m))
(defun method-specializers (m) (%method-specializers m))
(defun generic-function-methods (gf) (%gf-methods gf))

;; The methods the boot code defined, for an upgrade (lisp/upgrade.c)
;; to remove those the new boot code does not define again.  It empties
;; the list before it runs the boot code (DEFVAR keeps that).
(defvar *%boot-methods* nil)

;; What DEFMETHOD does at run time.
(defun %add-method (name qualifiers specializers lambda-list function
                    &optional arity)
  (dolist (q qualifiers)
    (unless (member q '(:before :after :around))
      (error "Method qualifier ~s is not supported (only :before, :after and :around)" q)))
  (when (cdr qualifiers)
    (error "More than one method qualifier: ~s" qualifiers))
  (let ((m (%allocate-instance
            (%class-wrapper (%class-binding 'standard-method))
            (make-array (length *%method-slot-names*) :initial-element nil))))
    (%slot-set m 1 specializers)
    (%slot-set m 2 qualifiers)
    (%slot-set m 3 lambda-list)
    (%slot-set m 4 function)
    (%slot-set m 6 arity)
    ;; the generic function found (or made, or copied for this user) and
    ;; changed in one step: another thread doing the same adds its method
    ;; to the same one
    (%with-clos-lock
      (let ((gf (%find-gf-to-change name))
            (boot (and (%booting-p) (not (%user-environment-p)))))
        (cond ((null gf)
               (setq gf (ensure-generic-function
                         name :lambda-list (%gf-lambda-list-from lambda-list))))
              ;; the boot code defines it again (lisp/upgrade.c)
              (boot (setf (fdefinition name) gf)))
        (add-method gf m)
        (when boot
          (setq *%boot-methods* (cons m *%boot-methods*)))))
    m))

(defun %gf-lambda-list-from (method-ll)
  (let ((r nil) (in-key nil))
    (dolist (p method-ll (nreverse r))
      (cond ((eq p '&aux) (return (nreverse r)))
            ((member p '(&optional &rest &key &allow-other-keys))
             (setq in-key (eq p '&key))
             (push p r))
            ((and in-key (consp p)) (push (if (consp (car p)) (cadar p) (car p)) r))
            ((consp p) (push (car p) r))
            (t (push p r))))))

;;; dispatch

;; The general discriminating function's work (%MAKE-DISCRIMINATOR says
;; what it closes over).
(defun %dispatch (gf table epoch methods n eqls arity args)
  (let* ((key (cond ((eql n 0) nil)
                    ((and (eql n 1) (null eqls))
                     (if args
                         (%class-id (class-of (car args)))
                         (%too-few-arguments gf)))
                    (t (%dispatch-key gf methods args n eqls))))
         (emf (and (eql epoch *%classes-epoch*) (gethash key table))))
    (cond ((null emf) (%dispatch-miss gf table epoch args key))
          (arity (apply emf args))
          (t (funcall emf args)))))

(defun %too-few-arguments (gf)
  (error 'program-error :format-control "~s: too few arguments"
         :format-arguments (list (%gf-name gf))))

(defun %eql-specialized-p (methods i arg)
  (dolist (m methods nil)
    (let ((s (nth i (%method-specializers m))))
      (when (and (consp s) (eql (cadr s) arg))
        (return t)))))

(defun %dispatch-key (gf methods args n eqls)
  (let ((key nil) (l args))
    (dotimes (i n (nreverse key))
      (when (null l) (%too-few-arguments gf))
      (let ((arg (car l)))
        (push (if (and (member i eqls) (%eql-specialized-p methods i arg))
                  (list 'eql arg)
                  (%class-id (class-of arg)))
              key))
      (setq l (cdr l)))))

(defun %dispatch-key-for (gf args)
  (let ((n (%gf-ndispatch gf))
        (eqls (%gf-eql-positions gf))
        (arity (%gf-arity gf)))
    (cond ((and (eql arity 1) (null eqls) args (null (cdr args)))
           (if (eql n 0) 0 (%class-id (class-of (car args)))))
          ((and (eql arity 2) (null eqls) (cdr args) (null (cddr args)))
           (case n
             (0 0)
             (1 (%class-id (class-of (car args))))
             (t (%pair-key (%class-id (class-of (car args)))
                           (%class-id (class-of (cadr args)))))))
          ((eql n 0) nil)
          ((and (eql n 1) (null eqls) args) (%class-id (class-of (car args))))
          ((and (eql n 1) (null eqls)) :no-key)
          (t (%dispatch-key gf (%gf-methods gf) args n eqls)))))

(defun %specializer-applicable-p (s arg)
  (if (consp s)
      (eql (cadr s) arg)
      (or (eq s (%class-binding 't))
          (if (member s (%class-precedence-list (class-of arg))) t nil))))

(defun %method-applicable-p (m args)
  (do ((s (%method-specializers m) (cdr s))
       (a args (cdr a)))
      ((null s) t)
    (unless (and a (%specializer-applicable-p (car s) (car a)))
      (return nil))))

;; m1 before m2 for these arguments (left to right precedence).
(defun %method-more-specific-p (m1 m2 args)
  (do ((s1 (%method-specializers m1) (cdr s1))
       (s2 (%method-specializers m2) (cdr s2))
       (a args (cdr a)))
      ((or (null s1) (null s2)) nil)
    (let ((x (car s1)) (y (car s2)))
      (unless (%same-specializer-p x y)
        (return
          (cond ((consp x) t)
                ((consp y) nil)
                (t (let ((cpl (%class-precedence-list (class-of (car a)))))
                     (if (member y (cdr (member x cpl))) t nil)))))))))

(defun compute-applicable-methods (gf args)
  (sort (remove-if-not (lambda (m) (%method-applicable-p m args))
                       (%gf-methods gf))
        (lambda (m1 m2) (%method-more-specific-p m1 m2 args))))

;; A miss in table, the cache of the discriminating function called
;; (made at classes epoch epoch): the effective method is computed and
;; cached under the lock, then called (outside it).  If gf has changed
;; since that discriminating function was made (its cache is another
;; table: methods changed, or another miss was cached), the call starts
;; again with the current one, so no effective method of an older state is
;; ever cached, and none is called with another state's way of passing
;; arguments; a cache made before the last change of classes is left
;; behind, the new entry starting an empty one.
(defun %dispatch-miss (gf table epoch args key)
  (let ((emf nil) (arity nil))
    (%with-clos-lock
      (when (eq table (%gf-cache gf))
        (setq arity (%gf-arity gf)
              emf (%effective-method gf args))
        ;; the entry goes into a cache every user may share: only under
        ;; the key of these arguments (a caller may hand in another)
        (when (equal key (%dispatch-key-for gf args))
          (%with-system-write
            (%cache-add gf (if (eql epoch *%classes-epoch*) table nil)
                        key emf)))))
    (cond ((null emf) (apply gf args))
          (arity (apply emf args))
          (t (funcall emf args)))))

(defun %effective-method (gf args)
  (let ((methods (compute-applicable-methods gf args)))
    (cond (methods (%compute-emf gf methods))
          ((%gf-arity gf)
           (lambda (&rest args)
             (apply (%user-gf 'no-applicable-method) gf args)))
          (t (lambda (args)
               (apply (%user-gf 'no-applicable-method) gf args))))))

;; Effective methods.  With the generic function's arity k, they take
;; the k arguments spread; without, the argument list.  The primary and
;; :around methods are chained, each given the effective method of the
;; rest as its next.
(defun %chain-spread (methods final arity)
  (if (null methods)
      final
      (let ((mf (%method-function (car methods)))
            (next (%chain-spread (cdr methods) final arity)))
        (case arity
          (1 (lambda (a) (funcall mf next a)))
          (2 (lambda (a b) (funcall mf next a b)))
          (t (lambda (&rest args) (apply mf next args)))))))

(defun %chain-list (methods final)
  (if (null methods)
      final
      (let* ((m (car methods))
             (mf (%method-function m))
             (next (%chain-list (cdr methods) final)))
        (if (%method-arity m)
            (let ((spread (and next (lambda (&rest r) (funcall next r)))))
              (lambda (args) (apply mf spread args)))
            (lambda (args) (apply mf args next args))))))

;; A :before or :after method, given the argument list.
(defun %call-method-list (m args)
  (if (%method-arity m)
      (apply (%method-function m) nil args)
      (apply (%method-function m) args nil args)))

(defun %no-primary-method (gf args)
  (error "There is no primary method of ~s for the arguments ~s"
         (%gf-name gf) args))

;; Keyword arguments (CLHS 7.6.5): a call may give the keys the generic
;; function's lambda list or any applicable method's names, all of them
;; when one of those says &ALLOW-OTHER-KEYS (or the call gives
;; :ALLOW-OTHER-KEYS true).  Nil when there is nothing to check, else
;; (positional-count . keys).
(defun %lambda-list-keys (ll)
  (let ((keys nil))
    (dolist (p (cdr (member '&key ll)) keys)
      (when (member p '(&allow-other-keys &aux)) (return keys))
      (push (cond ((symbolp p) (intern (symbol-name p) "KEYWORD"))
                  ((consp (car p)) (caar p))
                  (t (intern (symbol-name (car p)) "KEYWORD")))
            keys))))

(defun %keyword-check (gf methods)
  (let ((ll (%gf-lambda-list gf)))
    (if (or (not (member '&key ll))
            (member '&allow-other-keys ll)
            (some (lambda (m) (member '&allow-other-keys (%method-lambda-list m)))
                  methods))
        nil
        (cons (length (remove '&optional
                              (ldiff ll (or (member '&rest ll) (member '&key ll)))))
              (append (%lambda-list-keys ll)
                      (mapcan (lambda (m) (%lambda-list-keys (%method-lambda-list m)))
                              methods))))))

(defun %check-keyword-arguments (gf args check)
  (let ((plist (nthcdr (car check) args)))
    (unless (getf plist :allow-other-keys)
      (do ((l plist (cddr l))) ((null l))
        (unless (or (member (car l) (cdr check)) (eq (car l) :allow-other-keys))
          (error 'program-error
                 :format-control "~s: invalid keyword argument ~s (accepted: ~s)"
                 :format-arguments (list (%gf-name gf) (car l) (cdr check))))))))

(defun %compute-emf (gf methods)
  (let ((emf (%compute-emf-1 gf methods))
        (check (and (null (%gf-arity gf)) (%keyword-check gf methods))))
    (if check
        (lambda (args)
          (%check-keyword-arguments gf args check)
          (funcall emf args))
        emf)))

(defun %compute-emf-1 (gf methods)
  (let ((arity (%gf-arity gf)) (primary nil) (before nil) (after nil) (around nil))
    (dolist (m methods)
      (case (car (%method-qualifiers m))
        ((nil) (push m primary))
        (:before (push m before))
        (:after (push m after))
        (:around (push m around))))
    ;; most specific first, except the :after methods
    (setq primary (nreverse primary) before (nreverse before)
          around (nreverse around))
    (when (and (null before) (null after) (null around)
               (eq (car (%slot-ref (car primary) 5)) :reader))
      (let ((slot (cadr (%slot-ref (car primary) 5)))
            (op (caddr (%slot-ref (car primary) 5))))
        (return-from %compute-emf-1
          (if (eql arity 1)
              (lambda (a) (%slot-value-op a slot op))
              (lambda (args) (%slot-value-op (car args) slot op))))))
    (let* ((chain (cond (primary (if arity
                                     (%chain-spread primary nil arity)
                                     (%chain-list primary nil)))
                        (arity (lambda (&rest args) (%no-primary-method gf args)))
                        (t (lambda (args) (%no-primary-method gf args)))))
           (main (cond ((and (null before) (null after)) chain)
                       (arity (let ((bfs (mapcar (lambda (m) (%method-function m)) before))
                                (afs (mapcar (lambda (m) (%method-function m)) after)))
                            (lambda (&rest args)
                              (dolist (f bfs) (apply f nil args))
                              (multiple-value-prog1 (apply chain args)
                                (dolist (f afs) (apply f nil args))))))
                       (t (lambda (args)
                            (dolist (m before) (%call-method-list m args))
                            (multiple-value-prog1 (funcall chain args)
                              (dolist (m after) (%call-method-list m args))))))))
      (cond ((null around) main)
            (arity (%chain-spread around main arity))
            (t (%chain-list around main))))))

(defun call-next-method (&rest args)
  (declare (ignore args))
  (error "CALL-NEXT-METHOD called outside a method"))
(defun next-method-p ()
  (error "NEXT-METHOD-P called outside a method"))

;;; DEFMETHOD

(defun %tree-member (x tree)
  (cond ((eq x tree) t)
        ((consp tree) (or (%tree-member x (car tree)) (%tree-member x (cdr tree))))
        (t nil)))

;; The method lambda list's keyword part accepts every key (the generic
;; function's other methods may take them).
(defun %method-plain-lambda-list (ll)
  (let ((required (%lambda-list-required ll))
        (rest (nthcdr (length (%lambda-list-required ll)) ll)))
    (append (mapcar (lambda (p) (if (consp p) (car p) p)) required)
            (if (and (member '&key rest) (not (member '&allow-other-keys rest)))
                (let ((aux (member '&aux rest)))
                  (append (ldiff rest aux) '(&allow-other-keys) aux))
                rest))))

(defun %specializer-form (p)
  (if (consp p)
      (let ((s (cadr p)))
        (if (and (consp s) (eq (car s) 'eql))
            `(list 'eql ,(cadr s))
            `(find-class ',s)))
      `(find-class 't)))

(defmacro defmethod (name &rest rest)
  (let ((qualifiers nil))
    (do () ((listp (car rest)))
      (push (pop rest) qualifiers))
    (setq qualifiers (nreverse qualifiers))
    (let* ((ll (pop rest))
           (body rest)
           (decls nil)
           (required (%lambda-list-required ll))
           (args (gensym "ARGS"))
           (next (gensym "NEXT"))
           (block-name (if (consp name) (cadr name) name)))
      (when (and (stringp (car body)) (cdr body))
        (pop body))
      (do () ((not (and (consp (car body)) (eq (caar body) 'declare))))
        (push (pop body) decls))
      (let* ((simple (and required (= (length required) (length ll))))
             (vars (mapcar (lambda (p) (if (consp p) (car p) p)) required))
             (originals (mapcar (lambda (v) (gensym (symbol-name v))) vars))
             (inner `(block ,block-name ,@body))
             (inner (cond ((not (or (%tree-member 'call-next-method body)
                                    (%tree-member 'next-method-p body)))
                           inner)
                          (simple
                           ;; the original arguments, kept for a
                           ;; CALL-NEXT-METHOD without arguments
                           `(let ,(mapcar #'list originals vars)
                              (flet ((call-next-method (&rest cnm-args)
                                       (cond ((null ,next)
                                              (funcall (%user-gf 'no-next-method)
                                                       (fdefinition ',name) nil
                                                       (or cnm-args (list ,@originals))))
                                             (cnm-args (apply ,next cnm-args))
                                             (t (funcall ,next ,@originals))))
                                     (next-method-p () (if ,next t nil)))
                                ,inner)))
                          (t
                           `(flet ((call-next-method (&rest cnm-args)
                                     (if ,next
                                         (funcall ,next (or cnm-args ,args))
                                         (funcall (%user-gf 'no-next-method)
                                                  (fdefinition ',name) nil
                                                  (or cnm-args ,args))))
                                   (next-method-p () (if ,next t nil)))
                              ,inner)))))
        `(%add-method ',name ',qualifiers
                      (list ,@(mapcar #'%specializer-form required))
                      ',ll
                      ,(if simple
                           `(lambda (,next ,@vars)
                              ,@(nreverse decls)
                              ,inner)
                           `(lambda (,args ,next ,@(%method-plain-lambda-list ll))
                              ,@(nreverse decls)
                              ,inner))
                      ,(if simple (length required) nil))))))

;;; ---- making instances ----

(defun allocate-instance (class &rest initargs)
  (declare (ignore initargs))
  (let ((w (%class-wrapper class)))     ; once: another thread may replace it
    (%allocate-instance w (make-array (length (%wrapper-names w))
                                      :initial-element (%unbound)))))

(defun %get-properties (plist keys)
  (do ((l plist (cddr l)))
      ((null l) (values nil nil nil))
    (when (member (car l) keys)
      (return (values (car l) (cadr l) l)))))

(defun %valid-initargs (class)
  (let ((keys nil) (any nil))
    (dolist (s (%class-slots class))
      (setq keys (append (%slotd-initargs s) keys)))
    (dolist (name '(initialize-instance shared-initialize allocate-instance))
      (let ((gf (%find-gf name)))
        (when gf
          (dolist (m (%gf-methods gf))
            (let ((ll (%method-lambda-list m)))
              (when (member '&allow-other-keys ll) (setq any t))
              (dolist (p (cdr (member '&key ll)))
                (when (member p '(&allow-other-keys &aux)) (return))
                (push (cond ((symbolp p) (intern (symbol-name p) "KEYWORD"))
                            ((consp (car p)) (caar p))
                            (t (intern (symbol-name (car p)) "KEYWORD")))
                      keys)))))))
    (if any t keys)))

;; The valid initargs of a class are kept with it until methods or
;; classes change (*%METHODS-EPOCH*).

(defun %cached-valid-initargs (class)
  (let ((cached (getf (%class-plist class) :valid-initargs)))
    (if (and cached (eql (car cached) *%methods-epoch*))
        (cdr cached)
        ;; under the lock, nothing changes the methods or the epoch while
        ;; they are computed, nor the property list while it is replaced
        (%with-clos-lock
          (let ((valid (%valid-initargs class)))
            ;; not kept in a system class for a user: their methods count
            (unless (and (%user-environment-p) (%system-object-p class))
              (%class-plist-put class :valid-initargs
                                (cons *%methods-epoch* valid)))
            valid)))))

(defun %check-initargs (class initargs)
  (unless (getf initargs :allow-other-keys)
    (let ((valid (%cached-valid-initargs class)))
      (unless (eq valid t)
        (do ((l initargs (cddr l))) ((null l))
          (unless (or (member (car l) valid) (eq (car l) :allow-other-keys))
            (error 'program-error
                   :format-control "Invalid initialization argument ~s for class ~s"
                   :format-arguments (list (car l) (%class-name class)))))))))

(defun make-instance (class &rest initargs)
  (let ((class (if (symbolp class) (find-class class) class)))
    (unless (eq (%class-kind class) :standard)
      (error "~s is not a standard class: instances are not made by MAKE-INSTANCE"
             (%class-name class)))
    (when (oddp (length initargs))
      (error 'program-error :format-control "odd number of initialization arguments"))
    (let ((defaults (%class-default-initargs class)))
      (when defaults
        (let ((extra nil))
          (dolist (d defaults)
            (unless (%get-properties initargs (list (car d)))
              (setq extra (list* (car d) (funcall (caddr d)) extra))))
          (setq initargs (append initargs (%reverse-pairs extra))))))
    (%check-initargs class initargs)
    (let ((instance (allocate-instance class)))
      (apply (%user-gf 'initialize-instance) instance initargs)
      instance)))

(defun %reverse-pairs (plist)
  (let ((r nil))
    (do ((l plist (cddr l))) ((null l) r)
      (setq r (list* (car l) (cadr l) r)))))

;;; ---- DEFCLASS ----

(defun %canonical-slot (spec)
  (let ((name (if (consp spec) (car spec) spec))
        (options (if (consp spec) (cdr spec) nil))
        (initargs nil) (readers nil) (writers nil) (initform nil)
        (has-initform nil) (allocation nil) (doc nil) (type nil))
    (do ((l options (cddr l))) ((null l))
      (let ((v (cadr l)))
        (case (car l)
          (:initarg (setq initargs (append initargs (list v))))
          (:initform (setq initform v has-initform t))
          (:reader (setq readers (append readers (list v))))
          (:writer (setq writers (append writers (list v))))
          (:accessor (setq readers (append readers (list v))
                           writers (append writers (list `(setf ,v)))))
          (:allocation (setq allocation v))
          (:documentation (setq doc v))
          (:type (setq type v))
          (t (error "Unknown slot option ~s in slot ~s" (car l) name)))))
    `(list :name ',name :initargs ',initargs
           :initfunction ,(if has-initform `(lambda () ,initform) nil)
           :initform ',initform :allocation ',allocation :readers ',readers
           :writers ',writers :documentation ',doc :type ',type)))

(defmacro defclass (name supers slots &rest options)
  (let ((inits nil) (doc nil) (metaclass nil))
    (dolist (o options)
      (case (car o)
        (:default-initargs
         (do ((l (cdr o) (cddr l))) ((null l))
           (push `(list ',(car l) ',(cadr l) (lambda () ,(cadr l))) inits)))
        (:documentation (setq doc (cadr o)))
        (:metaclass (setq metaclass (cadr o)))
        (t (error "Unknown DEFCLASS option ~s" (car o)))))
    `(%ensure-class ',name ',supers (list ,@(mapcar #'%canonical-slot slots))
                    (list ,@(nreverse inits)) ',doc)))

(defun %ensure-class (name supers direct-slots default-initargs doc)
  (%with-clos-lock
    (%ensure-class-1 name supers direct-slots default-initargs doc)))

(defun %ensure-class-1 (name supers direct-slots default-initargs doc)
  (let ((super-classes
          (mapcar (lambda (s)
                    (or (%class-binding s)
                        (error "The superclass ~s of ~s is not defined" s name)))
                  (or supers '(standard-object))))
        (class (%class-binding name)))
    ;; may the current environment (re)define it?  (before changing it)
    (when class (%set-class-binding name class))
    (if (and class (eq (%class-kind class) :standard))
        (progn                          ; a redefinition
          (dolist (s (%class-direct-superclasses class))
            (%unlink-subclass s class))
          (%remove-accessor-methods class)
          (%set-class-field class 1 super-classes)
          (dolist (s super-classes)
            (%link-subclass s class)))
        (setq class (%raw-class name :standard super-classes
                                (%class-binding 'standard-class))))
    (%set-class-field class 2 direct-slots)
    (%set-class-field class 7 default-initargs)
    (%set-class-field class 10 doc)
    (%finalize-class class (%upgrading-p))
    (%set-class-binding name class)
    (%set-documentation name 'type doc t)
    (%clear-dispatch-caches)
    (%add-accessor-methods class)
    class))

(defun %add-accessor-methods (class)
  (dolist (ds (%class-direct-slots class))
    (let ((slot (getf ds :name)))
      (dolist (r (getf ds :readers))
        (let ((r r))
          ;; slot 5 says what the method does, for a quicker effective
          ;; method when it is the only one (%COMPUTE-EMF)
          (%slot-set (%add-method r nil (list class) '(object)
                                  (lambda (next object)
                                    (%slot-value-op object slot r))
                                  1)
                     5 (list :reader slot r))))
      (dolist (w (getf ds :writers))
        (let ((op (if (consp w) (cadr w) w)))
          (%add-method w nil (list (%class-binding 't) class) '(new-value object)
                       (lambda (next new-value object)
                         (%set-slot-value-op object slot new-value op))
                       2))))))

(defun %remove-accessor-methods (class)
  (dolist (ds (%class-direct-slots class))
    (dolist (r (getf ds :readers))
      (let* ((gf (%find-gf-to-change r))
             (m (and gf (find-method gf nil (list class) nil))))
        (when m (remove-method gf m))))
    (dolist (w (getf ds :writers))
      (let* ((gf (%find-gf-to-change w))
             (m (and gf (find-method gf nil (list (%class-binding 't) class) nil))))
        (when m (remove-method gf m))))))
