#!/bin/sh
# Random interleavings of store changes (issue 19): puts, attribute
# changes, deletes, reverts, new indexes, each followed by a check of
# every index against a scan of the entries (%STORE-CHECK-INDEXES) and of
# a random query as the indexes answer it against the same as a scan;
# over several restarts of lispos-repl, one of them collecting at every
# safepoint (LISPOS_GC_STRESS).  A fresh seed each run, printed;
# LISPOS_STORE_SEED=N replays one.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-random-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
seed=${LISPOS_STORE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $seed (LISPOS_STORE_SEED=$seed replays it)"
tap_note="$(basename "$0"): seed $seed (LISPOS_STORE_SEED=$seed replays it)"
ops="$(dirname "$0")/../store/random_ops.lisp"
"$repl" --store "$store" --size 128M -e t > /dev/null 2>&1

run() {   # run ROUND STEPS [ENV...]: one lispos-repl process of STEPS steps
    round=$1 steps=$2
    shift 2
    { echo "(defparameter *seed* $((seed + round)))"
      echo "(defparameter *steps* $steps)"
      echo "(defparameter *first-step* $((round * 1000)))"
      cat "$ops"; } |
        env "$@" timeout 300 "$repl" --store "$store" > "$dir/out.$round" 2>&1
    grep '^FAIL step' "$dir/out.$round" | head -5 | sed 's/^/# /'
    value_is "round $round: $steps random changes, indexes exact after each" "" \
        "DONE $steps 0" "$(grep '^DONE' "$dir/out.$round" || tail -3 "$dir/out.$round")"
}
run 1 400
run 2 400
run 3 80 LISPOS_GC_STRESS=65536
run 4 300
value_is "after the restarts, the indexes agree with a scan" "" NIL \
    "$("$repl" --store "$store" -e '(lispos-internal::%store-check-indexes)' 2>&1 | tail -1)"
echo "1..$n"
