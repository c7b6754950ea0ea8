#!/bin/sh
# Dates and durations (issue 19, docs/store.md "Dates and durations")
# through lispos-repl: the constructors and their checks, the printed
# ISO 8601 forms and #@ reading them back, the store's equality (a span,
# a length), durations' order, OVERLAPS / WITHIN / BEFORE / AFTER at
# their boundaries (half-open spans), ORDER-BY, literals inside quoted
# filters, the errors, a restart, and users.  Timestamps were checked
# against Python's datetime (UTC).
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-dates-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
"$repl" --store "$store" --size 64M -e t > /dev/null 2>&1

as() {   # as USER FORM: the last line lispos-repl prints (USER - : admin)
    if [ "$1" = - ]; then
        "$repl" --store "$store" -e "$2" 2>&1 | tail -1
    else
        "$repl" --store "$store" --user "$1" -e "$2" 2>&1 | tail -1
    fi
}
check() {   # check NAME USER EXPECTED FORM
    value_is "$1" "" "$3" "$(as "$2" "$4")"
}
ids() {     # the ids a query form answers, as a list
    echo "(mapcar (function entry-id) (directory-entries $1))"
}
error_of() {   # the type and message of the error FORM signals
    echo "(handler-case $1 (error (c) (list (type-of c) (princ-to-string c))))"
}

# ---- making and printing ----
check "each precision prints as ISO 8601 after #@" - \
    '(#@"2013" #@"2013-05" #@"2013-05-17" #@"2013-05-17T14" #@"2013-05-17T14:30" #@"2013-05-17T14:30:05")' \
    '(list (date 2013) (date 2013 5) (date 2013 5 17) (date 2013 5 17 14) (date 2013 5 17 14 30) (date 2013 5 17 14 30 5))'
check "the precision each one keeps" - '(:YEAR :MONTH :DAY :HOUR :MINUTE :SECOND)' \
    '(mapcar (function date-precision) (list (date 2013) (date 2013 5) (date 2013 5 17) (date 2013 5 17 14) (date 2013 5 17 14 30) (date 2013 5 17 14 30 5)))'
check "start and end: seconds since 1970 UTC, half open" - \
    '(1368801005 1368801006 0 31536000 -1 0)' \
    '(list (date-start (date 2013 5 17 14 30 5)) (date-end (date 2013 5 17 14 30 5)) (date-start (date 1970)) (date-end (date 1970)) (date-start (date 1969 12 31 23 59 59)) (date-end (date 1969 12 31 23 59 59)))'
check "years far back: 1900, 1600, year 1, year 0 (1 BC, leap)" - \
    '(-2203891200 -11670998400 -62135596800 -62167219200 -62135596800)' \
    '(list (date-start (date 1900 3 1)) (date-start (date 1600 2 29)) (date-start (date 1)) (date-start (date 0)) (date-end (date 0)))'
check "a month's end: 31, 30, February of leap and common years" - \
    '(2678400 2592000 2505600 2419200)' \
    '(mapcar (lambda (d) (- (date-end d) (date-start d))) (list (date 2013 1) (date 2013 4) (date 2012 2) (date 2100 2)))'
check "years before 1 and after 9999 print with a sign" - \
    '(#@"0000" #@"-0044-03-15" #@"+12345-01" #@"1969-12-31T23:59:59")' \
    '(list (date 0) (date -44 3 15) (date 12345 1) (date 1969 12 31 23 59 59))'
check "a far year: a bignum start" - '(#@"+1000000000000000000000000000000" T)' \
    '(list (date (expt 10 30)) (> (date-start (date (expt 10 30))) most-positive-fixnum))'
check "leap days" - '(#@"2012-02-29" #@"2000-02-29" #@"1600-02-29")' \
    '(list (date 2012 2 29) (date 2000 2 29) (date 1600 2 29))'
check "a range prints its first and last dates" - \
    '(#@"2013-05-17/2014-02" #@"2013-01/2013-04" #@"2013/2013" #@"2013-05-17T14:00/2013-05-17T14:30" #@"1969-12-31T23:59:59/1970")' \
    '(list (date-range (date 2013 5 17) (date 2014 2)) (date-range (date 2013 1) (date 2013 4)) (date-range (date 2013) (date 2013)) (date-range (date 2013 5 17 14) (date 2013 5 17 14 30)) (date-range (date 1969 12 31 23 59 59) (date 1970)))'
check "a range runs from FROM's start to TO's end" - '(:RANGE T T)' \
    '(let ((r (date-range (date 2013 5 17) (date 2014 2)))) (list (date-precision r) (= (date-start r) (date-start (date 2013 5 17))) (= (date-end r) (date-end (date 2014 2)))))'
check "durations: ISO 8601, weeks folded into days" - \
    '(#@"PT1H3M20S" #@"P9DT1H" #@"PT0S" #@"P1D" #@"P1DT12H" #@"PT0.5S" #@"PT0.1S" #@"PT1/3S")' \
    '(list (duration :hours 1 :minutes 3 :seconds 20) (duration :weeks 1 :days 2 :hours 1) (duration) (duration :days 1) (duration :days 3/2) (duration :seconds 1/2) (duration :seconds 0.1) (duration :seconds 1/3))'
check "a duration's length: seconds, a rational" - '(781400 1/10 4000)' \
    '(list (duration-seconds (duration :weeks 1 :days 2 :hours 1 :minutes 3 :seconds 20)) (duration-seconds (duration :seconds 0.1)) (duration-seconds (duration :hours 1 :minutes 6 :seconds 40)))'
check "princ: the ISO text alone" - '"2013-05-17 P1DT2H 2013/2014-06"' \
    '(format nil "~a ~a ~a" (date 2013 5 17) (duration :hours 26) (date-range (date 2013) (date 2014 6)))'
check "predicates and types" - '(T NIL T NIL DATE DURATION)' \
    '(list (datep (date 2013)) (datep "2013") (durationp (duration)) (durationp 60) (type-of (date 2013)) (type-of (duration)))'

# ---- reading back ----
check "every printed form reads back EQUALP" - T \
    '(every (lambda (x) (equalp (read-from-string (prin1-to-string x)) x)) (list (date 2013) (date 2013 5) (date 2013 5 17) (date 2013 5 17 14) (date 2013 5 17 14 30) (date 2013 5 17 14 30 5) (date-range (date 2013 5 17) (date 2014 2)) (date-range (date 2013) (date 2013)) (date-range (date 1969 12 31 23 59 59) (date 1970)) (date 2012 2 29) (date 0) (date -1 12 31) (date -44 3 15) (date 12345 6) (date (expt 10 30) 2 29) (date (- (expt 10 30)) 12 31 23 59 59) (duration) (duration :hours 1 :minutes 3 :seconds 20) (duration :weeks 1 :days 2) (duration :seconds 1/3) (duration :seconds 0.001) (duration :days 100000000000000000000 :seconds 7/3)))'
check "#@ in code reads as the object" - '(T T T)' \
    '(list (equalp #@"2013-05-17" (date 2013 5 17)) (equalp #@"2013-05-17/2014-02" (date-range (date 2013 5 17) (date 2014 2))) (equalp #@"PT1H3M20S" (duration :hours 1 :minutes 3 :seconds 20)))'
check "read: Z, lower case, weeks, a decimal comma, a ratio" - \
    '(#@"2013-05-17T14:30" 3/2 604800 129600 7/3)' \
    '(list #@"2013-05-17T14:30Z" (duration-seconds #@"pt1.5s") (duration-seconds #@"P1W") (duration-seconds #@"P1,5D") (duration-seconds #@"PT7/3S"))'
check "#@ inside quoted data and vectors" - '(A #@"2013" #(#@"PT1M"))' \
    '(quote (a #@"2013" #(#@"PT1M")))'

# ---- comparing ----
check "date=: the same span, whatever the precision" - '(T NIL)' \
    '(list (date= (date 2013) (date-range (date 2013 1) (date 2013 12))) (date= (date 2013) (date 2013 1)))'
check "date<: by start, then end" - '(T T NIL NIL)' \
    '(list (date< (date 2012) (date 2013)) (date< (date 2013 1) (date 2013)) (date< (date 2013) (date 2013 1)) (date< (date 2013) (date 2013)))'
check "duration= and duration<: by length" - '(T T NIL)' \
    '(list (duration= (duration :minutes 1) (duration :seconds 60)) (duration< (duration :seconds 59) (duration :minutes 1)) (duration< (duration :hours 1) (duration :minutes 60)))'

# ---- errors of the constructors and the reader ----
check "month 13" - '(STORE-ERROR "DATE: the month 13 is not between 1 and 12")' \
    "$(error_of '(date 2013 13)')"
check "February 29 of a common year" - '(STORE-ERROR "DATE: 2013-02 has no day 29 (its days are 1 to 28)")' \
    "$(error_of '(date 2013 2 29)')"
check "hour 24, minute 60, second 60, year 2013.5, a gap: STORE-ERROR each" - \
    '(STORE-ERROR STORE-ERROR STORE-ERROR STORE-ERROR STORE-ERROR)' \
    '(mapcar (lambda (f) (handler-case (progn (funcall f) :made) (error (c) (type-of c)))) (list (lambda () (date 2013 5 17 24)) (lambda () (date 2013 5 17 1 60)) (lambda () (date 2013 5 17 1 1 60)) (lambda () (date 2013.5)) (lambda () (date 2013 nil 5))))'
check "an empty range" - '(STORE-ERROR "DATE-RANGE: #@\"2013\" ends before #@\"2014\" starts: the range would be empty")' \
    "$(error_of '(date-range (date 2014) (date 2013))')"
check "a negative duration" - '(STORE-ERROR "DURATION: :HOURS -1 is not a non-negative real")' \
    "$(error_of '(duration :hours -1)')"
check "#@ of a bad date is a READER-ERROR" - \
    '(READER-ERROR "#@\"2013-13\": DATE: the month 13 is not between 1 and 12")' \
    "$(error_of '(read-from-string "#@\"2013-13\"")')"
check "#@ of a month with one digit" - \
    '(READER-ERROR "#@\"2013-5\": not a date or duration: two digits are needed after -")' \
    "$(error_of '(read-from-string "#@\"2013-5\"")')"
check "#@ needs a string" - \
    '(READER-ERROR "#@ is followed by a string, as in #@\"2013-05-17\", not 2013")' \
    "$(error_of '(read-from-string "#@2013")')"
check "#@ durations have no years or months" - \
    '(READER-ERROR "#@\"P1Y\": not a date or duration: years and months have no fixed length: write days")' \
    "$(error_of '(read-from-string "#@\"P1Y\"")')"

# ---- the store ----
check "entries with dates, durations and others" - '(1 2 3 4 5 6)' \
    '(mapcar (function entry-id) (list (store-put :a :when (date 2013) :len (duration :minutes 3)) (store-put :b :when (date 2013 5 17) :len (duration :seconds 180)) (store-put :c :when (date 2012) :len 180) (store-put :d :when (date 2014 1 1) :len (duration :hours 1)) (store-put :e :when (date-range (date 2012 12 31) (date 2013 1 1)) :len (duration :seconds 1/2)) (store-put :f :when "2013" :len "3 min")))'
check "= on a date: the same span (a range as long as 2013)" - '(1)' \
    "$(ids '(store-query (list (quote =) :when (date-range (date 2013 1) (date 2013 12))))')"
check "= on a date: another precision of the same start is not it" - NIL \
    "$(ids '(store-query (list (quote =) :when (date 2013 1)))')"
check "= on a duration: the same length" - '(1 2)' \
    "$(ids '(store-query (list (quote =) :len (duration :minutes 3)))')"
check "in: durations and reals, each with its own" - '(3 4)' \
    "$(ids '(store-query (list (quote in) :len (duration :hours 1) 180))')"
check "< on durations: by length; a real never matches" - '(1 2 5)' \
    "$(ids '(store-query (list (quote <) :len (duration :minutes 30)))')"
check "< on a real: durations never match" - '(3)' \
    "$(ids '(store-query (list (quote <) :len 100000))')"
check "between durations (inclusive)" - '(1 2 4)' \
    "$(ids '(store-query (list (quote between) :len (duration :minutes 3) (duration :hours 1)))')"

# OVERLAPS WITHIN BEFORE AFTER, at the edges: 2013 ends where 2014-01-01
# starts, so it is BEFORE it and does not OVERLAP it.
check "before: ends at or before the operand starts (2013 is before 2014-01-01)" - '(1 2 3 5)' \
    "$(ids '(store-query (list (quote before) :when (date 2014 1 1)))')"
check "overlaps: the spans share a second (2013 does not overlap 2014-01-01)" - '(4)' \
    "$(ids '(store-query (list (quote overlaps) :when (date 2014 1 1)))')"
check "overlaps on a day: the year and the range across new year" - '(1 5)' \
    "$(ids '(store-query (list (quote overlaps) :when (date 2013 1 1)))')"
check "overlaps on the last second of 2012" - '(3 5)' \
    "$(ids '(store-query (list (quote overlaps) :when (date 2012 12 31 23 59 59)))')"
check "after: starts at or after the operand ends (2014-01-01 is after 2013)" - '(4)' \
    "$(ids '(store-query (list (quote after) :when (date 2013)))')"
check "after 2012: 2013, its day, 2014-01-01 (not the range from 2012-12-31)" - '(1 2 4)' \
    "$(ids '(store-query (list (quote after) :when (date 2012)))')"
check "within: inside the operand, equal spans included" - '(1 2)' \
    "$(ids '(store-query (list (quote within) :when (date 2013)))')"
check "within a range" - '(3 5)' \
    "$(ids '(store-query (list (quote within) :when (date-range (date 2012) (date 2013 1 1))))')"
check "not overlaps: every other entry, the string's too" - '(3 4 6)' \
    "$(ids '(store-query (list (quote not) (list (quote overlaps) :when (date 2013))))')"

# ---- order ----
check "order-by dates: strings first, then dates by start, then end" - '(6 3 5 1 2 4)' \
    "$(ids '(store-query t :order-by :when)')"
check "order-by dates, descending" - '(4 2 1 5 3 6)' \
    "$(ids '(store-query t :order-by (quote (:when :descending)))')"
check "order-by durations: reals, strings, durations by length" - '(3 6 5 1 2 4)' \
    "$(ids '(store-query t :order-by :len)')"

# ---- literals in quoted filters ----
check "(date ...) in a quoted filter" - '(1 2)' \
    "$(ids "(store-query '(within :when (date 2013)))")"
check "(date-range ...) of (date ...) in a quoted filter" - '(1 2 5)' \
    "$(ids "(store-query '(overlaps :when (date-range (date 2013 1 1) (date 2013 6))))")"
check "(duration ...) under and, or, not" - '(1 2)' \
    "$(ids "(store-query '(and (has :when) (or (= :len (duration :minutes 3)) (not (has :len)))))")"
check "#@ literals in a quoted filter" - '(4)' \
    "$(ids "(store-query '(after :when #@\"2013\"))")"
check "store-count reads literals too" - 3 \
    "(store-count '(< :len (duration :hours 1)))"

# ---- errors of filters ----
check "a date is no range operand" - \
    '(STORE-QUERY-ERROR "a range compares reals, strings and durations: its operand is none of them")' \
    "$(error_of "(store-query '(< :when (date 2013)))")"
check "a malformed literal: STORE-QUERY-ERROR naming it" - \
    '("the literal (DATE 2013 13) is malformed: DATE: the month 13 is not between 1 and 12" (DATE 2013 13))' \
    "(handler-case (store-count '(overlaps :when (date 2013 13))) (store-query-error (c) (list (princ-to-string c) (store-query-error-culprit c))))"
check "a literal is not evaluated" - STORE-QUERY-ERROR \
    "(handler-case (store-count '(= :when (date (+ 2000 13)))) (error (c) (type-of c)))"
check "overlaps takes a date" - STORE-QUERY-ERROR \
    "(handler-case (store-count '(overlaps :when \"2013\")) (error (c) (type-of c)))"

# ---- what the store keeps ----
check "the store keeps its own copy of a date" - '(#@"2030" 1)' \
    '(let* ((d (date 2030)) (e (store-put :z :when d))) (setf (slot-value d (quote lispos-internal::start)) 5) (list (entry-attribute e :when) (store-count (list (quote overlaps) :when (date 2030 6)))))'
check "after a restart, dates and durations are there" - \
    '(:WHEN #@"2012-12-31/2013-01-01" :LEN #@"PT0.5S")' \
    '(entry-attributes 5)'

# ---- users ----
check "alice puts a dated entry everyone may read" alice 8 \
    "(entry-id (store-put :x :when #@\"2020-02-29\" :len (duration :days 1) :acl '((:everyone 1))))"
check "alice queries with a literal" alice '(8)' \
    "$(ids "(store-query '(within :when (date 2020 2)))")"
check "bob finds it by its length" bob '(8)' \
    "$(ids "(store-query '(= :len #@\"PT24H\"))")"
check "bob reads and prints it" bob '"#@\"2020-02-29\""' \
    '(prin1-to-string (entry-attribute 8 :when))'
check "a user's own structure named DATE is no date" mallory \
    '("OVERLAPS, WITHIN, BEFORE and AFTER take a date: its operand is not one" NIL)' \
    "(progn (defpackage :mine (:use :cl)) (eval (read-from-string \"(defstruct (mine::date (:constructor mine::mk (mine::start mine::end mine::precision)) (:conc-name mine::d-)) mine::start mine::end mine::precision)\")) (store-put :fake :when (funcall (intern \"MK\" :mine) 0 100 :year)) (list (handler-case (store-count (list 'overlaps :when (funcall (intern \"MK\" :mine) 0 100 :year))) (error (c) (princ-to-string c))) (mapcar #'entry-id (directory-entries (store-query (list 'overlaps :when (date 1970)))))))"
check "a user cannot define DATE" mallory ENVIRONMENT-ERROR \
    '(handler-case (defstruct date a) (error (c) (type-of c)))'

echo "1..$n"
