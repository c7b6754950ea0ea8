;;; fixed-values.lisp -- prints the SBCL values embedded in tests/unit/lisp_fixed.c
;;; (the table cases[]): FORMAT's ~F of doubles under a range of parameters.
;;; Run with:
;;;   sbcl --script tests/lisp/fixed-values.lisp
;;; Each line is { IEEE bits, w, d, k, overflow char, pad char, @, text },
;;; -1 for a w or d left out.
(defparameter *xs* '(0d0 -0d0 0.125d0 2.675d0 1d-5 1d20 123.456d0 0.5d0 1d300 5d-324 0.1d0 3.14159d0 1d7 1.5d-3 99.995d0 0.05d0 1234567.891d0 -42.5d0 0.999d0 9.5d0 1d-300 2.5d-310 1.7976931348623157d308))
;; w d k ovf pad at
(defparameter *ps* '((nil nil nil nil nil nil) (nil 2 nil nil nil nil) (nil 0 nil nil nil nil) (6 nil nil nil nil nil) (4 nil nil nil nil nil) (2 nil nil nil nil nil) (1 nil nil nil nil nil) (8 3 nil nil nil nil) (nil 3 2 nil nil nil) (nil 2 -1 nil nil nil) (5 2 nil #\* nil nil) (8 2 nil nil #\_ nil) (nil nil nil nil nil t) (10 4 nil nil nil t) (nil 20 nil nil nil nil) (nil 1 nil nil nil nil) (3 nil nil nil nil nil) (12 nil nil nil nil nil) (nil nil 3 nil nil nil) (7 nil -2 nil nil nil)))
(defun opt (v) (if v (if (characterp v) (format nil "'~c" v) (format nil "~d" v)) ""))
(dolist (x *xs*)
  (dolist (p *ps*)
    (destructuring-bind (w d k ovf pad at) p
      (let* ((control (format nil "~~~a,~a,~a,~a,~a~af" (opt w) (opt d) (opt k) (opt ovf) (opt pad) (if at "@" "")))
             (out (format nil control x))
             (bits (logior (ash (ldb (byte 32 0) (sb-kernel:double-float-high-bits x)) 32) (sb-kernel:double-float-low-bits x))))
        (format t "    { 0x~16,'0xull, ~d, ~d, ~d, ~d, ~d, ~d, \"~a\" },~%"
                bits (or w -1) (or d -1) (or k 0) (if ovf (char-code ovf) 0) (if pad (char-code pad) 32) (if at 1 0) out)))))
