;;;; corpus-numbers.lisp -- the differential corpus: the numeric tower.
;;;; Bignums across the fixnum boundary (LispOS's fixnums have 62 bits,
;;;; SBCL's 63: values on both sides of both boundaries), ratios, doubles
;;;; (every float is a double; sbcl-run.lisp reads and prints floats as
;;;; doubles), contagion, exact comparison, the rounding family (primary
;;;; values), radixes, and the elementary functions of floats.  No form
;;;; makes a single-float in SBCL (LispOS has none).

;; reading integers
0
-0
+5
123456789012345678901234567890
-123456789012345678901234567890
2305843009213693951
2305843009213693952
-2305843009213693952
-2305843009213693953
4611686018427387903
4611686018427387904
-4611686018427387905
10.
-10.
000123
#x-ff
#xFFFFFFFFFFFFFFFFFFFFFFFF
#b101010
#o777
#36rZZ
#3r-120
#b1/10
#x10/4

;; reading ratios and floats
1/2
-3/6
4/2
0/5
+1/3
1.5
.5
-.5
+.5
1.5e3
-1.5e3
1e5
1E5
1d0
1.0e0
1.e2
0.0
-0.0
1d-5
1e-3
1e7
123456.789
1234567.0
12345678.0
1e22
1e23
0.1
1.7976931348623157d308
4.9406564584124654d-324
2.2250738585072014d-308
123456789012345678901234567890.0
1.0000000000000002

;; + - * across the fixnum boundary, both ways
(+ 2305843009213693951 1)
(- -2305843009213693952 1)
(- 2305843009213693952 1)
(+ -2305843009213693953 1)
(+ 4611686018427387903 1)
(- 4611686018427387904 1)
(* 2305843009213693951 2)
(* 4611686018427387904 4611686018427387904)
(* 99999999999 99999999999 99999999999)
(- (* 99999999999 99999999999 99999999999) (* 99999999999 99999999999 99999999999))
(- 0 -2305843009213693952)
(- -2305843009213693952)
(abs -2305843009213693952)
(abs -123456789012345678901234567890)
(+ 123456789012345678901234567890 -123456789012345678901234567889)
(* -1 123456789012345678901234567890)
(1+ 2305843009213693951)
(1- -2305843009213693952)
(1+ -2305843009213693953)
(expt 2 100)
(expt -3 41)
(expt 10 30)
(- (expt 2 64) 1)
(* (expt 2 64) (expt 2 64))
(+ (expt 2 200) (expt 2 100))
(- (expt 2 200) (expt 2 200))

;; division, ratios, contagion
(/ 1 3)
(/ 6 -4)
(/ 4 2)
(/ 0 5)
(/ 2)
(/ 0.5)
(/ 3 4 5)
(/ 1/2 1/4)
(+ 1/2 1/3)
(- 1/2 1/2)
(+ 1/2 1/2)
(* 2/3 3/2)
(* 1/3 3)
(/ (expt 2 100) (expt 2 98))
(/ (expt 3 50) (expt 6 50))
(+ 1/2 0.5)
(+ 1/3 0.5)
(* 1/3 3.0)
(* 2 0.1)
(+ 1 2.5)
(- (expt 2 62) 1.0)
(/ 1 3.0)
(* 1.5 2)
(+ 0.1 0.2)
(- 0.1 0.3)
(* 1.1 1.1)
(1+ 0.5)
(1- 1/2)
(- 0.0)
(+ -0.0 0.0)
(/ 1 0)
(/ 1.0 0)
(/ 1 0.0)
(* 1d300 1d300)
(+ (expt 10 400) 1.0)
(+ 1 'a)

;; comparison (exact, also between rationals and doubles)
(= 1 1.0)
(= 1/2 0.5)
(= 1/3 0.3333333333333333)
(< 1/3 0.3333333333333333)
(> 1/3 0.3333333333333333)
(= 0.0 -0.0)
(< 1 2 3)
(< 1 3 2)
(<= 1 1 2)
(>= 3 3 1)
(/= 1 2 3)
(/= 1 2 1)
(= (expt 2 53) (+ (float (expt 2 53) 1.0) 0))
(= (1+ (expt 2 53)) (float (expt 2 53) 1.0))
(< (float (expt 2 53) 1.0) (1+ (expt 2 53)))
(< (expt 2 70) (expt 2 71))
(> (- (expt 2 70)) (- (expt 2 71)))
(< -2305843009213693953 -2305843009213693952)
(= (expt 10 20) 1e20)
(< 1/3 1/2 2/3)
(max 1 2.0)
(max 2 1.0)
(min 1 1.0)
(max 1.0 1)
(min 1/2 1/3 0.4)
(max (expt 2 70) 5)

;; the rounding family: primary values
(floor 7 2)
(floor -7 2)
(floor 7 -2)
(floor -7 -2)
(ceiling 7 2)
(ceiling -7 2)
(truncate -7 2)
(round 5 2)
(round 7 2)
(round -5 2)
(round -7 2)
(floor 7.5)
(floor -7.5)
(floor 5 2.0)
(floor 1/2 1/3)
(floor -1/2)
(round 2.5)
(round -2.5)
(round 3.5)
(round 1/2)
(round 3/2)
(truncate 10.3 0.1)
(floor 10.3 0.1)
(ceiling 10.3 0.1)
(floor 0.7 0.1)
(ceiling 0.7 0.1)
(round 0.7 0.1)
(truncate 1d20)
(round 1d300)
(floor 5.5 -2)
(ceiling 5.5 -2)
(round 5.5 -2)
(round 7.5 2)
(floor (expt 10 30) 7)
(ceiling (- (expt 10 30)) 7)
(round (expt 10 30) (expt 10 29))
(truncate (expt 2 100) -3)
(floor 1/3 0.1)
(mod -7 2)
(rem -7 2)
(mod 7.5 -2)
(mod 10.3 0.1)
(rem 10 -3)
(mod (- (expt 2 100)) 7)
(rem (expt 2 100) -7)
(mod 13/4 1/2)
(floor 1 0)
(ffloor 7.5)
(ffloor -0.5)
(fceiling 7.5)
(fround 2.5)
(ftruncate -7.5)
(ftruncate -0.5)

;; integer functions
(gcd)
(gcd 12 18)
(gcd -4 6)
(gcd (expt 2 100) (expt 6 50))
(lcm)
(lcm 4 -6)
(lcm 0 5)
(lcm 4 6 10)
(isqrt 17)
(isqrt 0)
(isqrt (expt 10 40))
(isqrt (1- (expt 10 40)))
(ash 1 100)
(ash -1 -100)
(ash -5 -1)
(ash 5 -1)
(ash (expt 2 100) -98)
(ash 1 61)
(ash 1 62)
(logand 12 10)
(logior 12 10)
(logxor 12 10)
(logand)
(logand -1 (expt 2 70))
(logior (expt 2 70) 1)
(logxor (expt 2 70) (expt 2 70))
(logand (- (expt 2 70)) (1- (expt 2 72)))
(lognot 0)
(lognot (expt 2 70))
(logeqv 12 10)
(logtest 12 3)
(logcount 255)
(logcount -8)
(logcount (expt 2 100))
(integer-length 0)
(integer-length -1)
(integer-length 255)
(integer-length (expt 2 100))
(logbitp 3 8)
(logbitp 100 (expt 2 100))
(logbitp 200 -1)
(evenp 10)
(oddp (1+ (expt 2 100)))
(evenp 1.5)
(zerop 0.0)
(zerop -0.0)
(zerop 1/2)
(plusp 1/2)
(minusp -0.0)
(minusp (- (expt 2 100)))

;; predicates and parts
(numberp 1/2)
(integerp (expt 2 100))
(integerp 1.0)
(rationalp 1/2)
(rationalp 0.5)
(floatp 0.5)
(floatp 1)
(realp 1.5)
(complexp 1)
(numerator 4/6)
(denominator 4/6)
(numerator -3/6)
(denominator 4)
(numerator (/ (expt 2 100) 3))
(abs -1/2)
(abs -2.5)
(signum -3/4)
(signum -2.5)
(signum 0.0)
(signum -0.0)
(signum (expt 2 100))
(eql 2 2.0)
(eql 1.0 1.0)
(eql 0.0 -0.0)
(eql (expt 2 100) (expt 2 100))
(eql 1/2 (/ 2 4))
(equal 1.0 1.0)
(equal 1/2 1/2)
(equalp 1 1.0)
(equalp 1/2 0.5)
(equalp (expt 2 70) (float (expt 2 70) 1.0))
(equalp '(1 2.0) '(1.0 2))

;; conversions
(float 1/3 1.0)
(float 1 1.0)
(float (expt 2 100) 1.0)
(float (+ (expt 2 54) 3) 1d0)
(float (+ (expt 2 70) (expt 2 17) 1) 1d0)
(float (+ (expt 2 70) (expt 2 17)) 1d0)
(float (+ (expt 2 70) (* 3 (expt 2 17))) 1d0)
(float (/ (+ (expt 2 53) 3) (expt 2 54)) 1d0)
(float (/ 1 (expt 10 320)) 1d0)
(float (/ 1 (expt 3 700)) 1d0)
(float (/ (expt 3 700) (expt 2 1000)) 1d0)
(float 2.5)
(rational 1.5)
(rational 0.1)
(rational -0.0)
(rational 1d300)
(rationalize 0.1)
(rationalize 0.333)
(rationalize 1.5)
(rationalize -2.75)
(rationalize 1e-10)

;; where SBCL's float conversions are not the correctly rounded ones
;; (found by random differential testing): FLOAT-RATIO drops the bits a
;; right shift of the numerator loses, subnormals are truncated, and the
;; float TRUNCATE family divides in floats first
(float -2728514041251366325096877/2 1.0)
902.386e-317
90875.354777327852339045e-322
(floor -363964354594640019838513/12345 34.375)
(truncate 3943271948213232353419607/5 88.51467651874364)
(rem 5765606334709444176559893/10 -1.3579710097578857e-222)
(fceiling -0.8015845528728232)
(ffloor -0.8015845528728232)
(fround -0.4)
(ftruncate 7.5 2)
(fceiling 0.5 -2)
1d-7
123.456
(/ 2.0 3)
(expt 2.0 -1074)
(expt 2.0 -1075)
1.0e16
9007199254740993.0
(- 9007199254740993 9007199254740992.0)

;; expt and the elementary functions of doubles
(expt 2 -2)
(expt 1/2 3)
(expt 1/2 -3)
(expt -1/2 3)
(expt 2/3 -2)
(expt 0 0)
(expt 0 5)
(expt 0 -1)
(expt 10 -3)
(expt 2.0 3)
(expt 2.0 0.5)
(expt 2 0.5)
(expt 1.1 10)
(expt 1.1 -10)
(expt 3.0 40)
(expt 2.5 2)
(expt -2.5 2)
(expt -2.5 3)
(expt 2.5 3/2)
(expt 0.0 0)
(expt 0 0.0)
(expt 0.0 2)
(expt 0.0 -1)
(expt 10.0 -3)
(sqrt 2.0)
(sqrt 16.0)
(sqrt 0.0)
(exp 1.0)
(exp 0.0)
(exp -1000.0)
(exp 710.0)
(log 10.0)
(log 2.718281828459045)
(log 8.0 2)
(log 100.0 10)
(log 100 10.0)
(log 1024.0 2)
(log 8.0 2.0)
(log 10.0 0)
(log 0.0)
(sin 1.0)
(cos 1.0)
(tan 1.0)
(sin 0.0)
(asin 0.5)
(acos 0.5)
(atan 1.0)
(atan 1.0 2.0)
(atan -1.0 -2.0)
(atan 0.0 -1.0)
(atan 1.0 0.0)
(sinh 1.0)
(cosh 1.0)
(tanh 1.0)
(tanh 100.0)
(* 4 (atan 1.0))

;; *print-base* and *print-radix* (set globally: they govern how the
;; following results print)
(let ((*print-base* 16)) *print-base*)
(setq *print-base* 16)
255
-255
1/3
-7/16
1.5
(expt 2 70)
(list 10 11 12)
(setq *print-base* 2)
255
(setq *print-radix* t)
5
(setq *print-base* 8)
64
-7/16
(setq *print-base* 36)
(expt 2 70)
(setq *print-base* 3)
1/3
(setq *print-base* 10)
255
1/3
(setq *print-radix* nil)
255

;; numbers in definitions and hash tables (SETHASH as in corpus-hash;
;; keywords are quoted: the LispOS reader has no keyword package yet)
(defun sethash (k h v)
  (setf (gethash k h) v))
(defun fact (n) (if (= n 0) 1 (* n (fact (- n 1)))))
(fact 30)
(fact 50)
(/ (fact 50) (fact 48))
(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(fib 20)
(defun sum-to (n acc) (if (= n 0) acc (sum-to (- n 1) (+ acc 1/2))))
(sum-to 100 0)
(defvar *h* (make-hash-table ':test 'eql))
(sethash (expt 2 70) *h* 'big)
(sethash 1/2 *h* 'half)
(sethash 0.5 *h* 'point-five)
(gethash (expt 2 70) *h*)
(gethash (/ 2 4) *h*)
(gethash (/ 1.0 2) *h*)
(gethash 1/3 *h*)
(defvar *q* (make-hash-table ':test 'equalp))
(sethash 1/2 *q* 'half)
(sethash 2 *q* 'two)
(gethash 0.5 *q*)
(gethash 2.0 *q*)
(= (sxhash 1/2) (sxhash (/ 2 4)))
(= (sxhash (expt 2 70)) (sxhash (expt 2 70)))
(parse-integer "123456789012345678901234567890")
(parse-integer "-ff" ':radix 16)
(parse-integer "  42  ")
(parse-integer "12abc" ':junk-allowed t)
(reduce #'+ '(1 1/2 0.25))
(apply #'* '(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22))
(mapcar #'abs '(-1 -1/2 -0.5 -12345678901234567890))
(sort (list 3 1/2 2.5 -1 (expt 2 70) 0.0) #'<)
