#!/bin/sh
# make_fixture.sh [BUILD] [--force]: the store fixture of this release
# (docs/releasing.md, docs/upgrade-design.md section 3), made with the
# programs of BUILD (default build/): a small store filled by
# tests/upgrade/fill/system.lisp (the administrator), then alice.lisp and
# bob.lisp (two users), written to tests/upgrade/releases/$(cat VERSION)/
# as store.xz (xz -9), manifest.tsv (a copy of tests/upgrade/checks.tsv,
# every check of which is run on the new store first and must hold) and
# README (the versions, the date, the command).  It refuses to replace a
# fixture that exists unless given --force: a release's fixture is made
# once, by that release.  tests/integration/upgrade_fixtures.t opens
# every fixture with the build under test.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build"
force=0
for arg in "$@"; do
    case $arg in
    --force) force=1 ;;
    -*) echo "usage: make_fixture.sh [BUILD] [--force]" >&2; exit 2 ;;
    *) build=$(cd "$arg" && pwd) ;;
    esac
done
repl="$build/lispos-repl"
disk="$build/lispos-disk"
case $build in
*/tsan|*/tsan/*)
    echo "make_fixture.sh: a TSAN build puts the region elsewhere; its" \
         "stores open only in TSAN builds: use a normal build" >&2
    exit 2 ;;
esac
for p in "$repl" "$disk"; do
    [ -x "$p" ] || { echo "make_fixture.sh: no $p (run make)" >&2; exit 2; }
done
release=$(cat "$root/VERSION")
case $release in
*-dev)
    echo "make_fixture.sh: $release is a development build; a fixture is" \
         "made by a release (docs/releasing.md: write the release into" \
         "VERSION first)" >&2
    exit 2 ;;
esac
out="$root/tests/upgrade/releases/$release"
if [ -e "$out" ] && [ "$force" = 0 ]; then
    echo "make_fixture.sh: $out exists; a release's fixture is made once" \
         "(--force to replace it)" >&2
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lispos-fixture-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
store="$tmp/store"
fill="$root/tests/upgrade/fill"

# ---- fill: the system first, then each user, each file on stdin ----
for who in system alice bob; do
    set -- --store "$store" --size 64M
    [ "$who" = system ] || set -- "$@" --user "$who"
    "$repl" "$@" < "$fill/$who.lisp" > "$tmp/$who.out" 2>&1 || {
        echo "make_fixture.sh: $who.lisp: lispos-repl failed:" >&2
        cat "$tmp/$who.out" >&2; exit 1; }
    if grep -q '^ERROR' "$tmp/$who.out"; then
        echo "make_fixture.sh: $who.lisp has errors:" >&2
        grep -A2 '^ERROR' "$tmp/$who.out" >&2
        exit 1
    fi
done
# a collection leaves the store compact before it is compressed
"$repl" --store "$store" -e '(gc)' > /dev/null

# ---- every check holds on a copy of the new store ----
cp --sparse=always "$store" "$tmp/check"
bad=0
while IFS='	' read -r user form want; do
    case $user in ''|'#'*) continue ;; esac
    set -- --store "$tmp/check"
    [ "$user" = - ] || set -- "$@" --user "$user"
    got=$("$repl" "$@" -e "$form" 2>&1 | tail -1)
    if [ "$got" != "$want" ]; then
        echo "make_fixture.sh: check fails: $user $form" >&2
        echo "  got:      $got" >&2
        echo "  expected: $want" >&2
        bad=1
    fi
done < "$root/tests/upgrade/checks.tsv"
[ "$bad" = 0 ] || exit 1

# ---- write the fixture ----
mkdir -p "$out"
xz -9 -T1 -c "$store" > "$tmp/store.xz"
mv "$tmp/store.xz" "$out/store.xz"
cp "$root/tests/upgrade/checks.tsv" "$out/manifest.tsv"
{
    echo "The store fixture of LispOS $release (docs/releasing.md)."
    echo
    echo "store.xz      a 64M store, xz -9: the system, alice and bob filled"
    echo "              by tests/upgrade/fill/*.lisp as they were at this"
    echo "              release"
    echo "manifest.tsv  its checks: USER<TAB>FORM<TAB>EXPECTED"
    echo
    echo "Made on $(date -u +%Y-%m-%d) by tests/upgrade/make_fixture.sh"
    echo "(make fixture), with the build that printed:"
    echo
    "$repl" --version | sed 's/^/    /'
    echo
    echo "lispos-disk describe of the store:"
    echo
    "$disk" describe "$store" | sed -e "/^path:/d" -e "s/^/    /"
} > "$out/README"
size=$(wc -c < "$out/store.xz")
echo "make_fixture.sh: wrote $out (store.xz: $size bytes)"
if [ "$size" -gt 1048576 ]; then
    echo "make_fixture.sh: warning: store.xz is over 1 MB" >&2
fi
