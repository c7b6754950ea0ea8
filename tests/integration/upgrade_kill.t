#!/bin/sh
# An upgrade killed part way (issue 18): twenty rounds, each on a fresh
# copy of a store filled by variant build A, opened by variant build B,
# which upgrades it and is killed with SIGKILL -- on even rounds at one of
# the upgrade's phases in turn (LISPOS_UPGRADE_KILL_AT=K, lispos-repl's
# test hook: SIGKILL at the Kth phase the open reports), on odd rounds
# after a random delay up to 1.2 times the measured upgrade.  After each,
# the store records A's system version or B's, nothing else
# (lispos-disk describe: the records of the last durable snapshot), and B
# then opens it -- upgrading it if it is still A's -- with every value
# intact and B's system code live.  A TSAN build places the region
# elsewhere: skipped, as upgrade_two_builds.t is.
set -u
build="${LISPOS_BUILD:-build}"
a="$build/upgrade/a/lispos-repl"
b="$build/upgrade/b/lispos-repl"
disk="$build/lispos-disk"
. "$(dirname "$0")/tap.sh"
skip_if_tsan "$build"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-upgrade-kill-XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
store="$dir/a.store"
rounds=${UPGRADE_KILL_ROUNDS:-20}

version() { "$1" --version | sed -n 's/^system code version //p'; }
va=$(version "$a")
vb=$(version "$b")
recorded() { "$disk" describe "$1" | sed -n 's/^system version:  //p'; }

fill="$(dirname "$0")/../upgrade/two_builds"
"$a" --store "$store" --size 64M -e t > /dev/null 2>&1
value_is "A fills a store (tests/upgrade/two_builds/alice.lisp)" "" 0 \
      "$("$a" --store "$store" --user alice < "$fill/alice.lisp" \
         > "$dir/fill.out" 2>&1; echo $?)"

# How long B's upgrade takes, and how many phases it reports.
cp --sparse=always "$store" "$dir/timing.store"
start=$(date +%s%N)
"$b" --store "$dir/timing.store" -e t > "$dir/timing.out" 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
value_is "B upgrades a copy in full (${ms} ms)" "" "$vb" \
      "$(recorded "$dir/timing.store")"
cp --sparse=always "$store" "$dir/timing.store"
phases=$(LISPOS_UPGRADE_PHASES=1 "$b" --store "$dir/timing.store" -e t 2>&1 |
         grep -c '^upgrade phase')
value_is "the upgrade announces its phases (LISPOS_UPGRADE_PHASES)" "" yes \
      "$([ "$phases" -ge 5 ] && echo yes)"
[ "$phases" -ge 1 ] || phases=1

old=0 new=0 bad=0
for round in $(seq 1 "$rounds"); do
    copy="$dir/round.store"
    cp --sparse=always "$store" "$copy"
    if [ $((round % 2)) = 0 ]; then
        k=$(( (round / 2 - 1) % phases + 1 ))
        LISPOS_UPGRADE_KILL_AT=$k "$b" --store "$copy" -e t \
            > "$dir/round.out" 2>&1
    else
        delay=$(awk -v seed="$round$$" -v ms="$ms" \
                'BEGIN { srand(seed); printf "%.3f", rand() * ms * 1.2 / 1000 }')
        "$b" --store "$copy" -e t > "$dir/round.out" 2>&1 &
        pid=$!
        sleep "$delay"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
    fi
    v=$(recorded "$copy")
    case $v in
    "$va") old=$((old + 1)) ;;
    "$vb") new=$((new + 1)) ;;
    *) bad=$((bad + 1)); echo "# round $round: the store records '$v'" ;;
    esac
    got=$("$b" --store "$copy" --user alice -e '*kept*' \
          -e '(calls-changed 5)' -e '(upgrade-test:shape-y *shape*)' \
          -e '(upgrade-test:area *circle*)' -e '(calls-added)' \
          2>"$dir/reopen.err" | tr '\n' ' ')
    if [ "$got" != '(1 "two" :THREE) (:V2 5) 42 (:CIRCLE 5 (:V2 1)) :ADDED ' ]
    then
        bad=$((bad + 1))
        echo "# round $round: after the kill B reads: $got"
        sed 's/^/#   /' "$dir/reopen.err"
    fi
done
value_is "$rounds killed upgrades: each store is A's ($old) or B's ($new), and B then reads it whole" \
      "" 0 "$bad"
value_is "kills at the phases left both: some A's, some B's" "" yes \
      "$([ "$old" -gt 0 ] && [ "$new" -gt 0 ] && echo yes)"
echo "1..$n"
