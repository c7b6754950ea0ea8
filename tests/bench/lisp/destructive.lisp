;;;; destructive.lisp -- DESTRU, destructive list operations (Gabriel
;;;; 1985, 3.6): a list of 10 lists, rebuilt in place with RPLACA, RPLACD
;;;; and NCONC, N times.
;;;;
;;;; Needs: defun, let, do, cond, or, push, prog1, null, zerop, =, +, 1-,
;;;; car, cdr, cons, rplaca, rplacd, nconc, length, floor (of two
;;;; integers, the first value only), numberp, if, progn.
;;;; (run-benchmark) returns a checksum of the last run's list of lists:
;;;; the total of the sublists' lengths and of the numbers in them.

(defun destructive (n m)
  (let ((l (do ((i 10 (1- i))
                (a () (push () a)))
               ((= i 0) a))))
    (do ((i n (1- i)))
        ((= i 0) l)                     ; the classic returns NIL here
      (cond ((null (car l))
             (do ((l l (cdr l)))
                 ((null l))
               (or (car l)
                   (rplaca l (cons () ())))
               (nconc (car l)
                      (do ((j m (1- j))
                           (a () (push () a)))
                          ((= j 0) a)))))
            (t
             (do ((l1 l (cdr l1))
                  (l2 (cdr l) (cdr l2)))
                 ((null l2))
               (rplacd (do ((j (floor (length (car l2)) 2)
                               (1- j))
                            (a (car l2) (cdr a)))
                           ((zerop j) a)
                         (rplaca a i))
                       (let ((n (floor (length (car l1)) 2)))
                         (cond ((= n 0) (rplaca l1 ())
                                (car l1))
                               (t
                                (do ((j n (1- j))
                                     (a (car l1) (cdr a)))
                                    ((= j 1)
                                     (prog1 (cdr a)
                                       (rplacd a ())))
                                  (rplaca a i))))))))))))

(defun destructive-checksum (l sum)
  (cond ((null l) sum)
        ((consp (car l))
         (destructive-checksum (cons (cdr (car l)) (cdr l))
                               (+ sum 1 (if (numberp (car (car l)))
                                            (car (car l))
                                            0))))
        (t (destructive-checksum (cdr l) sum))))

(defun destructive-repeat (n result)
  (if (= n 0)
      (destructive-checksum result 0)
      (destructive-repeat (1- n) (destructive 600 50))))

(defun run-benchmark ()
  (destructive-repeat 250 nil))
