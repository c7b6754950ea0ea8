#!/bin/sh
# Crash consistency of ckpt against the SQLite oracle (tests/crash/ckpt_crash.c):
# 300 iterations with a fresh seed each run (printed, for replay with --seed).
# make soak runs many more.
bin="${LISPOS_BUILD:-build}/tests/ckpt-crash"
seed=${CKPT_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
out=$("$bin" --iterations "${CKPT_CRASH_ITERATIONS:-300}" --seed "$seed" 2>&1)
status=$?
echo "1..1"
echo "$out" | sed 's/^/# /'
if [ $status -eq 0 ] && echo "$out" | tail -n 1 | grep -q '^crash-consistency: \([0-9]*\)/\1 recovered exactly$'; then
    echo "ok 1 - crash consistency, seed $seed"
else
    echo "not ok 1 - crash consistency, seed $seed (replay: $bin --seed $seed)"
fi
