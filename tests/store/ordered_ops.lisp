;;; ordered_ops.lisp -- many entries through ordered indexes and value
;;; sharing (tests/integration/store_ordered.t): enough puts to fill and
;;; split chunks and move pairs between neighbours, with values of every
;;; kind an ordered index orders (fixnums, bignums, ratios, doubles, -0.0,
;;; strings with shared prefixes and characters past Latin-1, dates of
;;; every precision, durations), then random changes; every index is
;;; checked against a scan (%STORE-CHECK-INDEXES) after each phase, and
;;; range queries answered by an index against the same as a scan.  Run
;;; by the administrator; *SEED* is set before this file.  Prints lines
;;; "CHECK name result" for the script to compare, and "DONE".
(defparameter *state* *seed*)
(defun rnd (n)                          ; a linear congruential generator
  (setq *state* (mod (+ (* *state* 6364136223846793005) 1442695040888963407)
                     (expt 2 64)))
  (mod (ash *state* -33) n))

(store-create-index :year :kind :ordered)
(store-create-index :word :kind :ordered)

(defun random-value (key)
  (case key
    (:year (case (rnd 7)
             (0 (- (rnd 100) 50))
             (1 (+ 1900 (rnd 125)))
             (2 (/ (rnd 50) 7))
             (3 (* (- (rnd 3) 1) (expt 2 (+ 60 (rnd 10)))))
             (4 (- (/ (rnd 1000) 10.0) 50))
             (5 (if (zerop (rnd 2)) 0.0 -0.0))
             (t 0)))
    (:word (case (rnd 5)
             (0 (format nil "w~d" (rnd 300)))
             (1 "")
             (2 (string (code-char (+ 65 (rnd 30)))))
             (3 (format nil "~a~a" (code-char (+ 200 (rnd 3000))) (rnd 20)))
             (t (format nil "ab~a" (code-char (+ 97 (rnd 5)))))))
    (:name (format nil "name ~d" (rnd 400)))
    (:date (case (rnd 5)
             (0 (date (+ 1900 (rnd 125)) (+ 1 (rnd 12)) (+ 1 (rnd 28))))
             (1 (date (+ 1990 (rnd 10))))
             (2 (date (+ 1990 (rnd 10)) (+ 1 (rnd 12))))
             (3 (date (- 1000 (rnd 3000)) 1 1 (rnd 24) (rnd 60)))
             (t (date-range (date (+ 1990 (rnd 5))) (date (+ 1995 (rnd 5)))))))
    (:duration (duration :seconds (case (rnd 3)
                                    (0 (rnd 7200))
                                    (1 (/ (rnd 100) 3))
                                    (t (* 1.5 (rnd 10))))))))

(defparameter *keys* '(:year :word :name :date :duration))
(defun random-attributes ()
  (let ((attrs '()))
    (dolist (key *keys* attrs)
      (dotimes (i (rnd 3))
        (setq attrs (list* key (random-value key) attrs))))))

(defun check (name result)
  (format t "CHECK ~a ~s~%" name result))

;; the puts: each entry's attributes as given, to compare with what the
;; store gives back (a value shared with another entry must read the same)
(defparameter *n* 6000)
(defparameter *given* (make-array *n*))
(defparameter *ids* (make-array *n*))
(dotimes (i *n*)
  (let ((attrs (random-attributes)))
    (setf (svref *given* i) (prin1-to-string attrs)
          (svref *ids* i) (entry-id (apply #'store-put i attrs)))))
(check "after-puts" (lispos-internal::%store-check-indexes))
(check "values-read-back"
       (let ((wrong 0))
         (dotimes (i *n* wrong)
           (unless (equal (prin1-to-string (entry-attributes (svref *ids* i)))
                          (svref *given* i))
             (incf wrong)))))
(check "first-history"
       (let ((h (store-history (svref *ids* 0))))
         (list (length h) (getf (first h) :version) (getf (first h) :change)
               (getf (first h) :by))))

;; a string equal to one kept is shared, yet changing the caller's own
;; changes nothing
(let* ((s (copy-seq "name 1"))
       (e (store-put :mine :name s)))
  (setf (char s 0) #\z)
  (check "caller-string-kept" (entry-attribute e :name)))

;; range queries: by the index, and by a scan (an OR with a SATISFIES
;; that is never true makes the planner scan)
(defun ids (filter)
  (mapcar #'entry-id (directory-entries (store-query filter))))
(defun scanned (filter)
  (ids (list 'or filter '(satisfies (lambda (e) (declare (ignore e)) nil)))))
(defun random-range ()
  (case (rnd 6)
    (0 (list 'between :year (- (rnd 200) 100) (+ 1900 (rnd 200))))
    (1 (list '< :year (/ (rnd 100) 3)))
    (2 (list '>= :word (random-value :word)))
    (3 (list 'between :word "a" (random-value :word)))
    (4 (list '> :duration (duration :seconds (rnd 100))))
    (t (list 'overlaps :date (date (+ 1900 (rnd 125)))))))
(defun ranges-agree (k)
  (let ((wrong 0))
    (dotimes (i k wrong)
      (let ((f (random-range)))
        (unless (equal (ids f) (scanned f))
          (incf wrong)
          (format t "# ~s: indexed and scanned differ~%" f))))))
(check "ranges-after-puts" (ranges-agree 60))

;; random changes over the entries, reverts among them
(defun pick-id () (svref *ids* (rnd *n*)))
(dotimes (i 3000)
  (let ((e (pick-id)) (key (nth (rnd 5) *keys*)))
    (ignore-errors
     (case (rnd 6)
       (0 (setf (entry-attribute e key) (random-value key)))
       (1 (store-add-attribute e key (random-value key)))
       (2 (store-remove-attribute e key))
       (3 (store-delete e))
       (4 (store-set-object e i))
       (t (let ((h (store-history e)))
            (store-revert e (getf (nth (rnd (length h)) h) :version)))))))
  (when (zerop (mod (1+ i) 1000))
    (let ((wrong (lispos-internal::%store-check-indexes)))
      (when wrong (check (format nil "after-change-~d" i) wrong)))))
(check "after-changes" (lispos-internal::%store-check-indexes))
(check "ranges-after-changes" (ranges-agree 60))
(format t "DONE~%")
