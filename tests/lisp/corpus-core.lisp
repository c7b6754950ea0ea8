;;;; corpus-core.lisp -- the differential corpus, part 1: the core so far.
;;;; Each form is evaluated in order by SBCL and by LispOS (lisp_sbcl.t);
;;;; definitions carry over.  Printed values must match line for line.

;; integers and arithmetic
1
-17
0
(+)
(+ 1 2)
(+ 1 2 3 4 5)
(- 10)
(- 10 3 2)
(*)
(* 2 3 4)
(* -3 5)
(= 1 1)
(= 1 2)
(= 3 3 3)
(< 1 2 3)
(< 1 3 2)
(> 3 2 1)
(<= 1 1 2)
(>= 2 2 3)
(+ 1000000 2000000)
(* 12345 6789)
(- 0 0)

;; lists
'(1 2 3)
'(a b . c)
'()
(cons 1 2)
(cons 1 nil)
(cons 1 '(2 3))
(list)
(list 1 2 3)
(list 'a (list 'b 'c) 'd)
(car '(1 2 3))
(cdr '(1 2 3))
(car nil)
(cdr nil)
(car (cdr '(1 2 3)))
(append)
(append '(1 2) '(3 4))
(append '(1) '(2) '(3 4) nil)
(append nil nil)
(append '(1 2) 3)

;; predicates
(null nil)
(null '(1))
(not nil)
(not 3)
(consp '(1))
(consp nil)
(atom 1)
(atom '(1))
(eq 'a 'a)
(eq 'a 'b)
(eq nil '())
(eq 3 3)

;; symbols and quoting
'foo
'Foo
(quote (quote a))
''a
t
nil

;; strings and characters
"hello"
"with \"quotes\""
"back\\slash"
#\a
#\Space
#\Newline

;; if, progn, let, setq
(if t 1 2)
(if nil 1 2)
(if nil 1)
(progn)
(progn 1 2 3)
(let ((x 1) (y 2)) (+ x y))
(let ((x 1)) (let ((x 2) (y x)) (list x y)))
(let () 5)
(let (a b) (list a b))
(setq *g* 10)
*g*
(setq *g* (+ *g* 1) *h* (* *g* 2))
(list *g* *h*)
(let ((x 1)) (setq x 5) x)

;; functions, recursion, tail calls
(defun sq (x) (* x x))
(sq 12)
(defun fact (n) (if (= n 0) 1 (* n (fact (- n 1)))))
(fact 10)
(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(fib 20)
(defun count-down (n) (if (= n 0) 'done (count-down (- n 1))))
(count-down 100000)
(defun len (l) (if (null l) 0 (+ 1 (len (cdr l)))))
(len '(a b c d))
(defun rev (l acc) (if (null l) acc (rev (cdr l) (cons (car l) acc))))
(rev '(1 2 3 4) nil)
(funcall #'sq 7)
(funcall (function +) 1 2)
(apply #'+ 1 2 '(3 4))
(apply #'list '(a b))
((lambda (x y) (list y x)) 1 2)
(funcall (lambda () 42))
(sq 1 2)
(undefined-function-here 1)
(car 5)

;; lambda lists
(defun opt (a &optional (b 10) (c (+ a b) c-p)) (list a b c c-p))
(opt 1)
(opt 1 2)
(opt 1 2 3)
(opt)
(opt 1 2 3 4)
(defun rst (a &rest xs) (list a xs))
(rst 1)
(rst 1 2 3)
(defun opt-rest (&optional x &rest r) (list x r))
(opt-rest)
(opt-rest 1 2 3)
(defun aux (x &aux (y (* x 2))) (list x y))
(aux 4)

;; closures
(defun adder (n) (lambda (x) (+ x n)))
(funcall (adder 3) 4)
(defun counter () (let ((n 0)) (lambda () (setq n (+ n 1)))))
(let ((c (counter))) (funcall c) (funcall c) (funcall c))
(let ((x 1)) (let ((f (lambda () x))) (setq x 2) (funcall f)))
(defun compose (f g) (lambda (x) (funcall f (funcall g x))))
(funcall (compose (adder 10) #'sq) 3)
(let ((a 1) (b 2)) (funcall (lambda () (funcall (lambda () (list a b))))))
(let ((fs (list (adder 1) (adder 2)))) (list (funcall (car fs) 10) (funcall (car (cdr fs)) 10)))

;; macros and backquote
(defmacro my-when (test &body body) `(if ,test (progn ,@body) nil))
(my-when t 1 2)
(my-when nil 1 2)
(macroexpand-1 '(my-when x a b))
(defmacro swap-args ((a b)) `(list ,b ,a))
(swap-args (1 2))
`(1 ,(+ 1 1) ,@(list 3 4))
`(a . ,(+ 1 2))
`(x ,@nil y)
(defmacro my-incf (v) `(setq ,v (+ ,v 1)))
(let ((n 5)) (my-incf n) n)

;; system macros (lisp/boot)
(when t 1 2)
(when nil 1)
(unless nil 3)
(unless t 3)
(cond)
(cond ((= 1 2) 1) ((= 1 1) 2) (t 3))
(cond (nil 1) (5))
(cond (nil 1))
(and)
(and 1 2 3)
(and 1 nil 3)
(or)
(or nil 2)
(or nil nil)
(let* ((a 1) (b (+ a 1)) (c (* b 3))) (list a b c))
(prog1 1 2 3)
(prog2 1 2 3)
(case 3 (1 'one) ((2 3) 'two-or-three) (otherwise 'other))
(case 'z (a 1) (t 'default))
(case 'q (a 1))

;; special variables
(defvar *sx* 1)
(defun get-sx () *sx*)
(get-sx)
(let ((*sx* 2)) (get-sx))
(get-sx)
(defvar *sx* 99)
*sx*
(defparameter *sx* 5)
*sx*
(defun with-sx (*sx*) (get-sx))
(with-sx 7)
*sx*
(let ((*sx* 10) (y *sx*)) (list (get-sx) y))
(let ((*sx* 3)) (car 1))
*sx*
(boundp '*sx*)
(boundp 'surely-unbound-variable-here)
(defun opt-sx (&optional (*sx* 42)) (get-sx))
(opt-sx)
(opt-sx 1)
*sx*
(let ((f (lambda () *sx*))) (let ((*sx* 8)) (funcall f)))

;; predicates, arithmetic and the list library (C primitives and lisp/boot)
(list (symbolp 'a) (symbolp 1) (symbolp nil) (integerp 3) (integerp 'a))
(list (numberp 1) (stringp "s") (stringp 's) (characterp #\a) (listp nil) (listp '(1)) (listp 3))
(list (functionp #'car) (functionp 'car) (functionp (lambda () 1)))
(list (eql 1 1) (eql 'a 'a) (eql #\a #\a) (eql '(1) '(1)))
(list (equal '(1 (2 3)) '(1 (2 3))) (equal "abc" "abc") (equal "abc" "abd") (equal '(1 . 2) '(1 . 3)))
(list (1+ 5) (1- 5) (1+ -1))
(list (mod 7 3) (mod -7 3) (mod 7 -3) (mod -7 -3))
(list (rem 7 3) (rem -7 3) (rem 7 -3) (rem -7 -3))
(mod 1 0)
(list (abs -9) (abs 9) (max 1 5 3) (min 4 2 8) (max 7))
(list (zerop 0) (zerop 1) (plusp 2) (minusp -2) (evenp 4) (oddp 4) (evenp -3))
(let ((c (cons 1 2))) (rplaca c 'a) (rplacd c 'b) c)
(list (length nil) (length '(1 2 3)) (length "hello") (length ""))
(length '(1 2 . 3))
(list (first '(1 2 3)) (second '(1 2 3)) (third '(1 2 3)) (rest '(1 2 3)))
(list (endp nil) (endp '(1)))
(list (nth 0 '(a b c)) (nth 2 '(a b c)) (nth 5 '(a b c)))
(list (nthcdr 1 '(a b c)) (nthcdr 3 '(a b c)))
(list (last '(1 2 3)) (last nil) (last '(1 2 . 3)))
(reverse '(1 2 3 4))
(reverse nil)
(let* ((a (list 1 2 3)) (b (copy-list a))) (list (equal a b) (eq a b)))
(list (list* 1) (list* 1 2) (list* 1 2 '(3 4)))
(list (member 2 '(1 2 3)) (member 5 '(1 2 3)) (member 'b '(a b)))
(list (assoc 'b '((a . 1) (b . 2))) (assoc 'z '((a . 1))) (assoc 'a '(nil (a . 3))))
(mapcar #'1+ '(1 2 3))
(mapcar (lambda (x) (* x x)) '(1 2 3 4))
(mapcar #'car '((a 1) (b 2)))
(mapcar #'1+ nil)
(let ((acc nil)) (mapc (lambda (x) (setq acc (cons x acc))) '(1 2 3)) acc)
(mapc #'identity '(1 2))
(remove 3 '(1 3 2 3))
(remove-if #'evenp '(1 2 3 4 5))
(remove-if-not #'evenp '(1 2 3 4 5))
(list (find 3 '(1 2 3)) (find 9 '(1 2 3)) (find-if #'evenp '(1 3 4 5)))
(list (position 'c '(a b c)) (position 'z '(a b)) (position-if #'oddp '(2 4 5)))
(list (count 1 '(1 2 1 1)) (count-if #'oddp '(1 2 3)))
(list (every #'oddp '(1 3 5)) (every #'oddp '(1 2)) (every #'oddp nil))
(list (some #'evenp '(1 2 3)) (some #'evenp '(1 3)) (some #'identity '(nil 7 8)))
(list (reduce #'+ '(1 2 3 4)) (reduce #'+ nil) (reduce #'+ '(5)) (reduce #'* '(1 2 3) 10))
(reduce #'cons '(1 2 3))
(reduce #'list '(1 2 3) 0)
(defun range (n acc) (if (= n 0) acc (range (- n 1) (cons n acc))))
(length (mapcar #'1+ (range 100000 nil)))
(reduce #'+ (range 1000 nil))
(length (reverse (remove-if #'oddp (range 50000 nil))))
(let ((x 0)) (let ((f (lambda () (when t (setq x (+ x 1)))))) (funcall f) (funcall f) x))
(let ((n 0)) (mapc (lambda (y) (cond ((> y 1) (setq n (+ n y))))) '(1 2 3)) n)
(let ((acc nil)) (let ((push-it (lambda (v) (unless (null v) (setq acc (cons v acc)))))) (funcall push-it 1) (funcall push-it nil) (funcall push-it 2) acc))
(defun counter-maker () (let ((c 0)) (list (lambda () (and t (setq c (1+ c)))) (lambda () c))))
(let ((fs (counter-maker))) (funcall (car fs)) (funcall (car fs)) (funcall (cadr fs)))

;; block comments
(list 1 #| x |# 2)
#| a #| nested |# b |# 8
(+ 1 #|
 several lines
|# 2)
