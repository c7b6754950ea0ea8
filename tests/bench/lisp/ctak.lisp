;;;; ctak.lisp -- CTAK, TAK returning through CATCH and THROW (Gabriel
;;;; 1985, 3.3).
;;;;
;;;; Every return of the Takeuchi function is a THROW to the nearest
;;;; CATCH of the tag CTAK: non-local exits, dynamically.
;;;; Needs: defun, cond, not, <, =, +, 1-, catch, throw, quote.
;;;; (run-benchmark) returns the sum of the runs' results (7 each).

(defun ctak (x y z)
  (catch 'ctak (ctak-aux x y z)))

(defun ctak-aux (x y z)
  (cond ((not (< y x))
         (throw 'ctak z))
        (t (ctak-aux
            (catch 'ctak
              (ctak-aux (1- x) y z))
            (catch 'ctak
              (ctak-aux (1- y) z x))
            (catch 'ctak
              (ctak-aux (1- z) x y))))))

(defun ctak-repeat (n sum)
  (if (= n 0)
      sum
      (ctak-repeat (1- n) (+ sum (ctak 18 12 6)))))

(defun run-benchmark ()
  (ctak-repeat 500 0))
