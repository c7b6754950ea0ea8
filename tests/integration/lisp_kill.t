#!/bin/sh
# Lisp state across a SIGKILL (issue 4): a process killed in the middle of
# its work leaves the store as its last durable snapshot -- what the last
# process that exited normally made durable -- and the heap found there is
# whole (walked and checked by collections in GC stress mode).
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-kill-XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

is "a definition made durable by a normal exit" "$(printf 'KEPT\n*KEPT*\nKEPT')" \
   "$bin" --store "$store" --size 256M \
   -e '(defun kept (x) (list x (* x 2)))' -e '(defvar *kept* (kept 21))' -e "'kept"

# The victim: defines more, allocates and collects, then waits for input
# that never comes; it is killed while it waits.
mkfifo "$dir/in"
"$bin" --store "$store" > "$dir/out" 2>&1 < "$dir/in" &
pid=$!
exec 3> "$dir/in"
cat >&3 <<'EOF'
(defun lost () 'should-be-gone)
(setq *kept* 'overwritten)
(defun churn (n acc) (if (= n 0) (length acc) (churn (- n 1) (cons (make-string 10) acc))))
(churn 100000 nil)
(gc)
'waiting
EOF
for i in $(seq 1 100); do
    grep -q WAITING "$dir/out" 2>/dev/null && break
    sleep 0.1
done
n=$((n + 1))
if grep -q WAITING "$dir/out"; then echo "ok $n - the victim did its work"; else
    echo "not ok $n - the victim did its work"; sed 's/^/#   /' "$dir/out"; fi
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
exec 3>&-

is "after SIGKILL: the durable definition is there" "(21 42)" \
   "$bin" --store "$store" -e '(kept 21)'
is "the durable value too, not the killed process's" "(21 42)" \
   "$bin" --store "$store" -e '*kept*'
is "what the killed process did is gone" "NIL" \
   "$bin" --store "$store" -e "(fboundp 'lost)"
is "the heap is whole: collections verify it (GC stress)" "$(printf 'CHURN\n100000')" \
   env LISPOS_GC_STRESS=65536 "$bin" --store "$store" \
   -e '(defun churn (n acc) (if (= n 0) (length acc) (churn (- n 1) (cons (make-string 10) acc))))' \
   -e '(churn 100000 nil)'
is "and the store goes on: new work is kept" "CHURN" \
   "$bin" --store "$store" -e "(if (fboundp 'churn) 'churn 'none)"
echo "1..$n"
