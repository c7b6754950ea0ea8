#!/bin/sh
# The next release's fixture, checked between releases (docs/releasing.md
# step 5): tests/upgrade/fill/*.lisp run with this build into a new store
# as make_fixture.sh runs them (the administrator, then alice, then bob),
# and every line of tests/upgrade/checks.tsv holds on it.  A change that
# breaks a check fails here at once, not at the release.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
root="$(dirname "$0")/../.."
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-fill-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
for who in system alice bob; do
    set -- --store "$store" --size 64M
    [ "$who" = system ] || set -- "$@" --user "$who"
    "$repl" "$@" < "$root/tests/upgrade/fill/$who.lisp" > "$dir/$who.out" 2>&1
    value_is "fill/$who.lisp runs without an error" "" "0 0" \
        "$? $(grep -c '^ERROR' "$dir/$who.out")"
done
while IFS='	' read -r user form want; do
    case $user in ''|'#'*) continue ;; esac
    set -- --store "$store"
    [ "$user" = - ] || set -- "$@" --user "$user"
    value_is "$user: $form" "" "$want" \
        "$(timeout 60 "$repl" "$@" -e "$form" 2>&1 | tail -1)"
done < "$root/tests/upgrade/checks.tsv"
echo "1..$n"
