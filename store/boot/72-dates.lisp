;;;; 72-dates.lisp -- dates and durations, attribute values the store
;;;; understands (docs/store.md, "Dates and durations";
;;;; docs/store-design.md section 4).
;;;;
;;;; A date is a span of time, half open: [start, end), in whole seconds
;;;; since 1970-01-01T00:00:00 UTC (integers of any size: a date before
;;;; 1970 has a negative start).  (date 2013) is the whole year, (date 2013
;;;; 5 17 14 30) one minute; (date-range from to) runs from the start of
;;;; FROM to the end of TO.  Its precision (:year ... :second, or :range)
;;;; says how it was written, for printing; the store ignores it.  A
;;;; duration is a length of time in seconds, a non-negative rational.
;;;; The calendar is the proleptic Gregorian one with a year 0 (1 BC), as
;;;; in ISO 8601; every time is UTC.
;;;;
;;;; Both print as ISO 8601 text after #@ -- #@"2013-05-17",
;;;; #@"2013-05-17/2014-02", #@"PT1H3M20S" -- which the #@ dispatch
;;;; function of the standard readtable (lisp/boot/56-readtables.lisp)
;;;; reads back.  The store's C side (store/value.c) reads their slots by
;;;; position: start, end, precision; seconds.  Changing them is a store
;;;; migration step.
;;;;
;;;; A filter is data, never evaluated: in the operands of its keyed
;;;; operators the lists (date ...), (date-range ...) and (duration ...)
;;;; stand for those values, which %NORMALIZE-FILTER makes before the
;;;; store reads the filter.

;; The API's names, exported from LISPOS.  None is the name of a symbol
;; the boot code before this file made in LISPOS-INTERNAL (that would be
;; a name conflict: see 70-store.lisp).
(let ((lispos (find-package "LISPOS")))
  (dolist (name '("DATE" "DATE-RANGE" "DATEP" "DATE-START" "DATE-END"
                  "DATE-PRECISION" "DATE=" "DATE<"
                  "DURATION" "DURATIONP" "DURATION-SECONDS"
                  "DURATION=" "DURATION<"))
    (export (intern name lispos) lispos)))

;;; ---- the structures ----------------------------------------------------------

;; Slot order is a layout fact: store/value.c reads start, end and
;; precision (and a duration's seconds) by position.
(defstruct (date (:constructor %make-date (start end precision))
                 (:predicate datep)
                 (:copier nil))
  (start 0 :read-only t)
  (end 0 :read-only t)
  (precision :range :read-only t))

(defstruct (duration (:constructor %make-duration (seconds))
                     (:predicate durationp)
                     (:copier nil))
  (seconds 0 :read-only t))

(defun %date-error (format-control &rest arguments)
  (error 'store-error :format-control format-control
                      :format-arguments arguments))

;;; ---- the calendar ----------------------------------------------------------------

;; Howard Hinnant's days_from_civil and civil_from_days, with FLOOR so
;; that they hold for every year, before 1970 and before year 1: eras of
;; 400 years (146097 days), the year counted from March so that the
;; leap day comes last.
(defun %days-from-civil (year month day)
  "Days from 1970-01-01 to YEAR-MONTH-DAY."
  (let* ((y (if (<= month 2) (- year 1) year))
         (era (floor y 400))
         (yoe (- y (* era 400)))
         (mp (if (> month 2) (- month 3) (+ month 9)))
         (doy (+ (floor (+ (* 153 mp) 2) 5) (- day 1)))
         (doe (+ (* yoe 365) (floor yoe 4) (- (floor yoe 100)) doy)))
    (+ (* era 146097) doe -719468)))

(defun %civil-from-days (days)
  "The year, month and day that is DAYS after 1970-01-01."
  (let* ((z (+ days 719468))
         (era (floor z 146097))
         (doe (- z (* era 146097)))
         (yoe (floor (- (+ doe (floor doe 36524))
                        (floor doe 1460) (floor doe 146096))
                     365))
         (doy (- doe (- (+ (* 365 yoe) (floor yoe 4)) (floor yoe 100))))
         (mp (floor (+ (* 5 doy) 2) 153))
         (day (+ (- doy (floor (+ (* 153 mp) 2) 5)) 1))
         (month (if (< mp 10) (+ mp 3) (- mp 9))))
    (values (+ yoe (* era 400) (if (<= month 2) 1 0)) month day)))

(defun %leap-year-p (year)
  (and (zerop (mod year 4))
       (or (not (zerop (mod year 100))) (zerop (mod year 400)))))

(defun %days-in-month (year month)
  (if (= month 2)
      (if (%leap-year-p year) 29 28)
      (svref #(31 28 31 30 31 30 31 31 30 31 30 31) (- month 1))))

(defparameter *%precisions* '(:year :month :day :hour :minute :second))

;; The span of the date of PRECISION that starts at second START, which
;; begins such a date (a year's first second, a month's...): its end.
(defun %unit-end (start precision)
  (multiple-value-bind (days seconds) (floor start 86400)
    (declare (ignore seconds))
    (multiple-value-bind (y m) (%civil-from-days days)
      (case precision
        (:year (* 86400 (%days-from-civil (+ y 1) 1 1)))
        (:month (* 86400 (if (= m 12)
                             (%days-from-civil (+ y 1) 1 1)
                             (%days-from-civil y (+ m 1) 1))))
        (:day (+ start 86400))
        (:hour (+ start 3600))
        (:minute (+ start 60))
        (t (+ start 1))))))

;; The first second of the date of PRECISION holding second TIME.
(defun %unit-start (time precision)
  (multiple-value-bind (days seconds) (floor time 86400)
    (multiple-value-bind (y m) (%civil-from-days days)
      (case precision
        (:year (* 86400 (%days-from-civil y 1 1)))
        (:month (* 86400 (%days-from-civil y m 1)))
        (:day (* 86400 days))
        (:hour (- time (mod seconds 3600)))
        (:minute (- time (mod seconds 60)))
        (t time)))))

;;; ---- making them -------------------------------------------------------------------

(defun %check-field (what value low high)
  (unless (integerp value)
    (%date-error "DATE: the ~a ~s is not an integer" what value))
  (unless (<= low value high)
    (%date-error "DATE: the ~a ~d is not between ~d and ~d"
                 what value low high))
  value)

(defun date (year &optional month day hour minute second)
  "The span of time YEAR (all of it), or its MONTH, DAY, HOUR, MINUTE or
SECOND, as far as the fields are given: (date 2013 5 17) is one day.
UTC, proleptic Gregorian calendar, year 0 being 1 BC."
  (let* ((fields (list month day hour minute second))
         ;; how many fields after the year, up to the last one given
         (given (length (member-if #'identity (reverse fields)))))
    (when (member nil (subseq fields 0 given))
      (%date-error "DATE: a field is missing before the last one given: ~s"
                   (cons year (subseq fields 0 given))))
    (unless (integerp year)
      (%date-error "DATE: the year ~s is not an integer" year))
    (when month (%check-field "month" month 1 12))
    (when (and day (integerp day)
               (not (<= 1 day (%days-in-month year month))))
      (%date-error "DATE: ~a-~2,'0d has no day ~d (its days are 1 to ~d)"
                   (%year-text year) month day (%days-in-month year month)))
    (when day (%check-field "day" day 1 31))
    (when hour (%check-field "hour" hour 0 23))
    (when minute (%check-field "minute" minute 0 59))
    (when second (%check-field "second" second 0 59))
    (let* ((precision (nth given *%precisions*))
           (start (+ (* 86400 (%days-from-civil year (or month 1) (or day 1)))
                     (* 3600 (or hour 0)) (* 60 (or minute 0)) (or second 0))))
      (%make-date start (%unit-end start precision) precision))))

(defun date-range (from to)
  "The span from the start of the date FROM to the end of the date TO."
  (unless (datep from)
    (%date-error "DATE-RANGE: ~s is not a date" from))
  (unless (datep to)
    (%date-error "DATE-RANGE: ~s is not a date" to))
  (unless (< (date-start from) (date-end to))
    (%date-error "DATE-RANGE: ~s ends before ~s starts: the range would be empty"
                 to from))
  (%make-date (date-start from) (date-end to) :range))

(defun %duration-part (key value)
  (unless (and (realp value) (not (minusp value)))
    (%date-error "DURATION: ~s ~s is not a non-negative real" key value))
  (if (floatp value)
      (handler-case (rationalize value)
        (error () (%date-error "DURATION: ~s ~s is not finite" key value)))
      value))

(defun duration (&key (weeks 0) (days 0) (hours 0) (minutes 0) (seconds 0))
  "A length of time: the sum of the parts given, in seconds (a rational;
a float part is taken as the simplest rational it stands for, 0.1 as
1/10)."
  (%make-duration (+ (* 604800 (%duration-part :weeks weeks))
                     (* 86400 (%duration-part :days days))
                     (* 3600 (%duration-part :hours hours))
                     (* 60 (%duration-part :minutes minutes))
                     (%duration-part :seconds seconds))))

;;; ---- comparing them ------------------------------------------------------------

(defun date= (a b)
  "Whether the dates A and B are the same span (whatever their precision)."
  (and (= (date-start a) (date-start b)) (= (date-end a) (date-end b))))

(defun date< (a b)
  "Whether the date A comes before B: it starts first, or starts with B
and ends first."
  (or (< (date-start a) (date-start b))
      (and (= (date-start a) (date-start b)) (< (date-end a) (date-end b)))))

(defun duration= (a b)
  "Whether the durations A and B are equally long."
  (= (duration-seconds a) (duration-seconds b)))

(defun duration< (a b)
  "Whether the duration A is shorter than B."
  (< (duration-seconds a) (duration-seconds b)))

;;; ---- printing them ---------------------------------------------------------------

;; ISO 8601 years: four digits, a sign beyond them (year 0 is 0000,
;; 1 BC; -0044 is 45 BC).
(defun %year-text (year)
  (cond ((<= 0 year 9999) (format nil "~4,'0d" year))
        ((minusp year) (format nil "-~4,'0d" (- year)))
        (t (format nil "+~d" year))))

;; The date of PRECISION starting at second START, as ISO 8601 writes it.
(defun %point-text (start precision)
  (multiple-value-bind (days seconds) (floor start 86400)
    (multiple-value-bind (y m d) (%civil-from-days days)
      (let ((fields (list (floor seconds 3600) (mod (floor seconds 60) 60)
                          (mod seconds 60)))
            (n (position precision *%precisions*)))
        (with-output-to-string (out)
          (write-string (%year-text y) out)
          (when (>= n 1) (format out "-~2,'0d" m))
          (when (>= n 2) (format out "-~2,'0d" d))
          (when (>= n 3) (format out "T~2,'0d" (first fields)))
          (when (>= n 4) (format out ":~2,'0d" (second fields)))
          (when (>= n 5) (format out ":~2,'0d" (third fields))))))))

;; A range prints as its first and last dates, each the coarsest date
;; that lies inside the range and starts (ends) where the range does.
(defun %range-text (start end)
  (let ((first (find-if (lambda (p)
                          (and (= (%unit-start start p) start)
                               (<= (%unit-end start p) end)))
                        *%precisions*))
        (last (find-if (lambda (p)
                         (let ((from (%unit-start (- end 1) p)))
                           (and (= (%unit-end from p) end) (>= from start))))
                       *%precisions*)))
    (format nil "~a/~a" (%point-text start first)
            (%point-text (%unit-start (- end 1) last) last))))

;; A date some code made by hand (%MAKE-DATE) may be nothing a date can
;; be: it prints, unreadably, as what it holds.
(defun %well-formed-date-p (d)
  (and (integerp (date-start d)) (integerp (date-end d))
       (< (date-start d) (date-end d))
       (or (eq (date-precision d) :range)
           (and (member (date-precision d) *%precisions*)
                (= (%unit-start (date-start d) (date-precision d))
                   (date-start d))
                (= (%unit-end (date-start d) (date-precision d))
                   (date-end d))))))

(defun %date-text (d)
  (if (eq (date-precision d) :range)
      (%range-text (date-start d) (date-end d))
      (%point-text (date-start d) (date-precision d))))

;; Seconds as ISO 8601 writes them: an integer, a decimal when one is
;; exact (the denominator divides a power of ten), else a ratio (7/3),
;; which is not ISO 8601 but reads back exactly.
(defun %seconds-text (s)
  (let ((digits (do ((k 0 (+ k 1)))
                    ((or (> k 64) (integerp (* s (expt 10 k)))) k))))
    (cond ((integerp s) (format nil "~d" s))
          ((<= digits 64)
           (multiple-value-bind (whole fraction) (floor s)
             (format nil "~d.~v,'0d" whole digits
                     (* fraction (expt 10 digits)))))
          (t (format nil "~d/~d" (numerator s) (denominator s))))))

(defun %duration-text (seconds)
  (multiple-value-bind (days rest) (floor seconds 86400)
    (multiple-value-bind (hours rest) (floor rest 3600)
      (multiple-value-bind (minutes secs) (floor rest 60)
        (with-output-to-string (out)
          (write-string "P" out)
          (when (plusp days) (format out "~dD" days))
          (when (or (plusp hours) (plusp minutes) (plusp secs) (zerop days))
            (write-string "T" out)
            (when (plusp hours) (format out "~dH" hours))
            (when (plusp minutes) (format out "~dM" minutes))
            (when (or (plusp secs) (and (zerop hours) (zerop minutes)))
              (format out "~aS" (%seconds-text secs)))))))))

(defmethod print-object ((d date) stream)
  (if (%well-formed-date-p d)
      (if *print-escape*
          (format stream "#@~s" (%date-text d))
          (write-string (%date-text d) stream))
      (format stream "#<DATE ~s ~s ~s>"
              (date-start d) (date-end d) (date-precision d))))

(defmethod print-object ((d duration) stream)
  (let ((s (duration-seconds d)))
    (if (and (rationalp s) (not (minusp s)))
        (if *print-escape*
            (format stream "#@~s" (%duration-text s))
            (write-string (%duration-text s) stream))
        (format stream "#<DURATION ~s>" s))))

;;; ---- reading them: #@"..." -----------------------------------------------------------

(defun %bad-temporal (text why)
  (declare (ignore text))               ; the reader's message shows it
  (%date-error "not a date or duration: ~a" why))

;; The end of the digits of S from I (before END).
(defun %digits-end (s i end)
  (do ((j i (+ j 1)))
      ((or (>= j end) (not (digit-char-p (char s j)))) j)))

;; YEAR[-MM[-DD[Thh[:mm[:ss]]]]][Z] in S from START to END: the date.
(defun %parse-date (s start end text)
  (when (and (> end start) (char= (char s (- end 1)) #\Z))
    (decf end))
  (let ((i start) (sign 1) (fields '()))
    (when (and (< i end) (find (char s i) "+-"))
      (when (char= (char s i) #\-) (setq sign -1))
      (incf i))
    (let ((j (%digits-end s i end)))
      (when (= i j) (%bad-temporal text "no year"))
      (push (* sign (parse-integer s :start i :end j)) fields)
      (setq i j))
    (dolist (separator '(#\- #\- #\T #\: #\:))
      (when (>= i end) (return))
      (unless (char= (char s i) separator)
        (%bad-temporal text (format nil "~c where ~c was expected"
                                    (char s i) separator)))
      (let ((j (%digits-end s (+ i 1) end)))
        (unless (= j (+ i 3))
          (%bad-temporal text (format nil "two digits are needed after ~c"
                                      separator)))
        (push (parse-integer s :start (+ i 1) :end j) fields)
        (setq i j)))
    (when (< i end)
      (%bad-temporal text "text after the seconds"))
    (apply #'date (nreverse fields))))

;; A number in S at I: digits, with a decimal fraction (. or ,) or a
;; denominator (/); the rational and where it ends.
(defun %parse-number (s i end text)
  (let ((j (%digits-end s i end)))
    (when (= i j) (%bad-temporal text "a number is missing"))
    (let ((n (parse-integer s :start i :end j)))
      (cond ((and (< j end) (find (char s j) ".,"))
             (let ((k (%digits-end s (+ j 1) end)))
               (when (= k (+ j 1)) (%bad-temporal text "digits after the point"))
               (values (+ n (/ (parse-integer s :start (+ j 1) :end k)
                               (expt 10 (- k j 1))))
                       k)))
            ((and (< j end) (char= (char s j) #\/))
             (let ((k (%digits-end s (+ j 1) end)))
               (when (or (= k (+ j 1))
                         (zerop (parse-integer s :start (+ j 1) :end k)))
                 (%bad-temporal text "a denominator after /"))
               (values (/ n (parse-integer s :start (+ j 1) :end k)) k)))
            (t (values n j))))))

;; P[nW][nD][T[nH][nM][nS]]: the duration.  Years and months have no
;; fixed length, so they are refused.
(defun %parse-duration (s text)
  (let ((i 1) (end (length s)) (seconds 0) (time nil) (next 0) (parts 0))
    (loop
      (when (>= i end) (return))
      (if (char= (char s i) #\T)
          (progn (when time (%bad-temporal text "a second T"))
                 (setq time t next 2)
                 (incf i))
          (multiple-value-bind (n j) (%parse-number s i end text)
            (when (>= j end) (%bad-temporal text "a number without its unit"))
            (let* ((unit (char s j))
                   (k (if time
                          (position unit "WDHMS" :start 2)
                          (position unit "WD"))))
              (when (and (not time) (find unit "YM"))
                (%bad-temporal text "years and months have no fixed length: write days"))
              (unless (and k (>= k next))
                (%bad-temporal text (format nil "~c is not a unit here" unit)))
              (setq seconds (+ seconds (* n (nth k '(604800 86400 3600 60 1))))
                    next (+ k 1)
                    parts (+ parts 1)
                    i (+ j 1))))))
    (when (or (zerop parts) (char= (char s (- end 1)) #\T))
      (%bad-temporal text "no length"))
    (%make-duration seconds)))

;; The date, range or duration ISO 8601 TEXT writes.
(defun %parse-temporal (text)
  (let* ((s (string-upcase text))
         (slash (position #\/ s)))
    (cond ((and (plusp (length s)) (char= (char s 0) #\P))
           (%parse-duration s text))
          (slash
           (date-range (%parse-date s 0 slash text)
                       (%parse-date s (+ slash 1) (length s) text)))
          (t (%parse-date s 0 (length s) text)))))

;; The #@ dispatch function: a string follows, ISO 8601 text.
(defun %read-at-sign (stream char argument)
  (declare (ignore char))
  (when argument
    (error 'reader-error :stream stream
                         :format-control "#~d@: #@ takes no argument"
                         :format-arguments (list argument)))
  (let ((text (read stream t nil t)))
    (unless (stringp text)
      (error 'reader-error :stream stream
                           :format-control "#@ is followed by a string, as in #@\"2013-05-17\", not ~s"
                           :format-arguments (list text)))
    (handler-case (%parse-temporal text)
      (store-error (c)
        (error 'reader-error :stream stream
                             :format-control "#@~s: ~a"
                             :format-arguments (list text (%condition-message c)))))))

;; By name, so that a readtable a user copied calls the definition an
;; upgrade brings.
(set-dispatch-macro-character #\# #\@ '%read-at-sign *%standard-readtable*)

;;; ---- filters: literals -------------------------------------------------------------

;; Whether X is a proper list (not dotted, not circular).
(defun %proper-list-p (x)
  (let ((slow x) (fast x))
    (loop
      (cond ((null fast) (return t))
            ((atom fast) (return nil)))
      (setq fast (cdr fast))
      (cond ((null fast) (return t))
            ((atom fast) (return nil)))
      (setq fast (cdr fast) slow (cdr slow))
      (when (eq fast slow) (return nil)))))

;; The name of the operator of a filter term, or NIL: filters name
;; operators by their symbols' names, whatever their package.
(defun %term-name (form)
  (and (consp form) (car form) (symbolp (car form)) (%proper-list-p form)
       (symbol-name (car form))))

(defparameter *%keyed-operators*
  '("=" "IN" "<" "<=" ">" ">=" "BETWEEN" "OVERLAPS" "WITHIN" "BEFORE"
    "AFTER" "HAS" "CONTAINS"))

;; The value of a literal (date ...), (date-range ...), (duration ...);
;; a date range's ends may be date literals too.
(defun %literal-value (form)
  (let ((name (%term-name form)))
    (cond ((equal name "DATE") (apply #'date (cdr form)))
          ((equal name "DURATION") (apply #'duration (cdr form)))
          ((equal name "DATE-RANGE")
           (apply #'date-range
                  (mapcar (lambda (x) (if (%term-name x) (%literal-value x) x))
                          (cdr form))))
          (t form))))

(defun %normalize-operand (x)
  (if (member (%term-name x) '("DATE" "DATE-RANGE" "DURATION")
              :test #'equal)
      (handler-case (%literal-value x)
        (error (c)
          (error 'store-query-error
                 :culprit x
                 :format-control "the literal ~s is malformed: ~a"
                 :format-arguments (list x (%condition-message c)))))
      x))

;; The term with its literals made values: a new list where one changed.
(defun %normalize-term (form depth)
  (let ((name (%term-name form)))
    (cond ((or (null name) (> depth 100)) form)
          ((member name '("AND" "OR" "NOT") :test #'string=)
           (let ((kids (mapcar (lambda (k) (%normalize-term k (+ depth 1)))
                               (cdr form))))
             (if (every #'eq kids (cdr form)) form (cons (car form) kids))))
          ((and (member name *%keyed-operators* :test #'string=) (cdr form))
           (let ((operands (mapcar #'%normalize-operand (cddr form))))
             (if (every #'eq operands (cddr form))
                 form
                 (list* (car form) (cadr form) operands))))
          (t form))))

(defun %normalize-filter (filter)
  "FILTER with the literals (date ...), (date-range ...) and (duration ...)
in its keyed operators' operands made dates and durations, copying only
what changes; a malformed literal is a STORE-QUERY-ERROR naming it.
What the store would refuse is left for it to refuse."
  (%normalize-term filter 0))
