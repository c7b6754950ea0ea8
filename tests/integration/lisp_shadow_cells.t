#!/bin/sh
# Names nobody defines yet (lisp/environment.c, lo_env_cell;
# docs/environments.md): a user's code that calls a function of a system
# package before the system defines it calls the system's definition once
# there is one -- the cell it holds is the system's, not an unbound one of
# the user's own that would hide it for ever (the "user shadow cells" of
# docs/upgrade-design.md).  And that system cell, made by a user's
# look-up, stays the system's: no user can define or change it, however
# they try, while another user watches.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-shadow-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

sys() { timeout 60 "$bin" --store "$store" --size 64M "$@" 2>/dev/null; }
as() { user=$1; shift; timeout 60 "$bin" --store "$store" --size 64M --user "$user" "$@" 2>/dev/null; }
# error_is NAME TYPE USER FORM: FORM, evaluated as USER, fails with TYPE
error_is() {
    name=$1; want=$2; who=$3; form=$4
    out=$(as "$who" -e "$form" | grep '^ERROR: ' | head -1 | cut -d' ' -f2 | tr -d :)
    is "$name" "$want" echo "${out:-none}"
}

# A standard function this build does not define (FUNCTION-LAMBDA-EXPRESSION
# while it has none), as a later release might add it.
sym=$(sys -e "(prin1-to-string (find-if-not #'fboundp '(function-lambda-expression decode-universal-time random-state-p file-length adjustable-array-p)))")
is "a standard function nobody defines yet" "1" \
   sh -c "case '$sym' in ''|NIL|'\"NIL\"') echo 0;; *) echo 1;; esac"
sym=$(echo "$sym" | tr -d '"')

# ---- alice refers to it; the system defines it later ----
is "alice's function calls $sym" "F" as alice -e "(defun f (x) ($sym x))"
error_is "which is undefined" UNDEFINED-FUNCTION alice "(f 1)"
sys -e "(defun $sym (x) (list :defined x))" >/dev/null
is "the system defines it: bob calls it" "(:DEFINED 1)" as bob -e "($sym 1)"
is "and alice's code, compiled before, calls it too" "(:DEFINED 2)" \
   as alice -e "(f 2)"
is "as does her new code" "(:DEFINED 3)" as alice -e "($sym 3)"

# The same in a package the administrator makes (a system package).
sys -e '(defpackage :release-two (:use :cl) (:export #:added #:mac))' >/dev/null
is "alice calls RELEASE-TWO:ADDED, which no one defines" "(:UNDEFINED)" \
   as alice -e "(progn (defun g () (release-two:added)) (list (handler-case (g) (undefined-function () :undefined))))"
sys -e "(defun release-two:added () :added)" >/dev/null
is "defined by the administrator, alice's code calls it" ":ADDED" \
   as alice -e "(g)"

# ---- a hostile user: the system's cell is not theirs ----
is "mallory refers to a system function nobody defines" "M1" \
   as mallory -e "(defun m1 () (release-two:mac))"
error_is "DEFUN of it" ENVIRONMENT-ERROR mallory \
         "(defun release-two:mac () :pwned)"
error_is "DEFMACRO of it" ENVIRONMENT-ERROR mallory \
         "(defmacro release-two:mac () :pwned)"
error_is "(SETF FDEFINITION) of it" ENVIRONMENT-ERROR mallory \
         "(setf (fdefinition 'release-two:mac) (lambda () :pwned))"
error_is "(SETF SYMBOL-FUNCTION) of it" ENVIRONMENT-ERROR mallory \
         "(setf (symbol-function 'release-two:mac) (lambda () :pwned))"
error_is "COMPILE with its name" ENVIRONMENT-ERROR mallory \
         "(compile 'release-two:mac '(lambda () :pwned))"
error_is "FMAKUNBOUND of it" ENVIRONMENT-ERROR mallory \
         "(fmakunbound 'release-two:mac)"
is "the errors caught, mallory's code still finds it undefined" ":UNDEFINED" \
   as mallory -e "(progn (ignore-errors (defun release-two:mac () :pwned)) (ignore-errors (setf (fdefinition 'release-two:mac) (lambda () :pwned))) (handler-case (m1) (undefined-function () :undefined)))"
is "and so does bob" "(NIL NIL)" \
   as bob -e "(list (fboundp 'release-two:mac) (macro-function 'release-two:mac))"
sys -e "(defun release-two:mac () :system)" >/dev/null
is "the system defines it: mallory's code calls the system's" ":SYSTEM" \
   as mallory -e "(m1)"
error_is "mallory may not redefine it" ENVIRONMENT-ERROR mallory \
         "(defun release-two:mac () :pwned)"
error_is "nor $sym, which alice's code calls" ENVIRONMENT-ERROR mallory \
         "(defun $sym (x) (list :pwned x))"
is "bob and alice see the system's" "(:SYSTEM (:DEFINED 4))" \
   sh -c "echo \"(\$('$bin' --store '$store' --user bob -e '(release-two:mac)' 2>/dev/null) \$('$bin' --store '$store' --user alice -e '(f 4)' 2>/dev/null))\""

# ---- variables stay each user's (docs/environments.md) ----
is "a user's SETQ of an undeclared system symbol is theirs" "(1 :UNBOUND)" \
   sh -c "echo \"(\$('$bin' --store '$store' --user alice -e '(setq release-two:added 1)' 2>/dev/null) \$('$bin' --store '$store' --user bob -e '(if (boundp (quote release-two:added)) release-two:added :unbound)' 2>/dev/null))\""
error_is "and a DEFVAR of one is refused, as before" ENVIRONMENT-ERROR alice \
         "(defvar release-two:mac 1)"

echo "1..$n"
