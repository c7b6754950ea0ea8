;;;; tak.lisp -- TAK, the Takeuchi function (Gabriel, "Performance and
;;;; Evaluation of Lisp Systems", 1985, section 3.1).
;;;;
;;;; 63,609 calls per (tak 18 12 6), mostly non-tail, and fixnum compares.
;;;; Needs: defun, if, not, <, =, +, 1-.
;;;; (run-benchmark) returns the sum of the runs' results (7 each).

(defun tak (x y z)
  (if (not (< y x))
      z
      (tak (tak (1- x) y z)
           (tak (1- y) z x)
           (tak (1- z) x y))))

(defun tak-repeat (n sum)
  (if (= n 0)
      sum
      (tak-repeat (1- n) (+ sum (tak 18 12 6)))))

(defun run-benchmark ()
  (tak-repeat 900 0))
