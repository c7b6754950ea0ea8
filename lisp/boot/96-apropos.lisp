;;;; 96-apropos.lisp -- APROPOS and APROPOS-LIST: the symbols whose names
;;;; contain a string (compared without regard to case, as SBCL does).
;;;;
;;;; Without a package, every package the current environment sees is
;;;; searched: a user's own packages and the system's, never another
;;;; user's (LIST-ALL-PACKAGES is the environment's).  With one, the
;;;; symbols accessible in it (or only its external ones).  Each symbol
;;;; comes once, and the list is sorted by name, then by package name.

(defun %apropos-symbols (string package external-only)
  (let ((name (string string)) (seen (make-hash-table :test 'eq))
        (found nil))
    (flet ((consider (s)
             (when (and (not (gethash s seen))
                        (search name (symbol-name s) :test #'char-equal))
               (setf (gethash s seen) t)
               (push s found))))
      (cond ((null package)
             (dolist (p (list-all-packages))
               (do-symbols (s p) (consider s))))
            (external-only
             (do-external-symbols (s package) (consider s)))
            (t (do-symbols (s package) (consider s)))))
    (sort found
          (lambda (a b)
            (let ((na (symbol-name a)) (nb (symbol-name b)))
              (or (string< na nb)
                  (and (string= na nb)
                       (string< (%apropos-package-name a)
                                (%apropos-package-name b)))))))))

(defun %apropos-package-name (s)
  (let ((p (symbol-package s))) (if p (package-name p) "")))

(defun apropos-list (string &optional package external-only)
  (%apropos-symbols string package external-only))

;; One line a symbol: its name as the current package would read it, its
;; value when it is bound, and (fbound) when it names a function.
(defun apropos (string &optional package external-only)
  (dolist (s (%apropos-symbols string package external-only))
    (fresh-line)
    (prin1 s)
    (when (boundp s)
      (write-string " = ")
      (%describe-value (symbol-value s) *standard-output*))
    (when (fboundp s)
      (write-string " (fbound)"))
    (terpri))
  (values))
