#!/bin/sh
# Capabilities (docs/lisp.md "Capabilities"): the checks of
# tests/lisp/caps.lisp -- every write path refused on read-only vectors,
# strings, byte vectors, hash tables and streams, every read path without
# the read bit, every way of calling a function without the call bit,
# identity ignoring the bits, nothing forging a bit back, the collector
# keeping them -- run in one process, then again with a collection after
# every allocation (LISPOS_GC_STRESS), and in a user's environment
# (docs/environments.md); then what holds across
# processes: restricted objects stay restricted after a restart, and a
# restricted function in the cell of an in-line primitive (CAR) is
# refused too.
set -u
bin="${LISPOS_BUILD:-build}/lispos-repl"
checks=$(dirname "$0")/../lisp/caps.lisp
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-caps-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

# run_checks LABEL [ENV...]: the checks file, each line it writes a test
# ($user_args: more arguments for lispos-repl)
user_args=""
run_checks() {
    label=$1
    shift
    rm -f "$dir/checks.store"
    # shellcheck disable=SC2086
    env "$@" "$bin" --store "$dir/checks.store" $user_args < "$checks" > "$dir/out" 2>&1
    grep -E '^(ok|not ok) - ' "$dir/out" > "$dir/lines"
    while IFS= read -r line; do
        n=$((n + 1))
        case $line in
        "ok - "*) printf 'ok %s - %s%s\n' "$n" "$label" "${line#ok - }" ;;
        *) printf 'not ok %s - %s%s\n' "$n" "$label" "${line#not ok - }" ;;
        esac
    done < "$dir/lines"
    want=$(grep -c '^(\(denied\|same\|holds\|fails\) ' "$checks")
    got=$(wc -l < "$dir/lines")
    n=$((n + 1))
    if [ "$got" -eq "$want" ]; then
        echo "ok $n - ${label}all $want checks ran"
    else
        echo "not ok $n - ${label}all $want checks ran (only $got)"
        grep -E '^ERROR' "$dir/out" | head -3 | sed 's/^/#   /'
    fi
}

run_checks ""
run_checks "under GC stress: " LISPOS_GC_STRESS=1
user_args="--user alice"
run_checks "in a user's environment: "
user_args=""

# ---- across a restart: the bits are in the heap, with the objects ----
is "restricted objects are stored" "$(printf '*RO*\n*WO*\n*FN*\n*HT*\n*BOX*')" \
   "$bin" --store "$store" \
   -e '(defvar *ro* (restrict (vector 1 2 3) 1))' \
   -e '(defvar *wo* (restrict (copy-seq "secret") 2))' \
   -e '(defvar *fn* (restrict (lambda (x) (* x 2)) 3))' \
   -e '(defvar *ht* (restrict (let ((h (make-hash-table))) (setf (gethash 1 h) 2) h) 1))' \
   -e '(defvar *box* (vector *ro* *fn*))'
is "after a restart, the access bits are the same" "(1 2 3 1 1 3 15)" \
   "$bin" --store "$store" -e '(list (access-bits *ro*) (access-bits *wo*)
      (access-bits *fn*) (access-bits *ht*) (access-bits (svref *box* 0))
      (access-bits (svref *box* 1)) (access-bits *box*))'
is "after a restart, a read-only vector is still read-only" \
   "ERROR: ACCESS-DENIED: (SETF AREF): no write access to this vector" \
   "$bin" --store "$store" -e '(setf (aref *ro* 0) 0)'
is "after a restart, a string without read still shows nothing" \
   "$(printf '#<STRING, not readable>\nERROR: ACCESS-DENIED: CHAR: no read access to this string')" \
   "$bin" --store "$store" -e '*wo*' -e '(char *wo* 0)'
is "after a restart, a function without call is still refused" \
   "ERROR: ACCESS-DENIED: FUNCALL: no call access to this function" \
   "$bin" --store "$store" -e '(funcall (svref *box* 1) 1)'
is "after a restart, a read-only hash table is still read-only" \
   "$(printf '2\nERROR: ACCESS-DENIED: REMHASH: no write access to this hash table')" \
   "$bin" --store "$store" -e '(gethash 1 *ht*)' -e '(remhash 1 *ht*)'
is "after a collection and a restart, the same" "$(printf '(1 3)\n(1 3)')" \
   "$bin" --store "$store" -e '(progn (gc) (list (access-bits *ro*) (access-bits *fn*)))' \
   -e '(list (access-bits (svref *box* 0)) (access-bits (svref *box* 1)))'
is "and nothing was changed" "#(1 2 3)" "$bin" --store "$store" -e '*ro*'

# ---- the in-line primitives check the cell's function's call bit ----
is "CAR's cell holding a CAR without call: refused, in line or not" \
   "$(printf '#<FUNCTION CAR>\nFIRST-OF\nERROR: ACCESS-DENIED: FUNCALL: no call access to this function')" \
   "$bin" --store "$dir/inline.store" \
   -e "(setf (symbol-function 'car) (restrict #'car 3))" \
   -e "(defun first-of (x) (car x))" -e "(first-of '(1 2))"

# ---- an unhandled violation is reported, and the REPL goes on ----
n=$((n + 1))
got=$(printf '(fill (restrict (vector 1) 1) 0)\n(+ 1 2)\n' |
      "$bin" --store "$dir/report.store" 2>&1)
# (a backtrace may follow the error line)
if [ "$(echo "$got" | head -1)" = "ERROR: ACCESS-DENIED: FILL: no write access to this vector" ] &&
   [ "$(echo "$got" | tail -1)" = 3 ]; then
    echo "ok $n - an unhandled violation is an error report; the REPL goes on"
else
    echo "not ok $n - an unhandled violation is an error report; the REPL goes on"
    echo "#   got: $got"
fi

echo "1..$n"
