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

(defun last (l &optional (n 1))
  (let ((tail l))
    ;; advance tail n conses ahead, then walk both to the end
    (dotimes (i n) (if (consp tail) (setq tail (cdr tail))))
    (do ((result l (cdr result)) (tail tail (cdr tail)))
        ((not (consp tail)) result))))

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

;; Sets as lists, in SBCL's orders: the results are built by pushing, so
;; the programs that print them see what they see in SBCL.
(defun %key-of (key x) (if key (funcall key x) x))

(defun %in-list (item list test key)
  (member (%key-of key item) list :test test :key key))

(defun union (list1 list2 &key key test test-not)
  (let ((test (%test-fn test test-not)) (result list2))
    (dolist (x list1 result)
      (unless (%in-list x list2 test key)
        (setq result (cons x result))))))

(defun nunion (list1 list2 &rest keys)
  (apply #'union list1 list2 keys))

(defun intersection (list1 list2 &key key test test-not)
  (let ((test (%test-fn test test-not)) (result nil))
    (dolist (x list1 result)
      (if (%in-list x list2 test key)
          (setq result (cons x result))))))

(defun nintersection (list1 list2 &rest keys)
  (apply #'intersection list1 list2 keys))

(defun set-difference (list1 list2 &key key test test-not)
  (let ((test (%test-fn test test-not)) (result nil))
    (dolist (x list1 result)
      (unless (%in-list x list2 test key)
        (setq result (cons x result))))))

(defun nset-difference (list1 list2 &rest keys)
  (apply #'set-difference list1 list2 keys))

(defun set-exclusive-or (list1 list2 &key key test test-not)
  (let ((test (%test-fn test test-not)) (result nil))
    (dolist (x list1)
      (unless (%in-list x list2 test key) (setq result (cons x result))))
    (dolist (x list2 result)
      (unless (member (%key-of key x) list1
                      :test (lambda (a b) (funcall test b a)) :key key)
        (setq result (cons x result))))))

(defun nset-exclusive-or (list1 list2 &rest keys)
  (apply #'set-exclusive-or list1 list2 keys))

(defun subsetp (list1 list2 &key key test test-not)
  (let ((test (%test-fn test test-not)))
    (dolist (x list1 t)
      (unless (%in-list x list2 test key) (return nil)))))

;; Trees.
;; tree with each subtree that (funcall replace x) replaces (its second
;; value true) by the first value, sharing every part left unchanged
(defun %subst-tree (replace tree)
  (labels ((walk (x)
             (multiple-value-bind (new found) (funcall replace x)
               (cond (found new)
                     ((atom x) x)
                     (t (let ((a (walk (car x))) (d (walk (cdr x))))
                          (if (and (eq a (car x)) (eq d (cdr x)))
                              x
                              (cons a d))))))))
    (walk tree)))

(defun subst (new old tree &key key test test-not)
  (let ((test (%test-fn test test-not)))
    (%subst-tree (lambda (x) (values new (funcall test old (%key-of key x))))
                 tree)))

(defun subst-if (new predicate tree &key key)
  (%subst-tree (lambda (x) (values new (funcall predicate (%key-of key x))))
               tree))

(defun subst-if-not (new predicate tree &key key)
  (subst-if new (complement predicate) tree :key key))

(defun nsubst (new old tree &rest keys) (apply #'subst new old tree keys))

(defun sublis (alist tree &key key test test-not)
  (let ((test (%test-fn test test-not)))
    (%subst-tree (lambda (x)
                   (let ((pair (assoc (%key-of key x) alist :test test)))
                     (values (cdr pair) pair)))
                 tree)))

(defun nsublis (alist tree &rest keys) (apply #'sublis alist tree keys))

(defun tree-equal (x y &key test test-not)
  (let ((test (%test-fn test test-not)))
    (labels ((same (x y)
               (if (and (consp x) (consp y))
                   (and (same (car x) (car y)) (same (cdr x) (cdr y)))
                   (and (atom x) (atom y) (funcall test x y) t))))
      (same x y))))

;; More list functions.
(defun list-length (list)
  ;; nil for a circular list: the fast pointer meets the slow one
  (do ((n 0 (+ n 2)) (fast list (cddr fast)) (slow list (cdr slow)))
      (nil)
    (when (endp fast) (return n))
    (when (endp (cdr fast)) (return (+ n 1)))
    (when (and (eq fast slow) (> n 0)) (return nil))))

(defun make-list (size &key initial-element)
  (let ((result nil))
    (dotimes (i size result) (setq result (cons initial-element result)))))

(defun copy-alist (alist)
  (mapcar (lambda (pair) (if (consp pair) (cons (car pair) (cdr pair)) pair))
          alist))

(defun tailp (object list)
  (do ((l list (cdr l)))
      ((atom l) (eql object l))
    (if (eql object l) (return t))))

(defun ldiff (list object)
  (let ((result nil))
    (do ((l list (cdr l)))
        ((or (atom l) (eql l object))
         (let ((r (nreverse result)))
           (if (and (atom l) (not (eql l object)) l) (nconc r l) r)))
      (setq result (cons (car l) result)))))

(defun assoc-if (predicate alist &key key)
  (dolist (pair alist nil)
    (if (and pair (funcall predicate (%key-of key (car pair)))) (return pair))))

(defun assoc-if-not (predicate alist &key key)
  (assoc-if (complement predicate) alist :key key))

(defun rassoc-if (predicate alist &key key)
  (dolist (pair alist nil)
    (if (and pair (funcall predicate (%key-of key (cdr pair)))) (return pair))))

(defun rassoc-if-not (predicate alist &key key)
  (rassoc-if (complement predicate) alist :key key))

;; Functions returning functions.
(defun constantly (value) (lambda (&rest arguments) arguments value))
(defun complement (f) (lambda (&rest arguments) (not (apply f arguments))))
