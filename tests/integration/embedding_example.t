#!/bin/sh
# The example program of docs/embedding.md, extracted from the document
# and built by make (build/tests/embedding-example): run twice on a fresh
# store, it greets from Lisp with a count kept under its named root, and
# reports an error with its backtrace and a limit as the API describes
# them.
set -u
bin="${LISPOS_BUILD:-build}/tests/embedding-example"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-example-XXXXXX")
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/tap.sh"

"$bin" "$dir/store" ada > "$dir/first" 2>&1
first=$?
"$bin" "$dir/store" ada > "$dir/second" 2>&1
second=$?
line() { sed -n "$1p" "$2"; }

is "the first run exits 0" "0" echo "$first"
is "it greets from Lisp" "Hello, ada: visit number 1." line 1 "$dir/first"
is "an error: its kind, type and message" \
   "failed (error): DIVISION-BY-ZERO: /: division by zero" line 2 "$dir/first"
is "... and its backtrace" "0: (AVERAGE NIL)" line 4 "$dir/first"
is "a runaway call: stopped by its limit" \
   "failed (limit): RESOURCE-EXHAUSTED: the evaluation took more than 100000 VM steps" \
   line 5 "$dir/first"
is "the second run exits 0" "0" echo "$second"
is "the count kept under the named root goes on" \
   "Hello, ada: visit number 2." line 1 "$dir/second"
echo "1..$n"
