;;;; 10-lists.lisp -- the list library, in Lisp, run at cold boot.
;;;; Loops are tail calls (constant space); the hot ones move to C when
;;;; the benchmarks say so.  The generic sequence functions (reverse,
;;;; remove, find, position, count, every, some, reduce...) are primitives
;;;; in lisp/sequences.c, the number functions in lisp/numbers.c.

(defun identity (x) x)

(defun first (l) (car l))
(defun second (l) (car (cdr l)))
(defun third (l) (car (cdr (cdr l))))
(defun rest (l) (cdr l))
(defun endp (l)
  (if (listp l) (null l) (car l)))      ; CAR signals the type error

(defun caar (l) (car (car l)))
(defun cadr (l) (car (cdr l)))
(defun cdar (l) (cdr (car l)))
(defun cddr (l) (cdr (cdr l)))
(defun caaar (l) (car (car (car l))))
(defun caadr (l) (car (car (cdr l))))
(defun cadar (l) (car (cdr (car l))))
(defun caddr (l) (car (cdr (cdr l))))
(defun cdaar (l) (cdr (car (car l))))
(defun cdadr (l) (cdr (car (cdr l))))
(defun cddar (l) (cdr (cdr (car l))))
(defun cdddr (l) (cdr (cdr (cdr l))))
(defun cadddr (l) (car (cdr (cdr (cdr l)))))
(defun cddddr (l) (cdr (cdr (cdr (cdr l)))))
(defun fourth (l) (car (cdddr l)))
(defun fifth (l) (car (cddddr l)))
(defun sixth (l) (cadr (cddddr l)))
(defun seventh (l) (caddr (cddddr l)))
(defun eighth (l) (cadddr (cddddr l)))
(defun ninth (l) (car (cddddr (cddddr l))))
(defun tenth (l) (cadr (cddddr (cddddr l))))

(defun nthcdr (n l)
  (if (zerop n) l (nthcdr (1- n) (cdr l))))
(defun nth (n l) (car (nthcdr n l)))

(defun last (l)
  (if (consp (cdr l)) (last (cdr l)) l))

(defun %revappend (l tail)
  (if (null l) tail (%revappend (cdr l) (cons (car l) tail))))
(defun copy-list (l) (%revappend (%revappend l nil) nil))
(defun revappend (l tail) (%revappend l tail))

;; nconc: the last cons of each non-empty list is made to point at the
;; rest, destructively.
(defun %nconc2 (a b)
  (if (null a) b (progn (rplacd (last a) b) a)))
(defun %nconc-list (lists)
  (if (null (cdr lists))
      (car lists)
      (%nconc2 (car lists) (%nconc-list (cdr lists)))))
(defun nconc (&rest lists) (if lists (%nconc-list lists) nil))
(defun nreconc (l tail) (%revappend l tail))

(defun butlast (l &optional (n 1))
  (let ((keep (- (length l) n)))
    (if (> keep 0) (%first-n l keep) nil)))
(defun %first-n (l n)
  (if (= n 0) nil (cons (car l) (%first-n (cdr l) (1- n)))))

(defun copy-tree (x)
  (if (consp x) (cons (copy-tree (car x)) (copy-tree (cdr x))) x))
(defun acons (key datum alist) (cons (cons key datum) alist))
(defun pairlis (keys data &optional alist)
  (if (null keys)
      alist
      (acons (car keys) (car data) (pairlis (cdr keys) (cdr data) alist))))
(defun rassoc (item alist)
  (cond ((null alist) nil)
        ((and (car alist) (eql item (cdr (car alist)))) (car alist))
        (t (rassoc item (cdr alist)))))

(defun list* (first &rest more)
  (if (null more)
      first
      (cons first (apply #'list* more))))

(defun member (item list)
  (cond ((null list) nil)
        ((eql item (car list)) list)
        (t (member item (cdr list)))))

(defun assoc (item alist)
  (cond ((null alist) nil)
        ((and (car alist) (eql item (car (car alist)))) (car alist))
        (t (assoc item (cdr alist)))))

(defun %map1 (f l acc)
  (if (null l) (%revappend acc nil) (%map1 f (cdr l) (cons (funcall f (car l)) acc))))
(defun mapcar (f l) (%map1 f l nil))

(defun mapc (f l)
  (let ((all l))
    (%mapc f l)
    all))
(defun %mapc (f l)
  (when l (funcall f (car l)) (%mapc f (cdr l))))
