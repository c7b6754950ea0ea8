#!/bin/sh
# The ckpt tests again on the mprotect fallback (LISPOS_VM=mprotect), so the
# path used where userfaultfd is unavailable keeps working.
b="${LISPOS_BUILD:-build}/tests"
export LISPOS_VM=mprotect LISPOS_LOG=off
n=0
run() {
    n=$((n + 1))
    if out=$("$@" 2>&1) && ! echo "$out" | grep -q '^not ok'; then
        echo "ok $n - $* (mprotect)"
    else
        echo "$out" | sed 's/^/# /'
        echo "not ok $n - $* (mprotect)"
    fi
}
run "$b/ckpt_basic.t"
run "$b/ckpt_paging.t"
run "$b/ckpt_threads.t"
run "$b/ckpt_release.t"
run "$b/ckpt_track.t"
run "$b/ckpt-crash" --iterations 60
echo "1..$n"
