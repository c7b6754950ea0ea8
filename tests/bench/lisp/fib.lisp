;;;; fib.lisp -- doubly recursive Fibonacci.
;;;;
;;;; Not one of Gabriel's originals but their usual companion: function
;;;; calls and small-integer arithmetic, nothing else.
;;;; Needs: defun, if, <, =, +, -.
;;;; (run-benchmark) returns the sum of 50 runs of (fib 27) = 9820900.

(defun fib (n)
  (if (< n 2)
      n
      (+ (fib (- n 1)) (fib (- n 2)))))

;; The repetition is a tail call, not a loop, so that nothing beyond the
;; needs above is required; the depth is the repetition count at most.
(defun fib-repeat (n sum)
  (if (= n 0)
      sum
      (fib-repeat (- n 1) (+ sum (fib 27)))))

(defun run-benchmark ()
  (fib-repeat 50 0))
