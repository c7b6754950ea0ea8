#!/bin/sh
# The Lisp suites again under GC stress mode: lispos-repl collects at the
# first safepoint after every LISPOS_GC_STRESS bytes of allocation and
# verifies the whole heap after each collection.  make check uses a
# 1 KiB trigger (thousands of collections in bounded time); `make soak`
# runs the same suites with 1 (a collection after every allocation).
here=$(dirname "$0")
: "${LISPOS_GC_STRESS:=1024}"
export LISPOS_GC_STRESS
for suite in lisp_repl.t lisp_sbcl.t lisp_packages.t lisp_load.t lisp_envs.t lisp_conditions.t lisp_clos.t; do
    sh "$here/$suite" 2>&1
done | awk -v s="$LISPOS_GC_STRESS" '
    /^ok [0-9]/     { n++; sub(/^ok [0-9]+/, ""); print "ok " n $0 " [stress " s "]"; next }
    /^not ok [0-9]/ { n++; sub(/^not ok [0-9]+/, ""); print "not ok " n $0 " [stress " s "]"; next }
    /^#/            { print }
    END             { print "1.." n }'
