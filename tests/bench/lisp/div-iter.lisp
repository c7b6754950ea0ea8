;;;; div-iter.lisp -- DIV2, the iterative half (Gabriel 1985, 3.9):
;;;; dividing by 2 a number represented as a list of N NILs, by taking
;;;; every other element with DO and PUSH.
;;;;
;;;; Needs: defun, defvar, do, push, car, cddr, null, zerop, 1-, list,
;;;; length, =, if, progn.
;;;; (run-benchmark) returns (RUNS LENGTH) = (200 100): how many times
;;;; DIV2-TEST-1 ran (1,200 divisions each) and the length of one quotient.

(defun create-n (n)
  (do ((n n (1- n))
       (a () (push () a)))
      ((zerop n) a)))

(defvar *div2-l* (create-n 200))

(defun iterative-div2 (l)
  (do ((l l (cddr l))
       (a () (push (car l) a)))
      ((null l) a)))

(defun div2-test-1 (l)
  (do ((i 300 (1- i)))
      ((zerop i))
    (iterative-div2 l)
    (iterative-div2 l)
    (iterative-div2 l)
    (iterative-div2 l)))

(defun div2-repeat (n runs)
  (if (= n 0)
      (list runs (length (iterative-div2 *div2-l*)))
      (progn (div2-test-1 *div2-l*)
             (div2-repeat (1- n) (1+ runs)))))

(defun run-benchmark ()
  (div2-repeat 200 0))
