;;; random_ops.lisp -- random changes to the object store, each followed
;;; by a check of every index against a scan (tests/integration/
;;; store_random.t).  Run by the administrator; *SEED* and *STEPS* are
;;; set before this file.  Prints one line per failure and, at the end,
;;; "DONE steps failures".
(defparameter *state* *seed*)
(defun rnd (n)                          ; a linear congruential generator
  (setq *state* (mod (+ (* *state* 6364136223846793005) 1442695040888963407)
                     (expt 2 64)))
  (mod (ash *state* -33) n))
(defun pick (list) (nth (rnd (length list)) list))

(defparameter *genres* '(:jazz :rock :folk :pop))
(defparameter *names* '("Alpha" "beta" "Gamma" "delta" "alpha"))
(defun random-value (key)
  (case key
    (:genre (pick *genres*))
    (:name (pick *names*))
    (:year (pick (list (+ 1990 (rnd 20)) (+ 1990.5d0 (rnd 5)) "1999" 2000)))
    (:rating (pick (list (rnd 5) (/ (rnd 10) 3) 2.5d0)))
    (t (rnd 3))))
(defparameter *keys* '(:genre :name :year :rating :tag))
(defun random-attributes ()
  (let ((attrs '()))
    (dotimes (i (rnd 5) attrs)
      (let ((key (pick *keys*)))
        (setq attrs (list* key (random-value key) attrs))))))

(defun live-ids ()
  (mapcar #'entry-id (directory-entries (store-query t))))
(defun all-ids ()                       ; deleted ones too: history lasts
  (let ((n (store-count t)) (ids '()))
    (declare (ignore n))
    (dotimes (i (+ 1 (length (live-ids)) 400) (nreverse ids))
      (when (ignore-errors (store-history (1+ i)))
        (push (1+ i) ids)))))

(defparameter *failures* 0)
(defun fail (step what)
  (incf *failures*)
  (format t "FAIL step ~d seed ~d: ~a~%" step *seed* what))

(defun random-filter ()
  (let ((key (pick *keys*)))
    (case (rnd 6)
      (0 (list '= key (random-value key)))
      (1 (list 'in key (random-value key) (random-value key)))
      (2 (list '> :year (+ 1990 (rnd 20))))
      (3 (list 'between :rating 1 (rnd 4)))
      (4 (list 'has key))
      (t (list 'and (list '= :genre (pick *genres*)) (list '<= :year 2000))))))

(defun step-once (step)
  (let ((ids (live-ids)))
    (case (if ids (rnd 9) 0)
      ((0 1) (apply #'store-put step (random-attributes)))
      (2 (let ((key (pick *keys*)))
           (setf (entry-attribute (pick ids) key) (random-value key))))
      (3 (let ((key (pick *keys*)))
           (store-add-attribute (pick ids) key (random-value key))))
      (4 (let ((e (pick ids)))
           (if (zerop (rnd 2))
               (store-remove-attribute e (pick *keys*))
               (let ((attrs (entry-attributes e)))
                 (when attrs
                   (store-remove-attribute e (first attrs) (second attrs)))))))
      (5 (store-delete (pick ids)))
      (6 (let* ((e (pick (all-ids)))
                (versions (mapcar (lambda (v) (getf v :version))
                                  (store-history e))))
           (store-revert e (pick versions))))
      (7 (store-set-object (pick ids) (list step)))
      (t (if (zerop (rnd 4))
             (store-create-index (pick '(:year :rating :tag))
                                 :kind (pick '(:hash :ordered)))
             (store-count t)))))
  (let ((wrong (lispos-internal::%store-check-indexes)))
    (when wrong (fail step wrong)))
  ;; a query as the indexes answer it, and as a scan does
  (let* ((f (random-filter))
         (indexed (mapcar #'entry-id (directory-entries (store-query f))))
         (scanned (mapcar #'entry-id
                          (directory-entries
                           (store-query (list 'or f '(satisfies (lambda (e) (declare (ignore e)) nil))))))))
    (unless (equal indexed scanned)
      (fail step (format nil "~s: indexed ~s, scanned ~s" f indexed scanned)))))

(progn
  (dotimes (i *steps*)
    (handler-case (step-once (+ *first-step* i))
      (error (c) (fail (+ *first-step* i) (format nil "error: ~a" c)))))
  (format t "DONE ~d ~d~%" *steps* *failures*))
