;;;; corpus-packages.lisp -- the differential corpus: packages, symbols,
;;;; keywords, and the symbol syntax of the reader and printer.  Each form
;;;; is evaluated in order, in COMMON-LISP-USER, by SBCL and by LispOS
;;;; (lisp_sbcl.t); printed values must match line for line.
;;;;
;;;; Forms the reader must refuse go through READ-FROM-STRING (the SBCL
;;;; runner's own READ must not fail); second values of INTERN and
;;;; FIND-SYMBOL are checked in tests/unit/lisp_strings.c.  Nothing here
;;;; depends on SBCL's own packages or on its package locks.

;; keywords
:foo
(eq :foo :foo)
(eq ':foo :foo)
(keywordp :foo)
(keywordp 'foo)
(keywordp "FOO")
(keywordp nil)
(keywordp 5)
(symbol-name :foo)
(symbol-package :foo)
(boundp :foo)
(list :a :b :c)
(funcall (lambda (x) x) :arg)
(eq (intern "NEW-KEY" :keyword) :new-key)
(keywordp (intern "ANOTHER-KEY" "KEYWORD"))
(find-symbol "ANOTHER-KEY" :keyword)
:|mixed Case|
(symbol-name :|mixed Case|)
(read-from-string "keyword:brand-new")
(read-from-string "::double")

;; keyword arguments, unquoted
(position #\b "abc" :test #'char=)
(count 1 '(1 2 1 3) :start 1)
(remove 1 '(1 2 1 3) :count 1)
(reduce #'+ '(1 2 3) :initial-value 10)
(find 3 '(1 2 3 4) :test #'<)
(parse-integer "12abc" :junk-allowed t)
(string-upcase "abc" :start 1)
(hash-table-test (make-hash-table :test 'equal :size 10))
(count-if #'keywordp '(:a b :c "d"))
(remove-if #'keywordp '(:a b :c d))

;; the standard packages
(find-package :cl)
(find-package "COMMON-LISP")
(find-package 'cl-user)
(find-package :keyword)
(find-package "NO-SUCH-PACKAGE")
(package-name :cl)
(package-name "CL-USER")
(package-name (find-package :keyword))
(package-nicknames :cl)
(package-nicknames :cl-user)
(package-nicknames :keyword)
(packagep (find-package :cl))
(packagep :cl)
(eq (find-package :cl) (find-package "CL"))
(eq (find-package :cl-user) *package*)
*package*
(package-name *package*)
(not (null (member (find-package :cl) (package-use-list :cl-user))))
(not (null (member (find-package :cl-user) (package-used-by-list :cl))))
(not (null (member (find-package :keyword) (list-all-packages))))
(symbol-package 'car)
(symbol-package 'defun)
(symbol-package 'otherwise)
(symbol-package nil)
(symbol-package t)
(symbol-package 'a-fresh-user-symbol)
(package-name (symbol-package 'another-user-symbol))
(eq 'car 'cl:car)
(eq 'car 'common-lisp:car)
(eq 'car 'cl-user::car)
(cl:car '(1 2))
(funcall #'cl:cdr '(1 2))
#'cl:car

;; intern and find-symbol (primary values)
(intern "CAR")
(eq (intern "CAR") 'car)
(intern "A-NEW-SYMBOL")
(eq (intern "A-NEW-SYMBOL") 'a-new-symbol)
(intern "lower")
(find-symbol "CAR")
(find-symbol "CAR" :cl)
(find-symbol "NOT-THERE-AT-ALL")
(find-symbol "A-NEW-SYMBOL" :cl)
(intern "X" :keyword)
(intern 'car)
(find-symbol 'car)
(intern "X" :no-such-package)
(intern "")
(symbol-name (intern ""))

;; symbol names, make-symbol, gensym, string
(symbol-name 'car)
(symbol-name '|hello world|)
(make-symbol "FRESH")
(make-symbol "fresh")
(symbol-package (make-symbol "FRESH"))
(eq (make-symbol "FRESH") (make-symbol "FRESH"))
(symbol-name (make-symbol "FRESH"))
(symbol-package (gensym))
(symbolp (gensym "FOO"))
(symbol-name (gensym 42))
(string 'car)
(string :key)
(string '|a b|)
(eq '#:foo '#:foo)
(symbol-name '#:foo)
(symbol-package '#:foo)
'#:|odd one|
(symbol-package 5)
(symbol-name "str")
(find-package 5)
(package-name 5)
(make-symbol 'sym)
(gensym 'foo)

;; how names print: bars when they would not read back
'|foo|
'|Foo Bar|
'||
'|1|
'|1+|
'1+
'|+1|
'-
'+
'|.|
'|..|
'|1.5|
'|1E5|
'e5
'|1A|
'a1
'/
'|1/|
'+.
'|.5|
'|a\|b|
'|a\\b|
'a\b
'|A:B|
'|#A|
'|A#B|
'|(x)|
'abc\ def
(list '|x| 'y '|Z|)
'\:key
'|;|

;; the reader: escapes and package markers
(read-from-string "cl:car")
(read-from-string "CL::CAR")
(read-from-string "cl-user::car")
(read-from-string "cl-user:car")
(read-from-string "cl:no-such-symbol-anywhere")
(read-from-string "no-such-package:x")
(read-from-string "no-such-package::x")
(read-from-string "a:b:c")
(read-from-string "cl:::car")
(read-from-string "cl:")
(read-from-string "#:foo:bar")
(read-from-string "#:foo")
(read-from-string "..")
(read-from-string "|a")
(read-from-string "|cl|:car")
(read-from-string "|CL|:car")
(read-from-string "a|:|b")
(read-from-string "\\:foo")
(read-from-string "  :foo  ")
(read-from-string "cl:nil")

;; a package of our own
(defpackage :lp-one (:use :cl) (:export #:greet #:*count*) (:intern "HIDDEN"))
(package-name :lp-one)
(package-use-list :lp-one)
(find-symbol "GREET" :lp-one)
(find-symbol "HIDDEN" :lp-one)
(find-symbol "CAR" :lp-one)
'lp-one:greet
'lp-one::hidden
'lp-one::brand-new
(read-from-string "lp-one:hidden")
(in-package :lp-one)
(defun greet (name) (list 'hello name))
(defvar *count* 0)
(greet 'world)
'hidden
'greet
'cl-user::foo
(symbol-package 'greet)
*package*
#'greet
(in-package :cl-user)
(lp-one:greet 'you)
lp-one:*count*
'lp-one:greet
'lp-one::hidden
#'lp-one:greet
(use-package :lp-one)
(greet 'again)
'greet
(eq 'greet 'lp-one:greet)
(symbol-package 'greet)
(unuse-package :lp-one)
'lp-one:greet
(in-package "LP-ONE")
(cl:in-package #:cl-user)
(in-package :no-such-package)
(defpackage :lp-one (:use :cl) (:export #:greet #:*count* #:extra))
(find-symbol "EXTRA" :lp-one)

;; export, unexport, import
(defpackage :lp-two (:use) (:nicknames :lp2))
(package-nicknames :lp-two)
(package-use-list :lp-two)
(find-package :lp2)
(intern "ALPHA" :lp-two)
(export (find-symbol "ALPHA" :lp2) :lp2)
'lp2:alpha
(unexport 'lp2:alpha :lp2)
'lp-two::alpha
(import 'cl:car :lp-two)
(find-symbol "CAR" :lp-two)
(import 'cl-user::beta :lp-two)
(symbol-package 'cl-user::beta)
(find-symbol "BETA" :lp-two)
(export 'cl-user::gamma :lp-two)
(import (make-symbol "HOMELESS") :lp-two)
(symbol-package (find-symbol "HOMELESS" :lp-two))
(export "FOO")
(export nil)

;; shadowing and name conflicts
(defpackage :lp-three (:use :cl) (:shadow #:car))
(eq (find-symbol "CAR" :lp-three) 'car)
(find-symbol "CAR" :lp-three)
(package-shadowing-symbols :lp-three)
(find-symbol "CDR" :lp-three)
(in-package :lp-three)
(defun car (x) (cl:cdr x))
(car '(1 2))
(cl:car '(1 2))
(in-package :cl-user)
(lp-three::car '(1 2 3))
(defpackage :lp-four (:use) (:export #:car))
'lp-four:car
(use-package :lp-four)
(use-package :lp-four :lp-two)
(package-name (make-package :lp-five :use '(:lp-four)))
(find-symbol "CAR" :lp-five)
(defpackage :lp-seven (:use :cl :lp-four) (:shadowing-import-from :lp-four #:car))
(find-symbol "CAR" :lp-seven)
(package-shadowing-symbols :lp-seven)
(find-symbol "CDR" :lp-seven)
(defpackage :lp-base (:use))
(defpackage :lp-user (:use :lp-base) (:intern "DELTA9"))
(intern "DELTA9" :lp-base)
(export (find-symbol "DELTA9" :lp-base) :lp-base)
(find-symbol "DELTA9" :lp-user)
(unintern (find-symbol "DELTA9" :lp-user) :lp-user)
(export (find-symbol "DELTA9" :lp-base) :lp-base)
(find-symbol "DELTA9" :lp-user)
(shadow '("ETA" #:theta) :lp-user)
(package-shadowing-symbols :lp-user)

;; unintern, delete-package, rename-package
(intern "EPSILON" :lp-base)
(unintern (find-symbol "EPSILON" :lp-base) :lp-base)
(find-symbol "EPSILON" :lp-base)
(let ((s (intern "ZETA" :lp-base))) (unintern s :lp-base) s)
(let ((s (intern "ZETA2" :lp-base))) (unintern s :lp-base) (symbol-package s))
(unintern 'cl:car :lp-base)
(defpackage :lp-temp (:use) (:export #:omega))
(let ((s 'lp-temp:omega)) (delete-package :lp-temp) (list s (symbol-package s)))
(find-package :lp-temp)
(delete-package :lp-temp)
(let ((p (make-package :lp-temp2))) (delete-package p) (list (package-name p) (delete-package p)))
(delete-package :lp-base)
(delete-package :cl)
(make-package :lp-one)
(make-package "LP-NEW" :nicknames '("LP-ONE"))
(package-name (make-package "lp-lower"))
(find-package "lp-lower")
(find-package :lp-lower)
(intern "X" "lp-lower")
(make-package :lp-bad :use '(:no-such-package))
(find-package :lp-bad)
(rename-package :lp-two :lp-two-renamed '(:lptr))
(package-name :lptr)
(find-package :lp-two)
'lp-two-renamed::alpha

;; iterating
(let ((n 0)) (do-external-symbols (s :lp-one) (setq n (+ n 1))) n)
(let ((l nil)) (do-external-symbols (s :lp-one) (setq l (cons (symbol-name s) l))) (sort l #'string<))
(let ((n 0)) (do-symbols (s :lp-two-renamed) (setq n (+ n 1))) n)
(do-symbols (s :lp-two-renamed 'done) s)
(let ((n 0)) (do-symbols (s :lp-seven) (if (eq s 'lp-four:car) (setq n (+ n 1)))) n)
(find-all-symbols "GREET")
(length (find-all-symbols "DELTA9"))

;; printing from a package that does not use COMMON-LISP
(defpackage :lp-bare (:use))
(cl:in-package :lp-bare)
'cl:car
'cl-user::x
:key
'local
(cl:list 'a 'lp-one:greet 'lp-one::hidden cl:nil cl:t)
cl:*package*
(cl:in-package :cl-user)
(list 'lp-bare::local 'car)
