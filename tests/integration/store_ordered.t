#!/bin/sh
# Ordered indexes at size (store/index.c): thousands of entries with
# values of every ordered kind, so that chunks fill, give pairs to their
# neighbours and split; values shared between entries read back as given;
# then random changes.  Every index is checked against a scan after each
# phase (%STORE-CHECK-INDEXES, which also checks each pair's order key and
# each chunk's fence), and range queries answered by an index against the
# same as a scan.  A fresh seed each run, printed; LISPOS_STORE_SEED=N
# replays one.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-ordered-XXXXXX")
trap 'rm -rf "$dir"' EXIT
seed=${LISPOS_STORE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $seed (LISPOS_STORE_SEED=$seed replays it)"
tap_note="$(basename "$0"): seed $seed (LISPOS_STORE_SEED=$seed replays it)"
{ echo "(defparameter *seed* $seed)"
  cat "$(dirname "$0")/../store/ordered_ops.lisp"; } |
    timeout 600 "$repl" --store "$dir/store.img" --size 512M > "$dir/out" 2>&1
grep '^# ' "$dir/out" | head -5
got() { grep "^CHECK $1 " "$dir/out" | head -1 | cut -d' ' -f3-; }
value_is "6000 puts: the indexes agree with a scan" "" NIL "$(got after-puts)"
value_is "every entry reads back the attributes it was given" "" 0 \
    "$(got values-read-back)"
value_is "an entry never changed has one version, the put" "" \
    '(1 1 :PUT :ADMINISTRATOR)' "$(got first-history)"
value_is "a shared string: the caller changing theirs changes nothing" "" \
    '"name 1"' "$(got caller-string-kept)"
value_is "ranges by an index equal ranges by a scan" "" 0 \
    "$(got ranges-after-puts)"
value_is "3000 random changes: the indexes agree with a scan" "" NIL \
    "$(got after-changes)"
value_is "no check between the changes found an index wrong" "" "" \
    "$(grep '^CHECK after-change-' "$dir/out" | head -1)"
value_is "ranges by an index equal ranges by a scan, after the changes" "" 0 \
    "$(got ranges-after-changes)"
value_is "the run ends" "" DONE "$(grep -x DONE "$dir/out" || tail -3 "$dir/out")"
echo "1..$n"
