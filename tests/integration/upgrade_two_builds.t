#!/bin/sh
# Two systems from one tree (docs/upgrade-design.md section 3, step 2):
# build/upgrade/a/lispos-repl and build/upgrade/b/lispos-repl differ only
# in their boot code (tests/upgrade/boot/{a,b}/) and release suffix.  A
# fills a store as Alice (a DEFVAR, a DEFUN calling the system function
# UPGRADE-TEST:CHANGED, an instance of the system class UPGRADE-TEST:SHAPE)
# and reads it back; then B opens the store.  Today B refuses it ("Upgrading
# a store in place is not built yet"), so the upgrade checks are reported TODO
# (issue 18), as in upgrade_fixtures.t; what is checked for real: the two
# builds print different system code versions, and the refusal leaves the
# store file byte for byte as it was.  A TSAN build places the region
# elsewhere: skipped, as upgrade_fixtures.t is.
set -u
build="${LISPOS_BUILD:-build}"
a="$build/upgrade/a/lispos-repl"
b="$build/upgrade/b/lispos-repl"
. "$(dirname "$0")/tap.sh"
todo_reason="upgrade not implemented (issue 18)"

case $build in
*/tsan|*/tsan/*)
    echo "ok 1 # SKIP a TSAN build places the region elsewhere"
    echo "1..1"
    exit 0 ;;
esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-two-builds-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/a.store"

version() { "$1" --version | sed -n 's/^system code version //p'; }
va=$(version "$a")
vb=$(version "$b")
value_is "both variants print a system code version" "" "yes yes" \
      "$([ -n "$va" ] && echo yes) $([ -n "$vb" ] && echo yes)"
value_is "the variants' system code versions differ ($va, $vb)" "" yes \
      "$([ -n "$va" ] && [ "$va" != "$vb" ] && echo yes)"
is "variant a's release has the suffix -upgrade-a" yes \
   sh -c "'$a' --version | head -1 | grep -q -- '-upgrade-a\$' && echo yes"
is "variant b's release has the suffix -upgrade-b" yes \
   sh -c "'$b' --version | head -1 | grep -q -- '-upgrade-b\$' && echo yes"

# Fill with A, as Alice.
value_is "A fills the store" "" "0 T" "$("$a" --store "$store" --size 64M \
    --user alice -e '(defvar *kept* (list 1 "two" :three))' \
    -e '(defun calls-changed (x) (upgrade-test:changed x))' \
    -e '(defvar *shape* (make-instance (quote upgrade-test:shape) :x 7))' \
    -e t > "$dir/fill.out" 2>&1; echo "$? $(tail -1 "$dir/fill.out")")"

# A reads it back.
is "A: the DEFVAR reads back" '(1 "two" :THREE)' \
   "$a" --store "$store" --user alice -e '*kept*'
is "A: the DEFUN calls A's CHANGED" '(:V1 5)' \
   "$a" --store "$store" --user alice -e '(calls-changed 5)'
is "A: the instance of the system class reads back" 7 \
   "$a" --store "$store" --user alice -e '(upgrade-test:shape-x *shape*)'
is "A: REMOVED exists in A" ':REMOVED' \
   "$a" --store "$store" --user alice -e '(upgrade-test::removed)'

# B's decisions, before B opens it: describe, and --no-upgrade.
cp --sparse=always "$store" "$dir/before.store"
is "this tree's lispos-disk refuses it: A's release sorts after its own" \
   yes sh -c "'$build/lispos-disk' describe '$store' |
              grep -q '^this build:      refuses it: .*newer than this' && echo yes"
status_is "B --no-upgrade refuses it (exit 1)" 1 \
   "$b" --store "$store" --no-upgrade -e t
is "saying from what to what, and why" yes \
   sh -c "'$b' --store '$store' --no-upgrade -e t 2>&1 |
          grep -q 'made by LispOS [^ ]*-upgrade-a (system code $va, layout 0); this is LispOS [^ ]*-upgrade-b (system code $vb, layout 0). It would be upgraded in place; refusing, as --no-upgrade asks. Nothing was written' && echo yes"
value_is "--no-upgrade leaves the store byte for byte unchanged" "" same \
      "$(cmp -s "$store" "$dir/before.store" && echo same)"

# B opens it: refused today, and the file must not change.
"$b" --store "$store" --user alice -e t > "$dir/open.out" 2>&1
status=$?
todo=""
if [ "$status" -ne 0 ] &&
   grep -q 'Upgrading a store in place is not built yet' "$dir/open.out"; then
    todo=$todo_reason
    echo "# refused by B: $(head -1 "$dir/open.out")"
    value_is "B's refusal leaves the store byte for byte unchanged" "" same \
          "$(cmp -s "$store" "$dir/before.store" && echo same)"
else
    value_is "B opens the store A made" "" "0 T" \
          "$status $(tail -1 "$dir/open.out")"
fi

# The upgrade checks: TODO while B refuses the store.
b_got() { timeout 60 "$b" --store "$store" --user alice "$@" 2>/dev/null |
          tail -1; }
value_is "B: the DEFVAR is intact" "$todo" '(1 "two" :THREE)' \
      "$(b_got -e '*kept*')"
value_is "B: the user's DEFUN calls B's CHANGED" "$todo" '(:V2 5)' \
      "$(b_got -e '(calls-changed 5)')"
value_is "B: REMOVED is gone (UNDEFINED-FUNCTION)" "$todo" ':UNDEFINED' \
      "$(b_got -e '(handler-case (funcall (quote upgrade-test::removed))
                     (undefined-function () :undefined))')"
value_is "B: ADDED is new" "$todo" ':ADDED' "$(b_got -e '(upgrade-test:added)')"
value_is "B: the old instance keeps X" "$todo" 7 \
      "$(b_got -e '(upgrade-test:shape-x *shape*)')"
value_is "B: the old instance has the new slot Y (42)" "$todo" 42 \
      "$(b_got -e '(upgrade-test:shape-y *shape*)')"
value_is "B: new code uses B's TWICE" "$todo" '(3 3)' \
      "$(b_got -e '(upgrade-test:twice 3)')"
if [ -n "$todo" ]; then
    value_is "the TODO checks left the store unchanged too" "" same \
          "$(cmp -s "$store" "$dir/before.store" && echo same)"
fi
echo "1..$n"
