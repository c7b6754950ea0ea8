;;;; 98-upgrade.lisp -- what an upgrade does in Lisp once the boot code
;;;; has run again into an existing heap (lisp/upgrade.c,
;;;; docs/upgrade-design.md 2.3).
;;;;
;;;; The new definitions are in the system's cells by then, the system's
;;;; classes and generic functions are the same objects as before, brought
;;;; up to date, and what the new boot code no longer defines is unbound.
;;;; What is left is everything made by the old system code that the run
;;;; did not make again:
;;;;  - methods the old boot code defined and the new one does not;
;;;;  - discriminating functions and effective methods (closures of the
;;;;    old code), in every generic function, the system's and the users';
;;;;  - users' classes: their precedence lists, slots and wrappers were
;;;;    computed from the old system classes, and their accessor methods
;;;;    are closures of the old code;
;;;;  - users' private copies of extensible generic functions
;;;;    (PRINT-OBJECT...): they hold copies of the old system methods;
;;;;  - users' condition types, whose precedence lists and layouts were
;;;;    computed from the old system types.
;;;; C calls %UPGRADE-FINISH once in the system environment, then
;;;; %UPGRADE-FINISH-USER in each user's environment, with what that
;;;; user's tables hold.  The cost grows with the system's definitions and
;;;; the users' classes and generic functions, never with their data:
;;;; instances follow their classes lazily (%VALID-WRAPPER).  Both refuse
;;;; to run but in an upgrade.

(defun %check-upgrading (name)
  (unless (%upgrading-p)
    (error "~s runs only in an upgrade" name)))

;; The system's side: old-methods is *%BOOT-METHODS* as the old boot code
;; left it, generic-functions every generic function bound in the
;; system's function table.  Returns what each user's side needs.
(defun %upgrade-finish (old-methods generic-functions)
  (%check-upgrading '%upgrade-finish)
  (%with-clos-lock
    ;; a method the new boot code defined again replaced the old one in
    ;; its generic function (ADD-METHOD): the old ones still there are
    ;; those it does not define
    (dolist (m old-methods)
      (let ((gf (%method-gf m)))
        (when (and gf (member m (%gf-methods gf))
                   (not (member m *%boot-methods*)))
          (remove-method gf m))))
    (dolist (gf generic-functions)
      (when (%generic-function-p gf)
        (%update-dispatch gf)))
    (%clear-dispatch-caches))
  (list *%condition-types*))

;; A user's side, in the user's environment: context is what
;; %UPGRADE-FINISH returned, classes the classes bound in the user's
;; class table, generic-functions a list of (gf . system-gf) for the
;; generic functions bound in the user's function table -- system-gf being
;; the system's of that name when the user's binding is their own of an
;; extensible one, else nil.
(defun %upgrade-finish-user (context classes generic-functions)
  (%check-upgrading '%upgrade-finish-user)
  (let ((own-classes (remove-if-not #'%user-own-class-p classes))
        (own-gfs (remove-if #'%system-object-p generic-functions :key #'car)))
    (%with-clos-lock
      (dolist (c own-classes)
        (%finalize-class c t))
      (dolist (entry own-gfs)
        (when (cdr entry)
          (%upgrade-private-copy (car entry) (cdr entry))))
      (dolist (c own-classes)
        (when (eq (%class-kind c) :standard)
          (%remove-accessor-methods c)
          (%add-accessor-methods c)))
      (dolist (entry own-gfs)
        (%update-dispatch (car entry))))
    (%upgrade-condition-types (car context))
    nil))

;; A class this user defined: the user's, and bound to its own name here
;; (not a system class, nor another user's bound under a name of this
;; user's).
(defun %user-own-class-p (c)
  (and (%classp c)
       (not (%system-object-p c))
       (eq (%class-binding (%class-name c)) c)))

;; The user's copy gf of the system's extensible generic function system:
;; the system's methods as they are now, then the user's own (whose
;; functions are not the system's), each replacing a copied one of the
;; same specializers as when the user added it.
(defun %upgrade-private-copy (gf system)
  (%check-upgrading '%upgrade-private-copy)
  (when (eq (%slot-ref gf 4) (%current-environment))
    (let ((own (remove-if (lambda (m) (%system-object-p (%method-function m)))
                          (%gf-methods gf))))
      (%slot-set gf 2 (%gf-lambda-list system))
      (%slot-set gf 7 (%slot-ref system 7))
      (%slot-set gf 1 (mapcar (lambda (m) (%copy-method m gf))
                              (%gf-methods system)))
      (dolist (m own)
        (add-method gf m))
      (%update-dispatch gf))))

;; The user's list of condition types gets the system's new ones, and
;; the user's own types their precedence lists and layouts again (all
;; precedence lists first: a layout reads its ancestors' lists).
(defun %upgrade-condition-types (system-types)
  (%check-upgrading '%upgrade-condition-types)
  (dolist (type system-types)
    (unless (member type *%condition-types*)
      (setq *%condition-types* (cons type *%condition-types*))))
  (let ((own (remove-if (lambda (type) (member type system-types))
                        *%condition-types*)))
    (dolist (type own)
      (%put type '%condition-cpl (%compute-condition-cpl type)))
    (dolist (type own)
      (%put type '%condition-layout (%compute-condition-layout type)))))
