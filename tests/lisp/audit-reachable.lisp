;;;; What a user can reach (issue 17, docs/security.md), run by
;;;; tests/integration/lisp_audit.t in a fresh user's environment: every
;;;; function, macro, special operator and variable the system's packages
;;;; hold, one line each, sorted -- its kind, its name with its package,
;;;; and for a function written in C who may call it.  The test compares
;;;; this with tests/lisp/user-reachable.txt, the reviewed list, so that a
;;;; new primitive cannot reach users unnoticed.
(let ((lines nil))
  (dolist (package '("COMMON-LISP" "LISPOS" "LISPOS-INTERNAL"))
    (do-symbols (s package)
      (when (eq (symbol-package s) (find-package package))
        (let ((name (format nil "~a::~a" package (symbol-name s))))
          (cond ((special-operator-p s)
                 (push (format nil "special-operator ~a" name) lines))
                ((macro-function s)
                 (push (format nil "macro ~a" name) lines))
                ((fboundp s)
                 (let ((privilege (lispos-internal::%primitive-privilege
                                   (fdefinition s))))
                   (push (format nil "function ~a~@[ ~(~a~)~]" name
                                 (and (eq privilege :system) privilege))
                         lines))))
          (when (boundp s)
            (push (format nil "variable ~a" name) lines))))))
  (dolist (line (sort lines #'string<))
    (write-line line))
  (values))
