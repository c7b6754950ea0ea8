;;;; 20-packages.lisp -- the package macros, in Lisp, run at cold boot.
;;;;
;;;; IN-PACKAGE and DEFPACKAGE quote their arguments for the primitives
;;;; that do the work (lisp/package_prims.c).  DO-SYMBOLS and its kin walk
;;;; a fresh list of the symbols, so the body may intern or unintern
;;;; freely; there is no BLOCK NIL around the body yet (no RETURN).

(defmacro in-package (name)
  `(%in-package ',name))

(defmacro defpackage (name &rest options)
  `(%defpackage ',name ',options))

(defmacro do-symbols ((var &optional (package '*package*) result) &body body)
  `(progn (mapc (lambda (,var) ,@body) (%package-symbols ,package nil))
          (let ((,var nil)) ,result)))

(defmacro do-external-symbols ((var &optional (package '*package*) result)
                               &body body)
  `(progn (mapc (lambda (,var) ,@body) (%package-symbols ,package t))
          (let ((,var nil)) ,result)))

(defmacro do-all-symbols ((var &optional result) &body body)
  `(progn (mapc (lambda (,var) ,@body) (%all-symbols))
          (let ((,var nil)) ,result)))
