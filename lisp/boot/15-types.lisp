;;;; 15-types.lisp -- TYPEP and TYPE-OF over the built-in types.
;;;;
;;;; Type specifiers: the names of the built-in types, the condition types
;;;; (20-conditions.lisp marks them on their property lists),
;;;; and the compound forms (or ...) (and ...) (not ...) (member ...)
;;;; (eql x) (satisfies f) (integer low high) and (mod n), the types
;;;; DEFTYPE defines in the current environment (90-environments.lisp),
;;;; and classes and their names (50-clos.lisp: %CLASS-TYPEP, SUBTYPEP).

(defun %in-range (x low high)
  (and (or (null low) (eq low '*)
           (if (consp low) (> x (car low)) (>= x low)))
       (or (null high) (eq high '*)
           (if (consp high) (< x (car high)) (<= x high)))))

;; 2^n (before the numbers library: exact once integers grow without bound)
(defun %two-to (n)
  (let ((p 1)) (dotimes (i n p) (setq p (* p 2)))))

;; FIXNUM as SBCL has it on 64-bit machines (62 bits and a sign), so that
;; programs see the same types on both; ours are a bit smaller inside.
(defun %sbcl-fixnum-p (object)
  (and (integerp object) (< (integer-length object) 63)))

(defun %typep-name (object type)
  (case type
    ((t) t)
    ((nil) nil)
    (null (null object))
    (cons (consp object))
    (list (listp object))
    (atom (atom object))
    (symbol (symbolp object))
    (keyword (keywordp object))
    (boolean (or (eq object t) (eq object nil)))
    (function (functionp object))
    (compiled-function (functionp object))
    (number (numberp object))
    (real (realp object))
    (rational (rationalp object))
    (integer (integerp object))
    (fixnum (%sbcl-fixnum-p object))
    (bignum (and (integerp object) (not (%sbcl-fixnum-p object))))
    (bit (or (eql object 0) (eql object 1)))
    (ratio (and (rationalp object) (not (integerp object))))
    ((float double-float single-float short-float long-float) (floatp object))
    (character (characterp object))
    ((base-char standard-char) (characterp object))
    ((string simple-string base-string simple-base-string) (stringp object))
    ((vector simple-vector array simple-array) (vectorp object))
    (sequence (or (listp object) (vectorp object)))
    (hash-table (hash-table-p object))
    (restart (%restartp object))
    (t (cond ((get type '%condition-type)
              (and (%conditionp object)
                   (%condition-subtype-p (%condition-type object) type)))
             ;; classes (50-clos.lisp): standard classes, structures...
             ((and (fboundp '%class-binding) (%class-binding type))
              (%class-typep object (%class-binding type)))
             ((%env-binding :type type)
              (typep object (%expand-deftype type)))
             (t (error 'simple-error :format-control "unknown type specifier ~s"
                                     :format-arguments (list type)))))))

;; type with the DEFTYPEs of the current environment expanded at its top
;; (not inside compound types).
(defun %expand-deftype (type)
  (let* ((name (if (consp type) (car type) type))
         (expander (and (symbolp name) (%env-binding :type name))))
    (if expander
        (%expand-deftype (apply expander (if (consp type) (cdr type) nil)))
        type)))

(defun typep (object type &optional environment)
  (if (atom type)
      (if (%instancep type)             ; a class object
          (%class-typep object type)
          (%typep-name object type))
      (let ((args (cdr type)))
        (case (car type)
          (or (some (lambda (ty) (typep object ty)) args))
          (and (every (lambda (ty) (typep object ty)) args))
          (not (not (typep object (car args))))
          (member (if (member object args) t nil))
          (eql (eql object (car args)))
          (satisfies (if (funcall (car args) object) t nil))
          ((integer rational real float double-float)
           (and (%typep-name object (car type))
                (%in-range object (car args) (cadr args))))
          (mod (and (integerp object) (<= 0 object) (< object (car args))))
          (unsigned-byte (and (integerp object) (<= 0 object)
                              (or (null args) (eq (car args) '*)
                                  (< object (%two-to (car args))))))
          (signed-byte (and (integerp object)
                            (or (null args) (eq (car args) '*)
                                (let ((half (%two-to (1- (car args)))))
                                  (and (<= (- half) object) (< object half))))))
          ((vector simple-vector array simple-array string simple-string cons)
           (%typep-name object (car type)))
          (t (if (and (symbolp (car type)) (%env-binding :type (car type)))
                 (typep object (%expand-deftype type))
                 (error 'simple-error :format-control "unknown type specifier ~s"
                                      :format-arguments (list type))))))))

(defun type-of (object)
  (cond ((null object) 'null)
        ((eq object t) 'boolean)
        ((consp object) 'cons)
        ((keywordp object) 'keyword)
        ((symbolp object) 'symbol)
        ((integerp object) (if (%sbcl-fixnum-p object) 'fixnum 'bignum))
        ((and (rationalp object) (not (integerp object))) 'ratio)
        ((floatp object) 'double-float)
        ((characterp object) 'character)
        ((stringp object) 'string)
        ((vectorp object) 'vector)
        ((hash-table-p object) 'hash-table)
        ((functionp object) 'function)
        ((%conditionp object) (%condition-type object))
        ((%restartp object) 'restart)
        ((%instancep object) (class-name (class-of object)))
        (t t)))
