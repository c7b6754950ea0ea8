;;;; deriv.lisp -- DERIV, symbolic differentiation (Vaughn Pratt; Gabriel
;;;; 1985, 3.8).
;;;;
;;;; Differentiates (+ (* 3 x x) (* a x x) (* b x) 5) 5,000 times per
;;;; DERIV-RUN: a big COND on the operator and a lot of consing.
;;;; Needs: defun, cond, atom, eq, quote, function, mapcar (one list),
;;;; cons, list, car, cdr, cadr, caddr, do, =, 1+, 1-, if, progn.
;;;; (run-benchmark) returns one more derivative, of the same polynomial
;;;; plus (/ 5 x) so that the quotient rule is checked too.

(defun deriv-aux (a) (list '/ (deriv a) a))

(defun deriv (a)
  (cond
    ((atom a)
     (cond ((eq a 'x) 1) (t 0)))
    ((eq (car a) '+)
     (cons '+ (mapcar #'deriv (cdr a))))
    ((eq (car a) '-)
     (cons '- (mapcar #'deriv (cdr a))))
    ((eq (car a) '*)
     (list '*
           a
           (cons '+ (mapcar #'deriv-aux (cdr a)))))
    ((eq (car a) '/)
     (list '-
           (list '/
                 (deriv (cadr a))
                 (caddr a))
           (list '/
                 (cadr a)
                 (list '*
                       (caddr a)
                       (caddr a)
                       (deriv (caddr a))))))
    (t 'error)))

(defun deriv-run ()
  (do ((i 0 (1+ i)))
      ((= i 1000))                      ; 5,000 derivatives
    (deriv '(+ (* 3 x x) (* a x x) (* b x) 5))
    (deriv '(+ (* 3 x x) (* a x x) (* b x) 5))
    (deriv '(+ (* 3 x x) (* a x x) (* b x) 5))
    (deriv '(+ (* 3 x x) (* a x x) (* b x) 5))
    (deriv '(+ (* 3 x x) (* a x x) (* b x) 5))))

(defun deriv-repeat (n)
  (if (= n 0)
      (deriv '(+ (* 3 x x) (* a x x) (* b x) (/ 5 x)))
      (progn (deriv-run)
             (deriv-repeat (1- n)))))

(defun run-benchmark ()
  (deriv-repeat 90))
