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

;; MEMBER ASSOC RASSOC with :test, :test-not and :key (EQL by default).
(defun %test-fn (test test-not)
  (cond (test-not (lambda (a b) (not (funcall test-not a b))))
        (test test)
        (t #'eql)))

(defun member (item list &key test test-not key)
  (let ((fn (%test-fn test test-not)))
    (do ((l list (cdr l)))
        ((null l) nil)
      (if (funcall fn item (if key (funcall key (car l)) (car l)))
          (return l)))))

(defun assoc (item alist &key test test-not key)
  (let ((fn (%test-fn test test-not)))
    (dolist (pair alist nil)
      (if (and pair
               (funcall fn item (if key (funcall key (car pair)) (car pair))))
          (return pair)))))

(defun rassoc (item alist &key test test-not key)
  (let ((fn (%test-fn test test-not)))
    (dolist (pair alist nil)
      (if (and pair
               (funcall fn item (if key (funcall key (cdr pair)) (cdr pair))))
          (return pair)))))

(defun adjoin (item list &key test test-not key)
  (if (member (if key (funcall key item) item) list
              :test (%test-fn test test-not) :key key)
      list
      (cons item list)))

(defun getf (plist indicator &optional default)
  (do ((l plist (cddr l)))
      ((null l) default)
    (if (eq (car l) indicator) (return (cadr l)))))

;; The mapping functions, over one list or several (stopping at the
;; shortest).
;; The mapping functions, over one list or several (stopping at the
;; shortest).
(defun %map1 (f l acc)
  (if (null l) (%revappend acc nil) (%map1 f (cdr l) (cons (funcall f (car l)) acc))))

(defun %some-null (lists)
  (and lists (or (null (car lists)) (%some-null (cdr lists)))))

;; (cars) and (cdrs) of several lists
(defun %cars (lists) (if lists (cons (car (car lists)) (%cars (cdr lists))) nil))
(defun %cdrs (lists) (if lists (cons (cdr (car lists)) (%cdrs (cdr lists))) nil))

;; Call f on successive elements (or tails, when on-tails) of the lists,
;; collecting the results when collect.
(defun %map-lists (f lists on-tails collect)
  (let ((acc nil))
    (do ((ls lists (%cdrs ls)))
        ((%some-null ls) (%revappend acc nil))
      (let ((v (apply f (if on-tails ls (%cars ls)))))
        (if collect (setq acc (cons v acc)))))))

(defun mapcar (f list &rest more)
  (if more (%map-lists f (cons list more) nil t) (%map1 f list nil)))

(defun mapc (f list &rest more)
  (%map-lists f (cons list more) nil nil)
  list)

(defun mapcan (f list &rest more)
  (apply #'nconc (%map-lists f (cons list more) nil t)))

(defun maplist (f list &rest more)
  (%map-lists f (cons list more) t t))

(defun mapl (f list &rest more)
  (%map-lists f (cons list more) t nil)
  list)

(defun mapcon (f list &rest more)
  (apply #'nconc (%map-lists f (cons list more) t t)))
