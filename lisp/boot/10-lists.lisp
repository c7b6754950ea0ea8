;;;; 10-lists.lisp -- numbers' small predicates and the list library, in
;;;; Lisp, run at cold boot.  Loops are tail calls (constant space); the
;;;; hot ones move to C when the benchmarks say so.

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
(defun reverse (l) (%revappend l nil))     ; lists only, so far
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

(defun %remove-if (test l acc)
  (cond ((null l) (%revappend acc nil))
        ((funcall test (car l)) (%remove-if test (cdr l) acc))
        (t (%remove-if test (cdr l) (cons (car l) acc)))))
(defun remove-if (test l) (%remove-if test l nil))
(defun remove-if-not (test l)
  (%remove-if (lambda (x) (not (funcall test x))) l nil))
(defun remove (item l)
  (%remove-if (lambda (x) (eql x item)) l nil))

(defun find-if (test l)
  (cond ((null l) nil)
        ((funcall test (car l)) (car l))
        (t (find-if test (cdr l)))))
(defun find (item l)
  (find-if (lambda (x) (eql x item)) l))

(defun %position-if (test l i)
  (cond ((null l) nil)
        ((funcall test (car l)) i)
        (t (%position-if test (cdr l) (1+ i)))))
(defun position-if (test l) (%position-if test l 0))
(defun position (item l) (%position-if (lambda (x) (eql x item)) l 0))

(defun count-if (test l)
  (let ((n 0))
    (mapc (lambda (x) (when (funcall test x) (setq n (1+ n)))) l)
    n))
(defun count (item l) (count-if (lambda (x) (eql x item)) l))

(defun every (test l)
  (cond ((null l) t)
        ((funcall test (car l)) (every test (cdr l)))
        (t nil)))
(defun some (test l)
  (cond ((null l) nil)
        ((funcall test (car l)))
        (t (some test (cdr l)))))

(defun %reduce (f acc l)
  (if (null l) acc (%reduce f (funcall f acc (car l)) (cdr l))))
(defun reduce (f l)                      ; :initial-value etc. wait for &key
  (if (null l)
      (funcall f)
      (%reduce f (car l) (cdr l))))
