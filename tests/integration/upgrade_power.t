#!/bin/sh
# Power lost while an upgrade in place runs (issue 18;
# tests/crash/upgrade_crash.c): variant build A fills a store
# (tests/upgrade/two_builds/alice.lisp), then upgrade-crash -- linked as
# variant B -- upgrades fresh copies of it through the fault-injecting
# disk, losing power at a write or flush drawn from those of a dry run,
# 20 rounds with a fresh seed (printed, for replay with --seed).  Each
# store must then be A's exactly or B's, and B must open it, upgrading it
# if it is A's, with Alice's answers and a verified heap.  make soak runs
# many more (UPGRADE_POWER_ROUNDS, bounded by UPGRADE_POWER_SECONDS).  A TSAN build places the region elsewhere: skipped, as
# upgrade_two_builds.t is.
set -u
build="${LISPOS_BUILD:-build}"
a="$build/upgrade/a/lispos-repl"
bin="$build/upgrade/b/upgrade-crash"
. "$(dirname "$0")/tap.sh"
skip_if_tsan "$build"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-upgrade-power-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/a.store"
rounds=${UPGRADE_POWER_ROUNDS:-20}
seed=${UPGRADE_POWER_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

va=$("$a" --version | sed -n 's/^system code version //p')
fill="$(dirname "$0")/../upgrade/two_builds"
"$a" --store "$store" --size 64M -e t > /dev/null 2>&1
value_is "A fills a store (tests/upgrade/two_builds/alice.lisp)" "" 0 \
      "$("$a" --store "$store" --user alice < "$fill/alice.lisp" \
         > "$dir/fill.out" 2>&1; echo $?)"

out=$(TMPDIR="$dir" "$bin" --store "$store" --from-system "$va" \
      --rounds "$rounds" --seed "$seed" \
      --max-seconds "${UPGRADE_POWER_SECONDS:-600}" 2>&1)
status=$?
echo "$out" | sed 's/^/# /'
if [ $status -eq 0 ] && echo "$out" | tail -n 1 |
   grep -q '^upgrade-power: \([0-9]*\)/\1 rounds consistent$'; then
    value_is "$rounds upgrades losing power: each store A's exactly or B's, and B reads it whole, seed $seed" \
          "" ok ok
else
    value_is "$rounds upgrades losing power: each store A's exactly or B's, and B reads it whole, seed $seed (replay: $bin --store STORE --from-system $va --seed $seed)" \
          "" ok "exit $status"
fi
echo "1..$n"
