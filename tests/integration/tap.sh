# tap.sh -- what the shell TAP tests share: sourced, not run (prove runs
# only the *.t files).
#
#   . "$(dirname "$0")/tap.sh"
#   is "(+ 1 2) prints 3" "3" build/lispos-repl --store "$store" -e '(+ 1 2)'
#   status_is "an error exits 1" 1 build/lispos-repl --store "$store" -e '(car 1)'
#   echo "1..$n"
n=0
# A failure's lines go to stderr too, so that a log of make check (prove
# shows only stderr) says what failed; a test with a random seed sets
# tap_note to the line replaying it, printed there with its first failure.
tap_note=""
tap_failed() {
    for line in "$@"; do echo "$line"; echo "$line" >&2; done
    [ -n "$tap_note" ] && echo "# $tap_note" >&2
    tap_note=""
}
is() {   # is NAME EXPECTED COMMAND...: stdout of the command equals EXPECTED
    name=$1; want=$2; shift 2
    n=$((n + 1))
    got=$("$@" 2>/dev/null)
    if [ "$got" = "$want" ]; then echo "ok $n - $name"; else
        tap_failed "not ok $n - $name" "#   got: $got" "#   expected: $want"; fi
}
# value_is NAME TODO EXPECTED GOT: one test of a value already computed; a
# non-empty TODO marks it TODO (what is not built yet: prove passes it)
value_is() {
    n=$((n + 1))
    directive=""
    [ -n "$2" ] && directive=" # TODO $2"
    if [ "$4" = "$3" ]; then echo "ok $n - $1$directive"; elif [ -n "$2" ]; then
        echo "not ok $n - $1$directive"
        echo "#   got: $4"; echo "#   expected: $3"
    else
        tap_failed "not ok $n - $1$directive" "#   got: $4" "#   expected: $3"; fi
}
status_is() {   # status_is NAME CODE COMMAND...
    name=$1; want=$2; shift 2
    n=$((n + 1))
    "$@" >/dev/null 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then echo "ok $n - $name"; else
        tap_failed "not ok $n - $name (exit $got, wanted $want)"; fi
}
# skip_if_tsan BUILD: a TSAN build places the heap's region elsewhere and
# cannot open the stores a normal build made (the release fixtures, the
# variant builds' stores): the whole test is skipped there
skip_if_tsan() {
    case $1 in
    */tsan|*/tsan/*)
        echo "ok 1 # SKIP a TSAN build places the region elsewhere"
        echo "1..1"
        exit 0 ;;
    esac
}
