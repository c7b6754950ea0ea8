#!/bin/sh
# layers.t -- the core's files call each other one way.
#
# Builds the file-level call graph of the core from its object files: nm
# says which file defines each global symbol and which files use it (a
# call, a function pointer taken, or a global read: any of them ties the
# two files).  A file is named by its path under build/obj without ".o"
# (ckpt/frames, lisp/runtime).  Then it checks the rules below, one test
# each; a failure names the files and the symbols that tie them.
#
# The rules, one a line ('#' starts a comment, except "# TODO"):
#
#   acyclic DIR            no circle among DIR's files
#   layers DIR A B / C / D E
#                          DIR's files in layers, lowest first: a file
#                          calls only files of DIR in lower layers, and
#                          every file of DIR is in a layer (a new file must
#                          be placed)
#   forbid FILE TARGET...  FILE calls none of the TARGETs
#
# FILE and TARGET are shell patterns over file names (lisp/compiler*).
# A rule ending in "# TODO reason" is one that does not hold yet: its
# failure is reported as TAP TODO (prove passes, and says so when it
# starts to hold, which is the moment to drop the TODO).
rules='
acyclic ckpt
layers ckpt state layout vtable safepoint / slots / side / frames snapshot writer / store
acyclic gc
acyclic drivers
forbid store/format lisp/* gc/* ckpt/* auth/*     # pure C over bytes
forbid drivers/* ckpt/* gc/* lisp/*
forbid ckpt/* gc/* lisp/*
forbid gc/* lisp/*
forbid lisp/runtime lisp/reader lisp/compiler* lisp/compile_* lisp/vm lisp/printer
forbid lisp/equal lisp/reader lisp/compiler* lisp/compile_* lisp/vm lisp/printer
forbid lisp/[!aoum]* lisp/api lisp/api_values
forbid lisp/[!o]* lisp/open
forbid lisp/[!ou]* lisp/upgrade
forbid lisp/[!o]* lisp/migrate
forbid drivers/* ckpt/* gc/* lisp/* store/* auth/*
forbid auth/* store/*
'
# The layers of ckpt are explained in ckpt/internal.h; the direction
# between directories is DESIGN.md's (lisp -> gc -> ckpt -> drivers).
# In lisp/, open.c (opening the system, the cold boot) is the top, then
# upgrade.c (the boot code run, at the cold boot or again into an existing
# heap) and migrate.c (the layout steps an upgrade runs, the Lisp ones
# under lo_protect), the embedding API (api.c, api_values.c: every entry point) is
# right under them and nothing below calls it, and the lowest files -- runtime.c
# (allocation, special variables) and equal.c -- call nothing of the
# reader, compiler, VM or printer.  The object store (store/) and the ACL
# part of auth/ sit above the Lisp: nothing below calls them, and auth/
# does not call the store that uses it.

set -u
set -f          # the rules' patterns are for case, not for the file system
obj="${LISPOS_BUILD:-build}/obj"
root=$(cd "$(dirname "$0")/../.." && pwd)   # the source tree
core_dirs="drivers ckpt gc lisp store auth"
work=$(mktemp -d "${TMPDIR:-/tmp}/lispos-layers-XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- the graph ---------------------------------------------------------

# files OUT: the core's files, one a line.  edges OUT: "FROM TO SYMBOL",
# one line per symbol FROM uses and TO defines (FROM != TO).
build_graph() {
    files_file=$1 edges_file=$2
    : > "$work/nm"
    set +f
    set --
    for d in $core_dirs; do
        for o in "$obj/$d"/*.o; do
            # An object whose source is gone (renamed, deleted) is stale.
            src="$root/${o#"$obj"/}"
            [ -f "$o" ] && [ -f "${src%.o}.c" ] && set -- "$@" "$o"
        done
    done
    set -f
    [ $# -gt 0 ] && nm -A -P "$@" > "$work/nm"    # one nm: forks are slow
    # nm -A -P: "build/obj/ckpt/frames.o: lo_ckpt_fault T 360 4d6".  Global
    # definitions are upper-case types other than U; U is a use.
    awk -v obj="$obj/" '
        function name(f) {
            f = substr(f, 1, length(f) - 1)         # the ":"
            f = substr(f, length(obj) + 1)
            sub(/\.o$/, "", f)
            return f
        }
        { f = name($1); files[f] = 1 }
        $3 == "U" { uses[f, $2] = 1; next }
        $3 ~ /^[A-TV-Z]$/ { def[$2] = f }
        END {
            for (f in files) print f > files_out
            for (k in uses) {
                split(k, p, SUBSEP)
                if ((p[2] in def) && def[p[2]] != p[1])
                    print p[1], def[p[2]], p[2] > edges_out
            }
        }' files_out="$work/files.u" edges_out="$work/edges.u" "$work/nm"
    sort "$work/files.u" > "$files_file"
    sort "$work/edges.u" > "$edges_file"
    rm -f "$work/files.u" "$work/edges.u"
}

# ---- the checks: each prints what breaks its rule, nothing if it holds --

# acyclic FILES EDGES DIR: each circle among DIR's files (a strongly
# connected set of two or more), with the calls that make it.
check_acyclic() {
    awk -v dir="$3/" '
        FNR == NR { if (index($1, dir) == 1) { n++; id[$1] = n; nm[n] = $1 }
                    next }
        ($1 in id) && ($2 in id) {
            a = id[$1]; b = id[$2]; r[a, b] = 1
            if (!((a, b) in why)) why[a, b] = $3
            else if (length(why[a, b]) < 60) why[a, b] = why[a, b] ", " $3
        }
        END {
            for (k = 1; k <= n; k++) for (i = 1; i <= n; i++)
                if ((i, k) in r) for (j = 1; j <= n; j++)
                    if ((k, j) in r) r[i, j] = 1
            for (i = 1; i <= n; i++) {
                if (done[i] || !((i, i) in r)) continue
                line = "circle:"
                for (j = i; j <= n; j++)
                    if (((i, j) in r) && ((j, i) in r)) {
                        done[j] = 1; member[j] = i; line = line " " nm[j]
                    }
                print line
                for (a = i; a <= n; a++) for (b = i; b <= n; b++)
                    if (member[a] == i && member[b] == i && ((a, b) in why))
                        print "  " nm[a] " -> " nm[b] " (" why[a, b] ")"
            }
        }' "$1" "$2"
}

# layers FILES EDGES DIR LAYER...: calls among DIR's files that do not go
# to a lower layer, files of DIR in no layer, files named but missing.
check_layers() {
    files=$1 edges=$2 dir=$3
    shift 3
    echo "$*" | awk -v dir="$dir/" '
        FILENAME == "-" {
            level = 1
            for (i = 1; i <= NF; i++)
                if ($i == "/") level++
                else { lv[dir $i] = level }
            next
        }
        FILENAME == files {
            if (index($1, dir) != 1) next
            have[$1] = 1
            if (!($1 in lv)) print $1 " is in no layer of the rule"
            next
        }
        ($1 in lv) && ($2 in lv) && lv[$2] >= lv[$1] {
            k = $1 " -> " $2
            if (!(k in why)) { order[++n] = k; why[k] = $3 }
            else if (length(why[k]) < 60) why[k] = why[k] ", " $3
        }
        END {
            for (i = 1; i <= n; i++)
                print order[i] " (" why[order[i]] "): not a lower layer"
            for (f in lv) if (!(f in have)) print f " is named but has no object"
        }' files="$files" - "$files" "$edges"
}

# forbid FILES EDGES FILE TARGET...: the calls from FILE to a TARGET.
check_forbid() {
    edges=$2 from=$3
    shift 3
    while read -r a b sym; do
        # shellcheck disable=SC2254
        case $a in $from) ;; *) continue ;; esac
        for t in "$@"; do
            # shellcheck disable=SC2254
            case $b in $t) echo "$a -> $b ($sym)"; break ;; esac
        done
    done < "$edges"
}

# ---- TAP -----------------------------------------------------------------

n=0
# report DESCRIPTION TODO OUTPUT-FILE: one test, passing when OUTPUT is empty
report() {
    n=$((n + 1))
    directive=""
    [ -n "$2" ] && directive=" # TODO $2"
    if [ -s "$3" ]; then
        echo "not ok $n - $1$directive"
        sed 's/^/#   /' "$3"
    else
        echo "ok $n - $1$directive"
    fi
}
# expect DESCRIPTION PATTERN OUTPUT-FILE: a self-test of a checker
expect() {
    n=$((n + 1))
    if grep -q -- "$2" "$3"; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; sed 's/^/#   got: /' "$3"; fi
}

# The checkers themselves, on a graph with a planted circle (a -> b -> c
# -> a; d calls a and is in none), so that this test cannot pass by
# finding nothing.
printf 'x/a\nx/b\nx/c\nx/d\n' > "$work/t.files"
printf 'x/a x/b f\nx/b x/c g\nx/c x/a h\nx/d x/a f\n' > "$work/t.edges"
check_acyclic "$work/t.files" "$work/t.edges" x > "$work/out"
expect "a planted circle is found" "^circle: x/a x/b x/c\$" "$work/out"
expect "its calls are named" "x/c -> x/a (h)" "$work/out"
check_layers "$work/t.files" "$work/t.edges" x a / b c / d > "$work/out"
expect "a call to a higher layer is found" "x/a -> x/b (f): not" "$work/out"
expect "a call within a layer is found" "x/b -> x/c (g): not" "$work/out"
check_layers "$work/t.files" "$work/t.edges" x a b c > "$work/out"
expect "a file in no layer is found" "x/d is in no layer" "$work/out"
check_forbid "$work/t.files" "$work/t.edges" 'x/[cd]' x/a > "$work/out"
expect "a forbidden call is found" "x/d -> x/a (f)" "$work/out"

build_graph "$work/files" "$work/edges"
n=$((n + 1))
if [ "$(grep -c '^ckpt/' "$work/files")" -ge 2 ] && [ -s "$work/edges" ]; then
    echo "ok $n - the call graph of the core: $(wc -l < "$work/files") files, $(wc -l < "$work/edges") uses"
else
    echo "Bail out! no call graph: no object files under $obj (make first)"
    exit 1
fi

echo "$rules" | while IFS= read -r line; do
    rule=${line%%#*}
    todo=""
    case $line in *"# TODO "*) todo=${line#*# TODO } ;; esac
    # shellcheck disable=SC2086
    set -- $rule
    [ $# -gt 0 ] || continue
    kind=$1
    shift
    case $kind in
    acyclic) check_acyclic "$work/files" "$work/edges" "$@" ;;
    layers) check_layers "$work/files" "$work/edges" "$@" ;;
    forbid) check_forbid "$work/files" "$work/edges" "$@" ;;
    *) echo "unknown rule: $kind" ;;
    esac > "$work/out"
    # shellcheck disable=SC2086
    report "$(echo $rule)" "$todo" "$work/out"
done > "$work/tap"
cat "$work/tap"
n=$((n + $(grep -c '^\(not \)\{0,1\}ok ' "$work/tap")))
echo "1..$n"
