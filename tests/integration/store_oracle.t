#!/bin/sh
# The object store's queries against SQLite as the oracle (issue 19):
# tests/store/oracle.py puts a random dataset in a fresh store through
# lispos-repl and in an SQLite entity-attribute-value schema, runs 10,000
# random filters as alice, bob, carol and the administrator, and compares
# every answer (id lists, order included; counts; refusals).  A fresh seed
# each run, printed; LISPOS_ORACLE_SEED=N replays one.  docs/testing.md.
set -u
build="${LISPOS_BUILD:-build}"
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 is missing (conf/deps.txt lists it)"
    exit 0
fi
exec python3 "$(dirname "$0")/../store/oracle.py" --repl "$build/lispos-repl" \
    ${LISPOS_ORACLE_ENTRIES:+--entries "$LISPOS_ORACLE_ENTRIES"} \
    ${LISPOS_ORACLE_FILTERS:+--filters "$LISPOS_ORACLE_FILTERS"}
