#!/bin/bash
# What first-class environments cost the Gabriel programs: CPU seconds
# (user time, the least of ROUNDS alternating runs, each a process on a
# fresh store: cold boot, definitions, (run-benchmark)) of lispos-repl in
# the system environment and in a user's (--user bench), and optionally
# of another lispos-repl built before environments existed:
#
#   tests/bench/lisp_env_cost.sh [OLD-LISPOS-REPL]
#   git worktree add /tmp/old 2eb3abb && make -C /tmp/old &&
#       tests/bench/lisp_env_cost.sh /tmp/old/build/lispos-repl
#
# BENCH_LISP_PROGRAMS picks programs (all), ROUNDS the runs (3).
# CPU time rather than wall time, so that other load on the machine
# matters less; docs/environments.md has the figures.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
new="${LISPOS_BUILD:-build}/lispos-repl"
old=${1:-}
rounds=${ROUNDS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/lispos-env-cost.XXXXXX")
trap 'rm -rf "$work"' EXIT

cpu() {   # cpu BINARY FLAGS...: user CPU seconds of one run
    local bin=$1; shift
    rm -f "$work/store"
    { /usr/bin/time -f "%U" "$bin" --store "$work/store" --size 8G "$@" \
        < "$work/run.lisp" > /dev/null; } 2>&1 | tail -1
}
least() { sort -g | head -1; }

for prog in ${BENCH_LISP_PROGRAMS:-fib tak takl ctak deriv div-iter destructive boyer browse}; do
    { cat "$here/lisp/$prog.lisp"; echo; echo '(run-benchmark)'; } > "$work/run.lisp"
    o=() s=() u=()
    for _ in $(seq "$rounds"); do
        [ -n "$old" ] && o+=("$(cpu "$old")")
        s+=("$(cpu "$new")")
        u+=("$(cpu "$new" --user bench)")
    done
    line="env-cost $prog system=$(printf '%s\n' "${s[@]}" | least)"
    line="$line user=$(printf '%s\n' "${u[@]}" | least)"
    [ -n "$old" ] && line="$line before=$(printf '%s\n' "${o[@]}" | least)"
    echo "$line"
done | tee "$work/lines"
awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += log(kv[2]); n[kv[1]]++ } }
     END { printf "env-cost geomean"; for (k in s) printf " %s=%.3f", k, exp(s[k] / n[k]); print "" }' \
    "$work/lines"
