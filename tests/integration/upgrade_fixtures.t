#!/bin/sh
# The release fixtures (tests/upgrade/releases/*/, docs/releasing.md,
# docs/upgrade-design.md section 3): for each, the store (store.xz) is
# unpacked into a scratch directory, lispos-disk describe must show the
# release it is named after, and every check of its manifest.tsv
# (USER<TAB>FORM<TAB>EXPECTED, USER "-" for the system) is run by
# lispos-repl --store COPY [--user USER] -e FORM on that copy, in order,
# and the last line printed must be EXPECTED.  The first open upgrades
# the store in place when its system code or layout is older (issue 18):
# it must then say so in one line on stderr and succeed; every later
# open, and every check, runs on the upgraded store, and opens it as it
# is.  A release that cannot open an older release's fixture does not
# ship (docs/releasing.md).
# A TSAN build places the region elsewhere and cannot open these stores:
# skipped.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
disk="$build/lispos-disk"
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/tap.sh"

skip_if_tsan "$build"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-fixtures-XXXXXX")
trap 'rm -rf "$dir"' EXIT

# Every check of a fixture's manifest on the store: manifest LABEL FIXTURE
# STORE.
manifest() {
    label=$1 checks=$2/manifest.tsv on=$3
    while IFS='	' read -r user form want; do
        case $user in ''|'#'*) continue ;; esac
        set -- --store "$on"
        [ "$user" = - ] || set -- "$@" --user "$user"
        got=$(timeout 60 "$repl" "$@" -e "$form" 2>&1 | tail -1)
        value_is "$label: $user: $form" "" "$want" "$got"
    done < "$checks"
}

fixtures=0
for fixture in "$root"/tests/upgrade/releases/*/; do
    [ -f "$fixture/store.xz" ] || continue
    fixtures=$((fixtures + 1))
    release=$(basename "$fixture")
    store="$dir/$release.store"
    # cp reads the pipe and leaves the zeros as holes
    # shellcheck disable=SC2216
    xz -dc "$fixture/store.xz" | cp --sparse=always /dev/stdin "$store"
    is "$release: the fixture unpacks to a store of release $release" \
       "last release:    $release" \
       sh -c "'$disk' describe '$store' | grep '^last release:'"
    # this build opens it: as it is, or upgrading it (one line on stderr)
    decision=$("$disk" describe "$store" | sed -n 's/^this build: *//p')
    "$repl" --store "$store" -e t > "$dir/open.out" 2> "$dir/open.err"
    value_is "$release: this build opens it ($decision)" "" "0 T" \
          "$? $(tail -1 "$dir/open.out")"
    case $decision in
    would\ upgrade*)
        value_is "$release: the open upgrades it, saying so in one line" "" yes \
              "$(grep -q "^lispos-repl: .*: upgraded from $release (system [0-9a-f]*, layout [0-9]*) to .* in [0-9.]* s\$" "$dir/open.err" &&
                 [ "$(wc -l < "$dir/open.err")" -eq 1 ] && echo yes)"
        echo "# $(cat "$dir/open.err")" ;;
    *)  value_is "$release: the open is silent" "" "" "$(cat "$dir/open.err")" ;;
    esac
    is "$release: then this build opens it as it is" \
       "this build:      opens it as it is" \
       sh -c "'$disk' describe '$store' | grep '^this build:'"
    manifest "$release" "$fixture" "$store"
    # The heap root's fields added since (the count of full collections,
    # the crossing map young collections walk old pages with) read as
    # zeros in a store made before them.  On a second copy of the
    # fixture, young collections right after its upgrade -- stress mode
    # runs them, three in four, the heap verified after each -- make the
    # map and keep it in the store; then every check of the manifest on
    # that copy (its checks change state: a copy of its own).
    young="$dir/$release.young.store"
    # shellcheck disable=SC2216
    xz -dc "$fixture/store.xz" | cp --sparse=always /dev/stdin "$young"
    value_is "$release: young collections on the upgraded old store" "" T \
        "$(LISPOS_GC_STRESS=65536 "$repl" --store "$young" -e '(let ((l nil)) (dotimes (i 20000) (push (list i) l)) (gc) (dotimes (i 20000) (push (list i) l)) (= (length l) 40000))' 2>&1 | tail -1)"
    manifest "$release (after young collections)" "$fixture" "$young"
    rm -f "$young"
    # what this build adds works in the upgraded store too, whatever the
    # fixture's store holds already: the object store's API, whose names
    # the old boot code used for its own symbols (GROUPS, ENTRY): they
    # give way to the new exports
    value_is "$release: the store's API after the upgrade" "" \
        "(T T \"LISPOS\")" \
        "$("$repl" --store "$store" -e '(list (integerp (entry-id (store-put 1 :name "x"))) (progn (make-group "newgroup") (and (member "newgroup" (mapcar (function car) (groups)) :test (function equal)) t)) (package-name (symbol-package (quote groups))))' 2>&1 | tail -1)"
    # the live queries' look at a whole result (a group changed), new in
    # 0.4.0's boot code, reads the upgraded store as a user's query does
    value_is "$release: a watch's recheck reads the upgraded store" "" T \
        "$("$repl" --store "$store" --user alice -e '(equal (lispos-internal::%wire-watch-ids t) (mapcar (function entry-id) (directory-entries (store-query t))))' 2>&1 | tail -1)"
    # store.query's summary and newest-first order, and admin.acl-show,
    # new in 0.4.0's boot code (the clients use them), on the upgraded store
    value_is "$release: store.query's summary and descending order" "" T \
        "$("$repl" --store "$store" --user alice -e '(let ((q (cdr (lispos-internal::%wire-query "t" :descending nil nil t)))) (and (equal (mapcar (function car) q) (reverse (mapcar (function entry-id) (directory-entries (store-query t))))) (every (lambda (e) (stringp (third e))) q)))' 2>&1 | tail -1)"
    value_is "$release: admin.acl-show reads an entry's ACL" "" T \
        "$("$repl" --store "$store" -e '(let ((m (lispos-internal::%wire-acl-show (entry-id (store-put "a" :acl (list (list "bob" 1))))))) (equal (cdr (second (member "acl" m :test (function equal)))) (list (list "bob" 1))))' 2>&1 | tail -1)"
    value_is "$release: a user reads the store's API too" "" '(T "PODCAST")' \
        "$("$repl" --store "$store" --user alice -e '(list (integerp (store-count t)) (handler-case (store-put 1 :category :podcast) (store-error () "PODCAST")))' 2>&1 | tail -1)"
done
is "there is at least one fixture (0.1.0)" yes \
   sh -c "[ $fixtures -ge 1 ] && echo yes"
echo "1..$n"
