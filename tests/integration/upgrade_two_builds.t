#!/bin/sh
# Two systems from one tree (issue 18; docs/upgrade-design.md section 3):
# build/upgrade/a/lispos-repl and build/upgrade/b/lispos-repl differ only
# in their boot code (tests/upgrade/boot/{a,b}/: a function changed, one
# removed, one added, a system class given a slot, a macro and a method
# changed) and release suffix.  A fills a store through the administrator,
# Alice and Bob (tests/upgrade/two_builds/: DEFVARs, DEFUNs calling the
# system's functions, closures, a subclass of the system class and
# instances, methods on the system's generic function, structures,
# conditions, EQ/EQL/EQUAL tables, packages, a per-user default, a
# read-only reference) and reads some of it back.  B refuses it with
# --no-upgrade, byte for byte untouched; then B opens it, upgrading it in
# place with one line on stderr, and every value is intact with B's system
# code live.  The upgraded store then opens in B as it is and is refused by
# A, untouched.  A TSAN build places the region elsewhere: skipped, as
# upgrade_fixtures.t is.
set -u
build="${LISPOS_BUILD:-build}"
a="$build/upgrade/a/lispos-repl"
b="$build/upgrade/b/lispos-repl"
. "$(dirname "$0")/tap.sh"

skip_if_tsan "$build"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-two-builds-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/a.store"

version() { "$1" --version | sed -n 's/^system code version //p'; }
va=$(version "$a")
# both variants are built from this tree: one layout version
layout=$("$a" --version | sed -n 's/^layout version //p')
vb=$(version "$b")
value_is "both variants print a system code version" "" "yes yes" \
      "$([ -n "$va" ] && echo yes) $([ -n "$vb" ] && echo yes)"
value_is "the variants' system code versions differ ($va, $vb)" "" yes \
      "$([ -n "$va" ] && [ "$va" != "$vb" ] && echo yes)"
is "variant a's release has the suffix -upgrade-a" yes \
   sh -c "'$a' --version | head -1 | grep -q -- '-upgrade-a\$' && echo yes"
is "variant b's release has the suffix -upgrade-b" yes \
   sh -c "'$b' --version | head -1 | grep -q -- '-upgrade-b\$' && echo yes"

# Fill with A: the administrator, Alice and Bob (tests/upgrade/two_builds).
fill="$(dirname "$0")/../upgrade/two_builds"
value_is "A fills the store: the administrator" "" "0 5" "$("$a" --store "$store" \
    --size 64M -e '(setq upgrade-test:*counter* 5)' > "$dir/fill.out" 2>&1
    echo "$? $(tail -1 "$dir/fill.out")")"
for user in alice bob; do
    value_is "A fills the store: $user" "" 0 "$("$a" --store "$store" \
        --user "$user" < "$fill/$user.lisp" > "$dir/fill.out" 2>&1; echo $?)"
    grep -q 'ERROR' "$dir/fill.out" && sed 's/^/#   /' "$dir/fill.out"
done
# a collection: the EQ table's address keys move, and it rehashes later
value_is "A collects" "" T "$("$a" --store "$store" -e '(progn (gc) t)' 2>&1 | tail -1)"

# A reads it back.
is "A: the DEFUN calls A's CHANGED" '(:V1 5)' \
   "$a" --store "$store" --user alice -e '(calls-changed 5)'
is "A: the instance of the system class reads back" 7 \
   "$a" --store "$store" --user alice -e '(upgrade-test:shape-x *shape*)'
is "A: REMOVED exists in A" ':REMOVED' \
   "$a" --store "$store" --user alice -e '(calls-removed)'
is "A: ADDED does not" ':UNDEFINED' "$a" --store "$store" --user alice \
   -e '(handler-case (calls-added) (undefined-function () :undefined))'

# B's decisions, before B opens it: describe, and --no-upgrade.
cp --sparse=always "$store" "$dir/before.store"
# A's release is this tree's with the suffix -upgrade-a: after a
# development build's (0.3.0-dev < 0.3.0-upgrade-a), before a release's
# (0.2.0-upgrade-a < 0.2.0).
case $(cat "$(dirname "$0")/../../VERSION") in
*-*) verdict='refuses it: .*newer than this'; why="A's release sorts after its own" ;;
*)   verdict='would upgrade it in place'; why="A's release sorts before its own" ;;
esac
is "this tree's lispos-disk: $why" \
   yes sh -c "'$build/lispos-disk' describe '$store' |
              grep -q '^this build:      $verdict' && echo yes"
status_is "B --no-upgrade refuses it (exit 1)" 1 \
   "$b" --store "$store" --no-upgrade -e t
is "saying from what to what, and why" yes \
   sh -c "'$b' --store '$store' --no-upgrade -e t 2>&1 |
          grep -q 'made by LispOS [^ ]*-upgrade-a (system code $va, layout $layout); this is LispOS [^ ]*-upgrade-b (system code $vb, layout $layout). It would be upgraded in place; refusing, as --no-upgrade asks. Nothing was written' && echo yes"
value_is "--no-upgrade leaves the store byte for byte unchanged" "" same \
      "$(cmp -s "$store" "$dir/before.store" && echo same)"

# B opens it: upgraded in place, in one line on stderr.
"$b" --store "$store" -e t > "$dir/open.out" 2> "$dir/open.err"
value_is "B opens the store A made" "" "0 T" "$? $(tail -1 "$dir/open.out")"
value_is "and says so in one line on stderr: from what to what, how long, and the user code calling what B removed (Alice's function, Bob's closure in a variable)" "" yes \
      "$(grep -qx "lispos-repl: $store: upgraded from [^ ]*-upgrade-a (system $va, layout $layout) to [^ ]*-upgrade-b (system $vb, layout $layout) in [0-9]*\.[0-9][0-9] s; 3 user functions call a system function this release removed (\(alice's COMMON-LISP-USER::CALLS-REMOVED\|alice's method on COMMON-LISP-USER::SIZE\|bob's COMMON-LISP-USER::\*GONE\*\) calls UPGRADE-TEST::REMOVED)" "$dir/open.err" &&
         [ "$(wc -l < "$dir/open.err")" -eq 1 ] && echo yes)"
[ -s "$dir/open.err" ] && sed 's/^/#   /' "$dir/open.err"

# What B finds: every value intact, B's system code live.
b_is() {   # b_is NAME USER EXPECTED FORM
    value_is "B, $2: $1" "" "$3" \
        "$(timeout 60 "$b" --store "$store" --user "$2" -e "$4" 2>&1 | tail -1)"
}
b_is "the DEFVAR is intact" alice '(1 "two" :THREE)' '*kept*'
b_is "her DEFUN calls B's CHANGED" alice '(:V2 5)' '(calls-changed 5)'
b_is "REMOVED is gone: calling it by name is UNDEFINED-FUNCTION" alice \
     ':UNDEFINED' '(handler-case (calls-removed) (undefined-function () :undefined))'
b_is "the REMOVED function object she kept still works (old code)" alice \
     ':REMOVED' '(funcall *removed-fn*)'
b_is "ADDED, which her code named before it existed, is live" alice \
     ':ADDED' '(calls-added)'
b_is "a closure keeps its variable" alice 11 '(funcall *adder* 1)'
b_is "her DEFUN keeps its source (FUNCTION-LAMBDA-EXPRESSION)" alice \
     '((LAMBDA (X) (BLOCK CALLS-CHANGED (UPGRADE-TEST:CHANGED X))) NIL CALLS-CHANGED)' \
     "(multiple-value-list (function-lambda-expression #'calls-changed))"
b_is "and her closure its lambda" alice '((LAMBDA (X) (+ X N)) T NIL)' \
     '(multiple-value-list (function-lambda-expression *adder*))'
b_is "the old instance keeps X" alice 7 '(upgrade-test:shape-x *shape*)'
b_is "the old instance has the new slot Y (42)" alice 42 \
     '(upgrade-test:shape-y *shape*)'
b_is "her subclass's instance too, and keeps its own slot" alice '(42 5 1)' \
     '(list (upgrade-test:shape-y *circle*) (circle-r *circle*) (upgrade-test:shape-x *circle*))'
b_is "her method on the system GF, around B's new method" alice \
     '(:CIRCLE 5 (:V2 1))' '(upgrade-test:area *circle*)'
b_is "her GF with methods on the system class and her subclass" alice \
     '(:CIRCLE (:SHAPE 1))' '(size *circle*)'
b_is "her method calling the removed function: UNDEFINED-FUNCTION" alice \
     'UPGRADE-TEST:REMOVED' \
     '(handler-case (size "x") (undefined-function (c) (cell-error-name c)))'
b_is "her PRINT-OBJECT method" alice '"#<circle 5>"' '(prin1-to-string *circle*)'
b_is "her structure including the system structure" alice '(1 3 T)' \
     '(list (upgrade-test:base-point-px *pt*) (pt3-z *pt*) (typep *pt* (quote upgrade-test:base-point)))'
b_is "her condition type under the system's" alice '(:CAUGHT 1)' \
     "(handler-case (error 'my-oops :why 1) (upgrade-test:oops (c) (list :caught (upgrade-test:oops-why c))))"
b_is "EQ table keyed by a symbol and an object" alice '(:BY-SYMBOL :BY-OBJECT)' \
     "(list (gethash 'sym *eq*) (gethash *circle* *eq*))"
b_is "EQL table keyed by numbers" alice '(:BY-FLOAT :BY-BIGNUM)' \
     '(list (gethash 1.5d0 *eql*) (gethash (expt 2 80) *eql*))'
b_is "EQUAL table keyed by a string and a list" alice '(:BY-STRING :BY-LIST)' \
     '(list (gethash "key" *equal*) (gethash (list 1 "x") *equal*))'
b_is "her package" alice ':ALICE-F' '(alice-pkg:f)'
b_is "a read-only reference keeps its access bits" alice '(1 20 ACCESS-DENIED)' \
     '(list (access-bits *read-only*) (aref *read-only* 1) (handler-case (setf (aref *read-only* 0) 1) (error (e) (type-of e))))'
b_is "code compiled before keeps A's TWICE" alice 1 '(old-twice)'
b_is "new code uses B's TWICE" alice '(3 3)' '(upgrade-test:twice 3)'
b_is "a new instance gets Y's initform" alice 42 \
     "(upgrade-test:shape-y (make-instance 'upgrade-test:shape :x 0))"
b_is "his per-user default (*PRINT-BASE* 16)" bob '(FF :BOB)' '*mine*'
b_is "his method on the system GF" bob '(:SQUARE (:V2 3))' \
     '(upgrade-test:area *square*)'
b_is "his closure over the system function" bob '(:V2 1)' '(funcall *caller* 1)'
b_is "his FRESH stays his when B exports one from a package he uses" bob \
     '(:BOB :SYSTEM)' '(list (fresh) (upgrade-test:fresh))'
b_is "Alice's names stay hers" bob '(NIL NIL)' \
     "(list (fboundp 'calls-changed) (find-package :alice-pkg))"
b_is "the system's DEFVAR keeps the administrator's value" alice 5 \
     'upgrade-test:*counter*'
b_is "the system's DEFPARAMETER takes B's value" alice ':B' 'upgrade-test:*mode*'

# Once upgraded, it is B's: B opens it as it is, A refuses it.
"$b" --store "$store" -e t > /dev/null 2> "$dir/again.err"
value_is "B opens it again without upgrading (nothing on stderr)" "" "" \
      "$(cat "$dir/again.err")"
cp --sparse=always "$store" "$dir/upgraded.store"
status_is "A refuses the upgraded store (exit 1)" 1 "$a" --store "$store" -e t
is "as made by a newer LispOS" yes sh -c "'$a' --store '$store' -e t 2>&1 |
   grep -q 'newer than this LispOS [^ ]*-upgrade-a' && echo yes"
value_is "A's refusal leaves it byte for byte unchanged" "" same \
      "$(cmp -s "$store" "$dir/upgraded.store" && echo same)"

# A small store: its upgrade collects as it goes instead of running out
# (the heap collects before half the room left is used: gc/heap.c).
small="$dir/small.store"
"$a" --store "$small" --size 32M -e t > /dev/null 2>&1
"$a" --store "$small" --user alice < "$fill/alice.lisp" > /dev/null 2>&1
value_is "a 32M store A filled upgrades too" "" '(:V2 1)' \
      "$("$b" --store "$small" --user alice -e '(calls-changed 1)' 2>/dev/null | tail -1)"
echo "1..$n"
