#!/bin/sh
# The release and the version records on the command lines (issue 18):
# --version of lispos-repl and lispos-disk (the release of the VERSION
# file, the system code version, the layout version), --help mentions it,
# lispos-disk describe shows what a store made by lispos-repl records, and
# CHANGELOG.md has an entry for the release.  The refusal of a store of a
# newer layout, byte for byte untouched, is tests/unit/gc_versions.c's.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
disk="$build/lispos-disk"
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-versions-XXXXXX")
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/tap.sh"

release=$(cat "$root/VERSION")
system=$("$repl" --version | sed -n 's/^system code version \([0-9a-f]\{16\}\)$/\1/p')
# the layout version the source says (gc/heap.h), which the builds print
layout=$(sed -n 's/^#define LO_LAYOUT_VERSION \([0-9]*\)u$/\1/p' "$root/gc/heap.h")

status_is "lispos-repl --version exits 0" 0 "$repl" --version
is "lispos-repl --version: the release, the system code and layout versions" \
   "$(printf 'lispos-repl %s\nsystem code version %s\nlayout version %s' "$release" "$system" "$layout")" \
   "$repl" --version
is "the system code version is 16 hex digits" 16 sh -c "printf %s '$system' | wc -c"
is "lispos-repl --version needs no store" "lispos-repl $release" \
   sh -c "'$repl' --version | head -1"
is "lispos-repl --help mentions --version" 2 sh -c "'$repl' --help | grep -c -- --version"
status_is "lispos-disk --version exits 0" 0 "$disk" --version
is "lispos-disk --version says the same of its build" \
   "$(printf 'lispos-disk %s\nsystem code version %s\nlayout version %s' "$release" "$system" "$layout")" \
   "$disk" --version
status_is "lispos-disk --help mentions --version" 0 \
   sh -c "'$disk' --help | grep -q -- '--version'"
status_is "lispos-disk --help mentions describe" 0 \
   sh -c "'$disk' --help | grep -q 'lispos-disk describe PATH'"

"$disk" create "$dir/blank.img" 8M >/dev/null
is "describe a blank disk" "store:           none (a blank disk)" \
   sh -c "'$disk' describe '$dir/blank.img' | grep '^store:'"
"$repl" --store "$dir/s.img" --size 256M -e 1 >/dev/null
is "describe a store lispos-repl made: its three records, and that this build opens it" \
   "$(printf 'heap:            yes\nsystem version:  %s\nlayout version:  %s\nlast release:    %s\nthis build:      opens it as it is' "$system" "$layout" "$release")" \
   sh -c "'$disk' describe '$dir/s.img' | sed 1,2d"
status_is "describe shows the store's snapshot generation and pages" 0 \
   sh -c "'$disk' describe '$dir/s.img' | grep -q '^store:           generation 2, [0-9]* of [0-9]* pages\$'"
cp "$dir/s.img" "$dir/copy.img"
"$disk" describe "$dir/s.img" >/dev/null
status_is "describe writes nothing" 0 cmp -s "$dir/s.img" "$dir/copy.img"
printf 'not a store' | dd of="$dir/blank.img" conv=notrunc 2>/dev/null
status_is "describe a disk holding something else: exit 1" 1 "$disk" describe "$dir/blank.img"
case $release in
*-dev)  # between releases (docs/releasing.md): the changes so far
    is "a development build ($release): CHANGELOG.md has an Unreleased section" 1 \
       sh -c "grep -c '^## \\[Unreleased\\]\$' '$root/CHANGELOG.md'" ;;
*)  is "CHANGELOG.md has an entry for the release $release" 1 \
       sh -c "grep -c '^## \\[$release\\] - [0-9-]*\$' '$root/CHANGELOG.md'" ;;
esac
echo "1..$n"
