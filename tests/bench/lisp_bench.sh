#!/bin/bash
# The Gabriel benchmarks (tests/bench/lisp/*.lisp), compiled, in LispOS and
# in three Common Lisps from Debian in the same run:
#
#   bench lisp-NAME ours=X.XXXs clisp=X.XXXs ecl=X.XXXs sbcl=X.XXXs user=X.XXXs
#   ...
#   bench lisp-geomean ours=... clisp=... ecl=... sbcl=... ratio-vs-clisp=R programs=N/M
#   bench lisp-user-env user=... ours=... ratio-user-vs-system=R
#
# Seconds, lower is better; ratio-vs-clisp = ours/clisp on the geometric
# means, taken over the N programs that every implementation completed with
# SBCL's answer.  A program an implementation cannot run shows NAME=n/a
# (for ours, the first error follows as a comment); an answer different
# from SBCL's appends MISMATCH.
#
# Each program defines its functions and RUN-BENCHMARK, which returns a
# checksum (iteration counts are chosen for about 1.5 s in CLISP).
#   sbcl   compile-file to a .fasl (native code), load it, then time
#          (run-benchmark) with GET-INTERNAL-REAL-TIME, BENCH_LISP_ROUNDS
#          times in the same process; the median is reported.
#   ecl    the same; ECL's compile-file goes through C and the system's C
#          compiler to a .fas shared object (native code).
#   clisp  the same; CLISP's compile-file makes a .fas of CLISP bytecode
#          (CLISP has no native compiler).
#   ours   lispos-repl has no clock and no LOAD yet: it reads the program
#          on stdin (each form is compiled to bytecode as it is read), in a
#          fresh store.  Its figure is the wall time of a process running
#          the program and then (run-benchmark), minus the wall time of a
#          process running the program alone (same fresh store, cold boot,
#          definitions and exit): medians of BENCH_LISP_ROUNDS alternating
#          runs of each.  It includes the exit snapshot of what the run
#          allocated (there is no collector yet, so all of it is live).
#
# user= is ours again, with the program compiled and run in a user's
# global environment (lispos-repl --user bench) instead of the system's:
# the cost of first-class environments, which should be none.
#
# Results are checked against SBCL's: the value each peer prints with
# PRIN1, and for ours the last line lispos-repl prints.
#
# Environment: LISPOS_BUILD (build/), BENCH_DIR (/tmp: scratch stores and
# fasls), BENCH_LISP_PROGRAMS (all), BENCH_LISP_ROUNDS (3),
# BENCH_LISP_TIMEOUT (300 s per process), BENCH_LISP_STORE_SIZE (32G,
# sparse; ours allocates without collecting).
# Missing peers (clisp, ecl, sbcl) are installed with apt-get when root or
# sudo allows; a peer that stays missing reports n/a.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${LISPOS_BUILD:-build}
repl="$build/lispos-repl"
programs=${BENCH_LISP_PROGRAMS:-fib tak takl ctak deriv div-iter destructive boyer browse}
rounds=${BENCH_LISP_ROUNDS:-3}
limit=${BENCH_LISP_TIMEOUT:-300}
store_size=${BENCH_LISP_STORE_SIZE:-32G}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/lispos-lisp-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
peers="clisp ecl sbcl"

if [ ! -x "$repl" ]; then
    echo "lisp-bench: $repl not found (make first, or set LISPOS_BUILD)" >&2
    exit 1
fi

# ---- peers: install what is missing (Debian packages of the same names) --
missing=""
for p in $peers; do command -v "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo="sudo -n"; }
    if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
        echo "lisp-bench: installing$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing; } >&2 ||
            echo "lisp-bench: could not install$missing" >&2
    else
        echo "lisp-bench: missing$missing (not root, no sudo): reported as n/a" >&2
    fi
fi

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# ---- a peer: compile, load, time (run-benchmark) ROUNDS times -----------
# Writes $work/IMPL-PROG.out; prints "SECONDS RESULT" or nothing on failure.
peer_run() {
    local impl=$1 prog=$2 ext=fas cmd
    [ "$impl" = sbcl ] && ext=fasl
    command -v "$impl" >/dev/null 2>&1 || return 0
    local drv="$work/$impl-$prog-driver.lisp" out="$work/$impl-$prog.out"
    {
        echo '(setq *print-pretty* nil)'
        echo '(defun %bench-run ()'
        echo '  (let* ((start (get-internal-real-time))'
        echo '         (result (run-benchmark))'
        echo '         (end (get-internal-real-time)))'
        echo '    (format t "~&RESULT ~S~%TIME ~,6F~%" result'
        echo '            (/ (- end start) (float internal-time-units-per-second 1d0)))))'
        echo '(handler-case'
        echo "    (progn (load (compile-file \"$here/lisp/$prog.lisp\""
        echo "                               :output-file \"$work/$impl-$prog.$ext\"))"
        for _ in $(seq "$rounds"); do echo '           (%bench-run)'; done
        echo '           (finish-output))'
        echo '  (error (c) (format t "~&ERROR ~A~%" c) (finish-output)))'
    } > "$drv"
    case $impl in
    sbcl)  cmd=(sbcl --script "$drv") ;;
    ecl)   cmd=(ecl --norc --shell "$drv") ;;
    clisp) cmd=(clisp -q -norc -on-error exit "$drv") ;;
    esac
    # From the scratch directory: ECL compiles through gcc with -I., and
    # the repository's gc/gc.h would shadow the Boehm GC header it needs.
    (cd "$work" && timeout "$limit" "${cmd[@]}" < /dev/null > "$out" 2>&1)
    local n result secs
    n=$(grep -c '^TIME ' "$out")
    [ "$n" = "$rounds" ] || return 0
    result=$(sed -n 's/^RESULT //p' "$out" | head -1)
    secs=$(sed -n 's/^TIME //p' "$out" | median)
    echo "$secs $result"
}

# ---- ours: wall time of program + (run-benchmark) minus program alone ----
# One run: prints the wall seconds; output in $2.
ours_once() {
    local input=$1 out=$2 store="$work/ours.store" t0 t1
    rm -f "$store"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    timeout "$limit" "$repl" --store "$store" --size "$store_size" $ours_flags \
        < "$input" > "$out" 2>&1
    echo "rc=$?" >> "$out"
    t1=$(date +%s%N)
    rm -f "$store"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }'
}

# Prints "SECONDS RESULT", or "n/a REASON".
ours_run() {
    local prog=$1
    local base="$work/ours-$prog-base.lisp" full="$work/ours-$prog-full.lisp"
    local out="$work/ours-$prog.out" t_base=() t_full=() last reason
    cp "$here/lisp/$prog.lisp" "$base"
    { cat "$base"; echo; echo '(run-benchmark)'; } > "$full"
    for _ in $(seq "$rounds"); do
        t_full+=("$(ours_once "$full" "$out")")
        last=$(grep -v '^rc=' "$out" | grep -v '^lispos warn' | tail -1)
        if grep -q '^rc=124' "$out"; then
            echo "n/a timed out after ${limit}s"; return
        fi
        if [ -z "$last" ] || [[ $last == ERROR:* ]]; then
            reason=$(grep -m1 '^ERROR:' "$out")
            echo "n/a ${reason:-no output ($(tail -1 "$out"))}"; return
        fi
        t_base+=("$(ours_once "$base" "$work/ours-$prog-base.out")")
    done
    awk -v f="$(printf '%s\n' "${t_full[@]}" | median)" \
        -v b="$(printf '%s\n' "${t_base[@]}" | median)" \
        'BEGIN { d = f - b; printf "%.6f ", (d > 0 ? d : 0) }'
    echo "$last"
}

fmt() {
    if [ "$1" = n/a ]; then echo n/a; else awk -v s="$1" 'BEGIN { printf "%.3fs", s }'; fi
}

declare -A T R
completed=()
ours_flags=""
total=0
for prog in $programs; do
    total=$((total + 1))
    ours_flags=""
    read -r secs res <<< "$(ours_run "$prog")"
    T[ours]=$secs R[ours]=$res
    ours_flags="--user bench"
    read -r secs res <<< "$(ours_run "$prog")"
    T[user]=$secs R[user]=$res
    for impl in $peers; do
        line=$(peer_run "$impl" "$prog")
        if [ -n "$line" ]; then
            T[$impl]=${line%% *} R[$impl]=${line#* }
        else
            T[$impl]=n/a R[$impl]=""
        fi
    done
    status="" all=1
    for impl in ours user $peers; do
        if [ "${T[$impl]}" = n/a ]; then
            all=0
        elif [ "${T[sbcl]}" != n/a ] && [ "${R[$impl]}" != "${R[sbcl]}" ]; then
            status="$status MISMATCH($impl: ${R[$impl]} vs sbcl: ${R[sbcl]})"
            all=0
        fi
    done
    [ "${T[ours]}" = n/a ] && status="$status # ours: ${R[ours]}"
    echo "bench lisp-$prog ours=$(fmt "${T[ours]}") clisp=$(fmt "${T[clisp]}")" \
         "ecl=$(fmt "${T[ecl]}") sbcl=$(fmt "${T[sbcl]}") user=$(fmt "${T[user]}")$status"
    [ "$all" = 1 ] && completed+=("${T[ours]} ${T[clisp]} ${T[ecl]} ${T[sbcl]} ${T[user]}")
done

if [ ${#completed[@]} -eq 0 ]; then
    echo "bench lisp-geomean ours=n/a clisp=n/a ecl=n/a sbcl=n/a ratio-vs-clisp=n/a programs=0/$total"
else
    printf '%s\n' "${completed[@]}" | awk -v total="$total" '
        { for (i = 1; i <= 5; i++) s[i] += log($i > 0.0005 ? $i : 0.0005) }
        END { for (i = 1; i <= 5; i++) g[i] = exp(s[i] / NR)
              printf "bench lisp-geomean ours=%.3fs clisp=%.3fs ecl=%.3fs sbcl=%.3fs ratio-vs-clisp=%.2f programs=%d/%d\n",
                     g[1], g[2], g[3], g[4], g[1] / g[2], NR, total
              printf "bench lisp-user-env user=%.3fs ours=%.3fs ratio-user-vs-system=%.2f\n",
                     g[5], g[1], g[5] / g[1] }'
fi
