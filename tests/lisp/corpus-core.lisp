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
