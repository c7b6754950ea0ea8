;;;; corpus-hash.lisp -- the differential corpus: hash tables, EQUALP,
;;;; SXHASH.  Each form is evaluated in order by SBCL and by LispOS
;;;; (lisp_sbcl.t); printed values must match line for line.
;;;;
;;;; LispOS has no SETF yet and SBCL no %PUTHASH, so SETHASH below stores
;;;; through whichever exists.  Keywords are quoted (':test) because the
;;;; LispOS reader has no keyword package yet.  Iteration order differs
;;;; between the two systems, so MAPHASH results are sums and counts.

(defun sethash (k h v)
  (setf (gethash k h) v))
(defun collect-garbage ()
  (if (fboundp 'gc) (progn (gc) t) t))

;; making tables
(hash-table-p (make-hash-table))
(hash-table-test (make-hash-table))
(hash-table-test (make-hash-table ':test 'eq))
(hash-table-test (make-hash-table ':test 'equalp))
(hash-table-test (make-hash-table ':test #'equal))
(hash-table-test (make-hash-table ':test #'equalp ':size 100))
(make-hash-table ':test 'no-such-test)
(hash-table-count 5)

;; storing and finding
(defvar *h* (make-hash-table))
(sethash 'apple *h* 1)
(sethash 'pear *h* 2)
(sethash 42 *h* 'answer)
(sethash #\x *h* "ex")
(gethash 42 *h*)
(gethash #\x *h*)
(gethash 'plum *h* 'none)
(hash-table-count *h*)
(sethash 'apple *h* 100)
(gethash 'apple *h*)
(hash-table-count *h*)
(gethash 1 2)

;; removing
(remhash 'pear *h*)
(gethash 'pear *h* 'gone)
(hash-table-count *h*)
(gethash 'apple *h*)
(remhash 'x 5)
(hash-table-count (clrhash *h*))
(gethash 'apple *h*)
(gethash 'apple *h*)

;; EQL versus EQUAL versus EQUALP on strings and lists
(defvar *eql* (make-hash-table))
(defvar *equal* (make-hash-table ':test 'equal))
(defvar *equalp* (make-hash-table ':test 'equalp))
(sethash "key" *eql* 1)
(gethash "key" *eql*)
(sethash "key" *equal* 2)
(gethash "key" *equal*)
(gethash "KEY" *equal*)
(sethash "key" *equalp* 3)
(gethash "KEY" *equalp*)
(sethash '(1 (2 "x") . 3) *equal* 'tree)
(gethash (list 1 (list 2 "x")) *equal*)
(gethash (cons 1 (cons (list 2 "x") 3)) *equal*)
(sethash '(a "B" #\q) *equalp* 'folded)
(gethash (list 'a "b" #\Q) *equalp*)
(sethash #\y *equalp* 'letter)
(gethash #\Y *equalp*)
(sethash "KEY" *equalp* 4)
(hash-table-count *equalp*)
(gethash "key" *equalp*)

;; many entries: growing, and removing half of them
(defun fill-squares (h i n)
  (if (= i n) h (progn (sethash i h (* i i)) (fill-squares h (+ i 1) n))))
(defun check-squares (h i n step)
  (if (>= i n) t
      (if (eql (gethash i h) (* i i)) (check-squares h (+ i step) n step) i)))
(defun remove-evens (h i n)
  (if (>= i n) h (progn (remhash i h) (remove-evens h (+ i 2) n))))
(defvar *big* (fill-squares (make-hash-table) 0 2000))
(hash-table-count *big*)
(check-squares *big* 0 2000 1)
(hash-table-count (remove-evens *big* 0 2000))
(check-squares *big* 1 2000 2)
(let ((sum 0)) (maphash (lambda (k v) (setq sum (+ sum k))) *big*) sum)

;; MAPHASH
(defvar *m* (fill-squares (make-hash-table ':test 'eq) 1 11))
(maphash (lambda (k v) (list k v)) *m*)
(let ((sum 0)) (maphash (lambda (k v) (setq sum (+ sum v))) *m*) sum)
(let ((n 0)) (maphash (lambda (k v) (setq n (+ n 1))) (make-hash-table)) n)
(progn (maphash (lambda (k v) (sethash k *m* (* 2 v))) *m*)
       (gethash 10 *m*))
(let ((sum 0)) (maphash (lambda (k v) (setq sum (+ sum (gethash k *m*)))) *m*) sum)
(progn (maphash (lambda (k v) (remhash k *m*)) *m*) (hash-table-count *m*))

;; EQ and EQUAL keys across a collection (objects move; tables rehash)
(defun numbered-keys (n)
  (if (= n 0) nil (cons (list n) (numbered-keys (- n 1)))))
(defun fill-keys (keys h)
  (if (null keys) h
      (progn (sethash (car keys) h (car (car keys))) (fill-keys (cdr keys) h))))
(defun all-found (keys h)
  (if (null keys) t
      (if (eql (gethash (car keys) h) (car (car keys)))
          (all-found (cdr keys) h)
          (car keys))))
(defvar *junk* (numbered-keys 500))     ; garbage-to-be below the keys
(defvar *keys* (numbered-keys 300))
(defvar *eq-table* (fill-keys *keys* (make-hash-table ':test 'eq)))
(defvar *equal-table* (fill-keys *keys* (make-hash-table ':test 'equal)))
(all-found *keys* *eq-table*)
(progn (setq *junk* nil) (collect-garbage))
(all-found *keys* *eq-table*)
(all-found *keys* *equal-table*)
(gethash (list 150) *equal-table*)
(remhash (car (cdr *keys*)) *eq-table*)
(collect-garbage)
(hash-table-count *eq-table*)
(all-found (cdr (cdr *keys*)) *eq-table*)

;; EQUALP
(equalp 1 1)
(equalp #\y #\Y)
(equalp "Hello" "hELLO")
(equalp "Hello" "Hello!")
(equalp 'a "A")
(equalp '(1 "ABC" (#\x)) '(1 "abc" (#\X)))
(equalp '(1 2) '(1 2 3))
(equalp (make-hash-table) (make-hash-table))
(equalp (make-hash-table) (make-hash-table ':test 'equal))
(equalp (fill-squares (make-hash-table) 0 5) (fill-squares (make-hash-table) 0 5))
(equalp (fill-squares (make-hash-table) 0 5) (fill-squares (make-hash-table) 0 6))

;; SXHASH: equal objects hash alike
(>= (sxhash "anything") 0)
(= (sxhash "abc") (sxhash "abc"))
(= (sxhash (list 1 "two" #\3)) (sxhash (list 1 "two" #\3)))

;; FBOUNDP
(if (fboundp 'car) t nil)
(if (fboundp 'when) t nil)
(fboundp 'surely-not-defined)
