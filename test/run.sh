#!/usr/bin/env bash
# test/run.sh — the whole test suite: C unit tests of the core, pg_regress
# suites (sql/, expected/), pgTAP suites (test/pgtap/) and client tests
# (test/client/: a BI driver over TCP, pg_dump/pg_restore) against a throwaway
# PostgreSQL cluster.  Installs missing Debian packages first.  Ends with one
# line "N passed, N failed" over all suites; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

ensure_packages
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== build and install"
build_and_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== C unit tests (cmocka)"
make -s unit-build >/dev/null 2>"$log/unit-build.err" || { cat "$log/unit-build.err"; echo "0 passed, 1 failed"; exit 1; }
unit_pass=0 unit_fail=0 unit_skip=0
for t in test/unit/build/test_*; do
    [ -x "$t" ] || continue
    CL_CDNOW_FILE=../shared/data/cdnow/CDNOW_sample.txt "./$t" > "$log/one.out" 2>&1
    rc=$?
    cat "$log/one.out" | tee -a "$log/unit.out"
    p=$(grep -c '^\[       OK \]' "$log/one.out" || true)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log/one.out" | head -1)
    k=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' "$log/one.out" | head -1)
    f=${f:-0}
    # a binary that crashed or failed without cmocka's summary is one failure
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    unit_pass=$((unit_pass + p)); unit_fail=$((unit_fail + f)); unit_skip=$((unit_skip + ${k:-0}))
done

echo "== pg_regress and pgTAP against a throwaway cluster"
with_cluster bash -c '
    make -s installcheck PG_CONFIG="$PG_CONFIG" > "$1/regress.out" 2>&1
    cat "$1/regress.out"
    [ -f regression.diffs ] && head -200 regression.diffs
    pg_prove --verbose --ext .sql -r test/pgtap > "$1/tap.out" 2>&1
    cat "$1/tap.out"
    # a BI client over TCP with the stock driver, and pg_dump/pg_restore
    { test/client/bi_client.py; test/client/dump_restore.sh; } > "$1/client.out" 2>&1
    cat "$1/client.out"
' _ "$log"

reg_pass=$(grep -cE '^(test| ) *[a-z_0-9]+ +\.\.\. ok' "$log/regress.out" || true)
reg_fail=$(grep -cE '^(test| ) *[a-z_0-9]+ +\.\.\. FAILED' "$log/regress.out" || true)
tap_pass=$(grep -cE '^ok [0-9]+' "$log/tap.out" || true)
tap_fail=$(grep -cE '^not ok [0-9]+' "$log/tap.out" || true)
# a pgTAP file that died before its plan finished is a failure too
tap_bad=$(grep -cE 'Dubious|Bad plan|Parse errors' "$log/tap.out" || true)
tap_fail=$((tap_fail + tap_bad))
cli_pass=$(grep -cE '^ok [0-9]+' "$log/client.out" || true)
cli_fail=$(grep -cE '^not ok [0-9]+|Traceback' "$log/client.out" || true)
[ "$(grep -cE '^1\.\.[0-9]+' "$log/client.out" || true)" -eq 2 ] || cli_fail=$((cli_fail + 1))
[ -s "$log/regress.out" ] || reg_fail=$((reg_fail + 1))
[ -s "$log/tap.out" ] || tap_fail=$((tap_fail + 1))

# skipped reference checks are shown, never silent
grep -hE '^(# )?SKIP' results/*.out "$log/unit.out" "$log/tap.out" 2>/dev/null | sort -u | sed 's/^/note: /'

echo "== summary"
echo "unit: $unit_pass passed, $unit_fail failed, $unit_skip skipped"
echo "pg_regress: $reg_pass passed, $reg_fail failed"
echo "pgTAP: $tap_pass passed, $tap_fail failed"
echo "client (BI driver, dump/restore): $cli_pass passed, $cli_fail failed"
pass=$((unit_pass + reg_pass + tap_pass + cli_pass))
fail=$((unit_fail + reg_fail + tap_fail + cli_fail))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
