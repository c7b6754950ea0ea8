#!/bin/sh
# The differential test against SBCL: every form of every corpus file in
# tests/lisp/corpus-*.lisp is evaluated, in order, by SBCL and by
# lispos-repl on a fresh store; each line printed is one test, passing
# when both print the same line (errors compare as "ERROR"): a form's value,
# and before it any lines it wrote to standard output.  A form that
# differs is a failed test, never an excluded one.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
here=$(dirname "$0")/../lisp
if ! command -v sbcl >/dev/null 2>&1; then
    echo "1..0 # SKIP sbcl is not installed (make deps installs it)"
    exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-sbcl-XXXXXX")
trap 'rm -rf "$dir"' EXIT
n=0
for corpus in "$here"/corpus-*.lisp; do
    name=$(basename "$corpus" .lisp)
    # SBCL's lines, and for each the form it belongs to (the test names).
    sbcl --script "$here/sbcl-run.lisp" "$corpus" "$dir/$name.forms" \
        > "$dir/$name.sbcl" 2>/dev/null
    "$bin" --store "$dir/$name.store" --size 256M < "$corpus" 2>/dev/null |
        sed 's/^ERROR:.*/ERROR/' > "$dir/$name.ours"
    total=$(wc -l < "$dir/$name.sbcl")
    i=1
    while [ "$i" -le "$total" ]; do
        want=$(sed -n "${i}p" "$dir/$name.sbcl")
        got=$(sed -n "${i}p" "$dir/$name.ours")
        form=$(sed -n "${i}p" "$dir/$name.forms")
        n=$((n + 1))
        # printf, not echo: sh's echo would expand the \c of #\c
        if [ "$want" = "$got" ]; then
            printf 'ok %s - %s: %s\n' "$n" "$name" "$form"
        else
            printf 'not ok %s - %s: %s\n' "$n" "$name" "$form"
            printf '#   sbcl:   %s\n#   lispos: %s\n' "$want" "$got"
        fi
        i=$((i + 1))
    done
    extra=$(( $(wc -l < "$dir/$name.ours") - total ))
    if [ "$extra" -gt 0 ]; then
        n=$((n + 1))
        printf 'not ok %s - %s: lispos printed %s more lines than SBCL\n' \
            "$n" "$name" "$extra"
    fi
done
echo "1..$n"
