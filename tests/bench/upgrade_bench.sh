#!/bin/bash
# The upgrade in place (issue 18, docs/upgrade.md): how long variant build
# B takes to open a store variant build A filled -- upgrading it -- beside
# how long B takes to open the same store once upgraded (a plain open).
# The store holds N user objects (instances, conses and strings in one
# vector) and 1,000 user functions calling a system function B changes.
# The upgrade must not read or rewrite user data no migration step
# touches, so its time should depend on the amount of system code, not on
# N: the figure is printed at 100k and 1M objects, and their ratio.
#
#   bench upgrade-100k upgrade=0.52s plain-open=0.09s ratio=5.8 pages-read=3378 written=2942 check=...
#
# Each time is the median of 3 copies of the filled store: the wall time
# of the whole lispos-repl process (-e t), the upgrade's first open, then
# the plain second one.  pages-read= and written= are the store pages the
# upgrade paged in and wrote to (LISPOS_UPGRADE_PHASES): the same at both
# sizes when no user data is touched.  check= is what the upgraded store
# answers for the data and the last function.  Target: upgrade under 1 s.
set -euo pipefail
build=${LISPOS_BUILD:-build}
a="$build/upgrade/a/lispos-repl"
b="$build/upgrade/b/lispos-repl"
work=$(mktemp -d "${BENCH_DIR:-/tmp}/lispos-upgrade-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() { sort -g | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
seconds() {   # seconds COMMAND...: wall seconds of one run (output: $work/out)
    local start end
    start=$(date +%s%N)
    "$@" > "$work/out" 2>&1
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

fill() {   # fill STORE N: A fills STORE with N objects and 1,000 functions
    "$a" --store "$1" --size 4G -e t > /dev/null
    "$a" --store "$1" --user alice > "$work/fill.out" 2>&1 <<LISP
(defclass thing () ((a :initarg :a) (b :initform (list 1 2))))
(defvar *data*
  (let ((v (make-array $2)))
    (dotimes (i $2 v)
      (setf (aref v i)
            (case (mod i 3)
              (0 (make-instance 'thing :a i))
              (1 (cons i (format nil "s~d" i)))
              (t (format nil "string ~d" i)))))))
(dotimes (i 1000)
  (compile (intern (format nil "F~d" i))
           \`(lambda (x) (list ,i (upgrade-test:changed x)))))
(length *data*)
LISP
    grep -q ERROR "$work/fill.out" && { cat "$work/fill.out" >&2; exit 1; }
    return 0
}

last_upgrade=0
run() {   # run NAME N: prints the bench line, sets last_upgrade
    local name=$1 objects=$2 up=() plain=() store="$work/filled.store" pages=""
    fill "$store" "$objects"
    for round in 1 2 3; do
        cp --sparse=always "$store" "$work/copy.store"
        up+=("$(LISPOS_UPGRADE_PHASES=1 seconds "$b" --store "$work/copy.store" -e t)")
        pages=$(sed -n 's/^upgrade phase .*(\([0-9]*\) pages read, \([0-9]*\) written to.*: committed$/read=\1 written=\2/p' "$work/out")
        plain+=("$(seconds "$b" --store "$work/copy.store" -e t)")
    done
    local u p
    u=$(printf '%s\n' "${up[@]}" | median)
    p=$(printf '%s\n' "${plain[@]}" | median)
    # the upgraded store still answers for the data and the functions
    local check
    check=$("$b" --store "$work/copy.store" --user alice \
            -e '(list (length *data*) (f999 1))' 2>&1 | tail -1)
    echo "bench $name upgrade=${u}s plain-open=${p}s ratio=$(ratio "$u" "$p") pages-$pages check=$check"
    last_upgrade=$u
    rm -f "$store" "$work/copy.store"
}

run upgrade-100k 100000
small=$last_upgrade
run upgrade-1m 1000000
large=$last_upgrade
echo "bench upgrade-1m/upgrade-100k ratio=$(awk -v a="$large" -v b="$small" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') (1.0: the upgrade's time does not grow with the data)"
