;;;; 20-numbers.lisp -- the printer's number variables and the numeric
;;;; constants (the number functions are primitives: lisp/numbers.c).

(defvar *print-base* 10)
(defvar *print-radix* nil)

;; LispOS's fixnums have 62 bits (SBCL's on x86-64 have 63).
(defconstant most-positive-fixnum 2305843009213693951)
(defconstant most-negative-fixnum -2305843009213693952)
(defconstant pi 3.141592653589793)
(defconstant most-positive-double-float 1.7976931348623157e308)
(defconstant most-negative-double-float -1.7976931348623157e308)
(defconstant least-positive-double-float 4.9406564584124654e-324)
(defconstant least-negative-double-float -4.9406564584124654e-324)
(defconstant double-float-epsilon 1.1102230246251568e-16)
