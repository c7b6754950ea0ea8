;;;; browse.lisp -- BROWSE, an AI-like data base of units (Gabriel 1985,
;;;; 3.10).
;;;;
;;;; Makes 100 units (symbols) whose property lists hold 10 junk
;;;; properties and a list of 4 patterns, shuffles them with a
;;;; deterministic random generator, then matches 3 patterns with ?X and
;;;; *X variables against every unit's patterns.  Property lists, symbol
;;;; names, list surgery and a backtracking matcher.
;;;;
;;;; Differences from the classic: the units are GENSYMs (the classic
;;;; interns them with GENTEMP; only their property lists matter),
;;;; COPY-TREE is written out as BROWSE-COPY-TREE, and INVESTIGATE counts
;;;; the successful matches, which the classic throws away, for the
;;;; checksum.
;;;; Needs: defun, defvar, defmacro, do (with RETURN), let, cond, or, and,
;;;; not, null, atom, consp, eq, =, +, 1-, 1+, -, *, mod, length, car,
;;;; cdr, cadr, cddr, cons, push, rplacd, nconc, append, assoc, gensym,
;;;; get, (setf (get ...)), setq, symbol-name, char, characters (#\?),
;;;; if, progn.
;;;; (run-benchmark) returns the number of successful matches, summed
;;;; over the runs.

(defvar *browse-rand* 21)
(defvar *browse-matches* 0)

(defmacro char1 (x) `(char (symbol-name ,x) 0))

(defun browse-copy-tree (x)
  (if (consp x)
      (cons (browse-copy-tree (car x)) (browse-copy-tree (cdr x)))
      x))

(defun init-browse (n m npats ipats)
  (let ((ipats (browse-copy-tree ipats)))
    (do ((p ipats (cdr p)))
        ((null (cdr p)) (rplacd p ipats)))
    (do ((n n (1- n))
         (i m (cond ((= i 0) m)
                    (t (1- i))))
         (name (gensym) (gensym))
         (a ()))
        ((= n 0) a)
      (push name a)
      (do ((i i (1- i)))
          ((= i 0))
        (setf (get name (gensym)) nil))
      (setf (get name 'pattern)
            (do ((i npats (1- i))
                 (ipats ipats (cdr ipats))
                 (a ()))
                ((= i 0) a)
              (push (car ipats) a)))
      (do ((j (- m i) (1- j)))
          ((= j 0))
        (setf (get name (gensym)) nil)))))

(defun browse-random ()
  (setq *browse-rand* (mod (* *browse-rand* 17) 251)))

(defun randomize (l)
  (do ((a ()))
      ((null l) a)
    (let ((n (mod (browse-random) (length l))))
      (cond ((= n 0)
             (push (car l) a)
             (setq l (cdr l)))
            (t
             (do ((n n (1- n))
                  (x l (cdr x)))
                 ((= n 1)
                  (push (cadr x) a)
                  (rplacd x (cddr x)))))))))

(defun match (pat dat alist)
  (cond ((null pat)
         (null dat))
        ((null dat) ())
        ((or (eq (car pat) '?)
             (eq (car pat) (car dat)))
         (match (cdr pat) (cdr dat) alist))
        ((eq (car pat) '*)
         (or (match (cdr pat) dat alist)
             (match (cdr pat) (cdr dat) alist)
             (match pat (cdr dat) alist)))
        (t (cond ((atom (car pat))
                  (cond ((eq (char1 (car pat)) #\?)
                         (let ((val (assoc (car pat) alist)))
                           (cond (val (match (cons (cdr val) (cdr pat))
                                             dat alist))
                                 (t (match (cdr pat)
                                           (cdr dat)
                                           (cons (cons (car pat) (car dat))
                                                 alist))))))
                        ((eq (char1 (car pat)) #\*)
                         (let ((val (assoc (car pat) alist)))
                           (cond (val (match (append (cdr val) (cdr pat))
                                             dat alist))
                                 (t
                                  (do ((l () (nconc l (cons (car d) nil)))
                                       (e (cons () dat) (cdr e))
                                       (d dat (cdr d)))
                                      ((null e) ())
                                    (cond ((match (cdr pat) d
                                                  (cons (cons (car pat) l)
                                                        alist))
                                           (return t))))))))))
                 (t (and (not (atom (car dat)))
                         (match (car pat) (car dat) alist)
                         (match (cdr pat) (cdr dat) alist)))))))

(defun investigate (units pats)
  (do ((units units (cdr units)))
      ((null units))
    (do ((pats pats (cdr pats)))
        ((null pats))
      (do ((p (get (car units) 'pattern) (cdr p)))
          ((null p))
        (cond ((match (car pats) (car p) ())
               (setq *browse-matches* (1+ *browse-matches*))))))))

(defun browse ()
  (setq *browse-rand* 21)
  (investigate (randomize
                (init-browse 100 10 4 '((a a a b b b b a a a a a b b a a a)
                                        (a a b b b b a a
                                         (a a) (b b))
                                        (a a a b (b a) b a b a))))
               '((*a ?b *b ?b a *a a *b *a)
                 (*a *b *b *a (*a) (*b))
                 (? ? * (b a) * ? ?))))

(defun browse-repeat (n)
  (if (= n 0)
      *browse-matches*
      (progn (browse)
             (browse-repeat (1- n)))))

(defun run-benchmark ()
  (setq *browse-matches* 0)
  (browse-repeat 35))
