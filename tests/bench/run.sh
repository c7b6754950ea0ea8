#!/bin/bash
# make bench: each figure measured side by side with its peer in this run,
# printed as "bench NAME ours=... PEER=... ratio=..." (ratio = ours/peer for
# throughput).  Every figure is the median of 3 alternating runs.
#
# Disk (issue 2): the file driver against dd on the same file, O_DIRECT on
# both sides.
#   disk-seq-write      1 MiB writes, ours 8 in flight via io_uring, dd
#                       oflag=direct; both end with fdatasync.  MB/s.
#   disk-rand-read-4k   4 KiB reads at random offsets, ours 32 in flight.
#                       dd has no random mode: its figure is 4 KiB
#                       iflag=direct reads in sequence (its best case).
#   disk-rand-read-4k-qd1  the same with ours one at a time, like dd.
#   disk-seq-read-4k-qd1   ours doing exactly what dd does: 4 KiB reads in
#                       sequence, one at a time (the like-for-like figure).
# BENCH_DIR (default /tmp) holds the scratch file; BENCH_DISK_MB its size.
#
# ckpt (issue 3), on a 4.5 GiB sparse scratch file (ckpt_bench.c): write
# faults, page-ins, flip stalls at 1k/64k/256k dirty pages, open time of a
# 1 GiB store, and snapshot flush throughput (256k dirty pages = 1 GiB,
# flip to durable) beside dd writing 1 GiB to the same file (1 MiB blocks,
# O_DIRECT, fdatasync).
#
# Fault mechanisms: cost of a first write to a write-protected page by
# mprotect+SIGSEGV and by userfaultfd (SIGBUS mode), and the mappings each
# leaves behind (fault_bench.c).
#
# gc: the pause of a full collection with 100 and 500 MB live, with 100 MB
# live beside 200 MB of large objects (not copied: the pause should not grow
# with them), and, after a snapshot, the pause and what the next snapshot
# writes (gc_bench.c).
#
# The embedding API: what entering the Lisp from C costs (api_bench.c).
#
# The upgrade in place (issue 18): its time beside a plain open, at 100k
# and 1M user objects (upgrade_bench.sh).
#
# The object store (issue 19) beside SQLite (store_bench.c, whose header
# says exactly what each line measures), on BENCH_STORE_N entries (default
# 1,000,000) of a realistic mix generated alike on both sides; ours through
# the Lisp API (STORE-QUERY, STORE-GET ... evaluated as the user "bench"),
# SQLite from C with prepared statements and the indexes a careful user
# makes.  Times are CPU time of the process, except the restart's and the
# snapshot's (wall).  ratio = SQLite's time / ours (above 1: we are
# faster); target= the ratio aimed at (10 on indexed lines), or a time.
#   store-insert        entries/s, the store's puts vs INSERTs in one
#                       transaction (both with their indexes, neither made
#                       durable)
#   store-equality      (= :genre :jazz)
#   store-membership    (in :category :book :music :movie)
#   store-range-date    (overlaps :date (date 2013)); until the tree has
#                       dates: store-range-year-as-date, (between :year 2010
#                       2014) on an ordered :year index
#   store-range-number  (between :rating 2.0 2.5), ordered :rating index
#   store-conjunction   (and (= :genre :jazz) (= :language :french)
#                       (between :year 1990 1999)); SQLite joins lang
#   store-substring     (contains :name "garden") vs LIKE '%garden%'
#   store-satisfies     a Lisp predicate on two attributes called on every
#                       entry vs the same expression in SQL (a full scan)
#   store-full-scan     (content-contains "zz") vs instr(object, 'zz'): the
#                       objects of every entry searched; target 100 ms
#   store-get           STORE-GET of a random id and its :name, per call
#                       (by id: no indexed line, target 1)
#   store-bytes-per-entry  heap bytes live per entry vs SQLite's file
#   store-snapshot      the snapshot that makes the loaded store durable
#   store-restart       close and reopen (after that snapshot) and one
#                       STORE-GET: pages-read= must stay small (demand
#                       paging), of= the store's pages
# A line "bench store-NAME FAIL: ..." says the two sides' answers differ.
# Each field is the median of BENCH_STORE_RUNS (default 3) runs of the
# program (each query line is itself the median of 3 rounds).
#
# The server (issue 20) beside redis-server, both over TLS
# (server_bench.sh).
#
# Lisp (issue 4): the Gabriel programs in LispOS beside CLISP, ECL and SBCL
# (lisp_bench.sh, last).
set -euo pipefail
build=${LISPOS_BUILD:-build}
dir=${BENCH_DIR:-/tmp}
mb=${BENCH_DISK_MB:-512}
file="$dir/lispos-bench-$$.img"
ckpt_file="$dir/lispos-ckpt-bench-$$.img"
gc_file="$dir/lispos-gc-bench-$$.img"
trap 'rm -f "$file" "$ckpt_file" "$gc_file"' EXIT
bench="$build/bench/disk_bench"

median() { sort -g | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# dd's MB/s from its own summary line: "N bytes (...) copied, S s, ..."
dd_mbps() {
    "$@" 2>&1 | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "copied,") s = $(i+1);
                                 printf "%.1f\n", $1 / s / 1e6 }'
}

seq_ours=() seq_dd=() rr_ours=() rr_dd=() rr1_ours=() sr1_ours=()
reads=$((64 * 1024 * 1024))
for round in 1 2 3; do
    seq_dd+=("$(dd_mbps dd if=/dev/zero of="$file" bs=1M count="$mb" oflag=direct conv=fdatasync,notrunc)")
    seq_ours+=("$("$bench" seq-write "$file" "${mb}M" 1M 8)")
    rr_dd+=("$(dd_mbps dd if="$file" of=/dev/null bs=4K count=$((reads / 4096)) iflag=direct)")
    rr_ours+=("$("$bench" rand-read "$file" "$reads" 4K 32)")
    rr1_ours+=("$("$bench" rand-read "$file" "$reads" 4K 1)")
    sr1_ours+=("$("$bench" seq-read "$file" "$reads" 4K 1)")
done

a=$(printf '%s\n' "${seq_ours[@]}" | median); b=$(printf '%s\n' "${seq_dd[@]}" | median)
echo "bench disk-seq-write ours=${a}MB/s dd=${b}MB/s ratio=$(ratio "$a" "$b")"
a=$(printf '%s\n' "${rr_ours[@]}" | median); b=$(printf '%s\n' "${rr_dd[@]}" | median)
echo "bench disk-rand-read-4k ours=${a}MB/s dd=${b}MB/s ratio=$(ratio "$a" "$b")"
a=$(printf '%s\n' "${rr1_ours[@]}" | median)
echo "bench disk-rand-read-4k-qd1 ours=${a}MB/s dd=${b}MB/s ratio=$(ratio "$a" "$b")"
a=$(printf '%s\n' "${sr1_ours[@]}" | median)
echo "bench disk-seq-read-4k-qd1 ours=${a}MB/s dd=${b}MB/s ratio=$(ratio "$a" "$b")"

# ckpt: the store's own figures, then its snapshot writing beside dd.
ckpt_out=$("$build/bench/ckpt_bench" "$ckpt_file")
echo "$ckpt_out"
ours=$(echo "$ckpt_out" | sed -n 's/^bench ckpt-snapshot-write.*MB\/s=\([0-9.]*\).*/\1/p')
dd_runs=()
for round in 1 2 3; do
    dd_runs+=("$(dd_mbps dd if=/dev/zero of="$ckpt_file" bs=1M count=1024 oflag=direct conv=fdatasync,notrunc)")
done
b=$(printf '%s\n' "${dd_runs[@]}" | median)
echo "bench ckpt-snapshot-flush ours=${ours}MB/s dd=${b}MB/s ratio=$(ratio "$ours" "$b")"
rm -f "$ckpt_file"

# Fault mechanisms (the measurements behind ckpt's choice; docs/ckpt.md).
"$build/bench/fault_bench" 65536

# The collector (docs/gc.md).
"$build/bench/gc_bench" "$gc_file" 100 500 100:200 0:200 snapshot:100
rm -f "$gc_file"

# Entering the Lisp from C (docs/embedding.md): the protected call, a
# handle, a call by name, a text evaluation (api_bench.c), in CPU time.
"$build/bench/api_bench"

# The upgrade in place (issue 18): variant build B upgrading a store A
# filled with 100k and 1M user objects, beside B's plain open of it.
LISPOS_BUILD="$build" "$(dirname "$0")/upgrade_bench.sh"

# The object store beside SQLite (store_bench.c): each field of each line
# the median over the runs; FAIL lines of any run are passed on.
store_runs=()
for round in $(seq "${BENCH_STORE_RUNS:-3}"); do
    store_runs+=("$(nice "$build/bench/store_bench")")
done
printf '%s\n' "${store_runs[@]}" | awk '
    $1 == "bench" && $3 ~ /^FAIL/ { if (!($0 in failed)) { failed[$0] = 1; fails[++nfails] = $0 } next }
    $1 == "bench" {
        name = $2
        if (!(name in runs)) { order[++n] = name; fields[name] = NF }
        r = ++runs[name]
        for (i = 3; i <= NF; i++) {
            eq = index($i, "=")
            key[name, i] = substr($i, 1, eq - 1)
            text[name, i, r] = substr($i, eq + 1)
        }
    }
    END {
        for (j = 1; j <= n; j++) {
            name = order[j]; line = "bench " name
            delete med
            for (i = 3; i <= fields[name]; i++) {
                m = runs[name]
                for (a = 1; a <= m; a++) v[a] = text[name, i, a]
                for (a = 2; a <= m; a++)            # insertion sort, numerically
                    for (b = a; b > 1 && v[b - 1] + 0 > v[b] + 0; b--) {
                        t = v[b]; v[b] = v[b - 1]; v[b - 1] = t
                    }
                med[key[name, i]] = v[int((m + 1) / 2)]
            }
            # the ratio of the medians: SQLite / ours, or ours / SQLite
            # for rates (entries/s)
            if (("ratio" in med) && med["ours"] + 0 > 0 && med["sqlite"] + 0 > 0) {
                if (med["ours"] ~ /\/s$/)
                    r = med["ours"] / med["sqlite"]
                else
                    r = med["sqlite"] / med["ours"]
                med["ratio"] = sprintf("%.2f", r)
            }
            for (i = 3; i <= fields[name]; i++)
                line = line " " key[name, i] "=" med[key[name, i]]
            print line
        }
        for (j = 1; j <= nfails; j++) print fails[j]
    }'

# lispos-server beside redis-server over TLS (issue 20): server_bench.sh
# says what each line measures.
LISPOS_BUILD="$build" "$(dirname "$0")/server_bench.sh"

# Gabriel benchmarks (issue 4): Lisp programs compiled in LispOS beside
# CLISP, ECL and SBCL; tests/bench/lisp_bench.sh says how each is timed.
LISPOS_BUILD="$build" timeout "${BENCH_LISP_TOTAL_TIMEOUT:-3600}" "$(dirname "$0")/lisp_bench.sh"
