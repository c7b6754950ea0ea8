#!/bin/sh
# ckpt survives SIGKILL of a real process writing to an O_DIRECT file
# (tests/crash/ckpt_kill.c), 20 rounds with a fresh seed (printed).
bin="${LISPOS_BUILD:-build}/tests/ckpt-kill"
seed=${CKPT_KILL_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
out=$("$bin" --rounds "${CKPT_KILL_ROUNDS:-20}" --seed "$seed" 2>&1)
status=$?
echo "1..1"
echo "$out" | sed 's/^/# /'
if [ $status -eq 0 ] && echo "$out" | tail -n 1 | grep -q '^kill-consistency: \([0-9]*\)/\1 recovered exactly$'; then
    echo "ok 1 - SIGKILL consistency, seed $seed"
else
    echo "not ok 1 - SIGKILL consistency, seed $seed (replay: $bin --seed $seed)"
fi
