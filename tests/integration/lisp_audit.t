#!/bin/sh
# The audit of what a user can reach (issue 17, docs/security.md): every
# function, macro, special operator and variable of the system's packages,
# as a fresh user sees them, against the reviewed list
# tests/lisp/user-reachable.txt.  A primitive or system definition added,
# removed or made SYSTEM shows here; after reviewing it (may any user call
# it?  can it read or change another user's state or the host's?), update
# the list:
#   build/lispos-repl --store /tmp/audit.store --user auditor \
#       < tests/lisp/audit-reachable.lisp | grep -E "$kinds" \
#       > tests/lisp/user-reachable.txt
# (on a new store each time; kinds as below).
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
here=$(cd "$(dirname "$0")/../lisp" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-audit-XXXXXX")
trap 'rm -rf "$dir"' EXIT

kinds='^(function|macro|special-operator|variable) '
echo "1..3"
timeout 120 "$bin" --store "$dir/store" --size 256M --user auditor \
    < "$here/audit-reachable.lisp" 2>"$dir/err.txt" | grep -E "$kinds" > "$dir/now.txt"
if [ -s "$dir/now.txt" ] && ! grep -q '^ERROR' "$dir/now.txt"; then
    echo "ok 1 - the audit ran as a fresh user ($(wc -l < "$dir/now.txt") bindings)"
else
    echo "not ok 1 - the audit ran as a fresh user"; sed 's/^/#   /' "$dir/err.txt" | head
fi
if diff -u "$here/user-reachable.txt" "$dir/now.txt" > "$dir/diff.txt"; then
    echo "ok 2 - what users reach is the reviewed list"
else
    echo "not ok 2 - what users reach is the reviewed list (review, then update it: see this script)"
    grep '^[-+][a-z]' "$dir/diff.txt" | head -40 | sed 's/^/#   /'
fi
# the privileged ones, which the review must keep privileged
for f in GC OPEN %DECLARE-USER-DEFAULTS %MAKE-EXTENSIBLE; do
    grep -q "::$f system\$" "$dir/now.txt" || { missing="$missing $f"; }
done
if [ -z "${missing:-}" ]; then
    echo "ok 3 - GC, OPEN and environment administration are the system's alone"
else
    echo "not ok 3 - not system-only:$missing"
fi
