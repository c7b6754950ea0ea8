;;;; takl.lisp -- TAKL, TAK with lists as counters (Gabriel 1985, 3.4).
;;;;
;;;; (mas l18 l12 l6): the same call tree as (tak 18 12 6), where "x < y"
;;;; becomes walking two lists to see which is shorter.
;;;; Needs: defun, if, not, null, and, or, cons, cdr, =, +, 1-, let,
;;;; length.
;;;; (run-benchmark) returns the sum of the lengths of the runs' results
;;;; (7 each).

(defun listn (n)
  (if (not (= 0 n))
      (cons n (listn (1- n)))))

(defun shorterp (x y)
  (and y (or (null x)
             (shorterp (cdr x) (cdr y)))))

(defun mas (x y z)
  (if (not (shorterp y x))
      z
      (mas (mas (cdr x) y z)
           (mas (cdr y) z x)
           (mas (cdr z) x y))))

(defun takl-repeat (n sum l18 l12 l6)
  (if (= n 0)
      sum
      (takl-repeat (1- n) (+ sum (length (mas l18 l12 l6))) l18 l12 l6)))

(defun run-benchmark ()
  (takl-repeat 150 0 (listn 18) (listn 12) (listn 6)))
