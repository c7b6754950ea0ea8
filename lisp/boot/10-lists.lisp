;;;; 10-lists.lisp -- numbers' small predicates and the list library, in
;;;; Lisp, run at cold boot.  Loops are tail calls (constant space); the
;;;; hot ones move to C when the benchmarks say so.  The generic sequence
;;;; functions (reverse, remove, find, position, count, every, some,
;;;; reduce...) are primitives in lisp/sequences.c.

(defun zerop (n) (= n 0))
(defun plusp (n) (> n 0))
(defun minusp (n) (< n 0))
(defun evenp (n) (= (mod n 2) 0))
(defun oddp (n) (not (evenp n)))
(defun identity (x) x)

(defun first (l) (car l))
(defun second (l) (car (cdr l)))
(defun third (l) (car (cdr (cdr l))))
(defun rest (l) (cdr l))
(defun endp (l)
  (if (listp l) (null l) (car l)))      ; CAR signals the type error

(defun nthcdr (n l)
  (if (zerop n) l (nthcdr (1- n) (cdr l))))
(defun nth (n l) (car (nthcdr n l)))

(defun last (l)
  (if (consp (cdr l)) (last (cdr l)) l))

(defun %revappend (l tail)
  (if (null l) tail (%revappend (cdr l) (cons (car l) tail))))
(defun copy-list (l) (%revappend (%revappend l nil) nil))

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
