;;; Bob's part of the two-build upgrade test (upgrade_two_builds.t): a
;;; per-user default, his own method on the system's generic function,
;;; and a closure over the system's function.
(setq *print-base* 16)
(defvar *mine* (list 255 :bob))
(defclass square (upgrade-test:shape) ())
(defmethod upgrade-test:area ((s square)) (list :square (call-next-method)))
(defvar *square* (make-instance 'square :x 3))
(defvar *caller* (lambda (x) (upgrade-test:changed x)))
(defvar *gone* (lambda () (upgrade-test:removed)))   ; B removes it
(use-package :upgrade-test)
(defun fresh () :bob)                 ; B exports a FRESH of its own
