#!/usr/bin/env bash
# test/run.sh — the whole test suite and the CI gates (doc/testing.md):
#
#   build          the extension with -Werror, installed into the system PostgreSQL
#   unit           C unit tests of the core (cmocka)
#   unit-asan      the same tests built with ASan + UBSan (-fno-wrapv)
#   unit-valgrind  the quick unit tests (under 1 s natively) under valgrind
#   suites         pg_regress (sql/, expected/), pgTAP (test/pgtap/), client
#                  tests (test/client/), the docs' pasted outputs
#                  (test/doc_examples.sh), the catalog test (test/upgrade/:
#                  a direct install equals every update path) and the
#                  pictures of the docs (test/charts.sh) against a
#                  throwaway cluster; the pg_cron recipe (test/client/
#                  cron_refresh.sh) in a second cluster with pg_cron preloaded
#   fuzz           the seeded SQL fuzzer (test/fuzz/fuzz.py) on the same cluster
#   sanitize       pg_regress, pgTAP and a shorter fuzz run against a server that
#                  loads an ASan + UBSan build of the extension (test/sanitize.sh)
#   package        the Debian package built from a clean copy, checked against
#                  `make install`, installed with dpkg, pg_regress and updates
#                  against it in a throwaway cluster, purged (test/package/deb.sh)
#
# The suites gate also checks META.json (test/package/meta.py).
#
# CRM_GATES="unit suites" runs a subset (build always runs).  CRM_FUZZ_SEED,
# CRM_FUZZ_CALLS and CRM_FUZZ_SAN_CALLS set the fuzzer's seed and sizes.
#
# Fails closed: every runner's exit status counts, and so does a pg_regress or
# pgTAP suite that did not run.  Installs missing Debian packages first.  Ends
# with one line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

GATES=${CRM_GATES:-"unit unit-asan unit-valgrind suites fuzz sanitize package"}
FUZZ_SEED=${CRM_FUZZ_SEED:-$(date -u +%Y%m%d)}
FUZZ_CALLS=${CRM_FUZZ_CALLS:-20000}
FUZZ_SAN_CALLS=${CRM_FUZZ_SAN_CALLS:-3000}
want() { case " $GATES " in *" $1 "*) return 0 ;; esac; return 1; }

ensure_packages
log=$(mktemp -d)
chmod 755 "$log"    # the sanitized server (user postgres) writes its reports below it
trap 'rm -rf "$log"' EXIT

pass=0 fail=0
lines=() times=()
count() {   # count NAME PASSED FAILED [SKIPPED]
    pass=$((pass + $2)); fail=$((fail + $3))
    lines+=("$1: $2 passed, $3 failed${4:+, $4 skipped}")
}
t_gate=0
gate_start() { t_gate=$(date +%s); echo "== $1"; }
gate_end() { times+=("$1 $(( $(date +%s) - t_gate )) s"); }

# cmocka output of one binary -> "passed failed skipped" (a crash without a
# summary is one failure)
cmocka_counts() {
    local out=$1 rc=$2 p f k
    p=$(grep -c '^\[       OK \]' "$out" || true)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$out" | head -1)
    k=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' "$out" | head -1)
    f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    echo "$p $f ${k:-0}"
}

# pg_regress output -> "passed failed"; pgTAP (pg_prove) output -> "passed failed"
regress_counts() {
    local p f
    p=$(grep -cE '^(test| ) *[a-z_0-9]+ +\.\.\. ok' "$1" || true)
    f=$(grep -cE '^(test| ) *[a-z_0-9]+ +\.\.\. FAILED' "$1" || true)
    echo "$p $f"
}
tap_counts() {
    local p f bad
    p=$(grep -cE '^ok [0-9]+' "$1" || true)
    f=$(grep -cE '^not ok [0-9]+' "$1" || true)
    # a pgTAP file that died before its plan finished is a failure too
    bad=$(grep -cE 'Dubious|Bad plan|Parse errors' "$1" || true)
    echo "$p $((f + bad))"
}
n_regress_defined=$(ls sql/*.sql | grep -vc '^sql/crm_loyalty--')
n_tap_defined=$(ls test/pgtap/*.sql | wc -l)
# suites run must equal suites defined
check_suite_counts() {   # check_suite_counts LABEL REGRESS_OUT TAP_OUT
    local nr nt
    nr=$(grep -cE '^(test| ) *[a-z_0-9]+ +\.\.\. (ok|FAILED)' "$2" || true)
    nt=$(grep -cE '^test/pgtap/[^ ]+\.sql \.+' "$3" || true)
    if [ "$nr" -ne "$n_regress_defined" ] || [ "$nt" -ne "$n_tap_defined" ]; then
        echo "$1: ran $nr of $n_regress_defined pg_regress suites and $nt of $n_tap_defined pgTAP files"
        count "$1 suite count" 0 1
    else
        count "$1 suite count" 1 0
    fi
}
# a runner that exited non-zero without a counted failure is one failure
rc_of() { cat "$log/rc.$1" 2>/dev/null || echo 99; }

t_all=$(date +%s)
gate_start "build and install (-Werror)"
build_and_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
gate_end build

declare -A unit_secs=()
if want unit; then
    gate_start "C unit tests (cmocka)"
    make -s unit-build >/dev/null 2>"$log/unit-build.err" || { cat "$log/unit-build.err"; echo "0 passed, 1 failed"; exit 1; }
    up=0 uf=0 uk=0
    for t in test/unit/build/test_*; do
        [ -x "$t" ] || continue
        s0=$(date +%s%N)
        CL_CDNOW_FILE=../shared/data/cdnow/CDNOW_sample.txt "./$t" > "$log/one.out" 2>&1
        rc=$?
        unit_secs[$t]=$(( ($(date +%s%N) - s0) / 1000000 ))
        tee -a "$log/unit.out" < "$log/one.out"
        read -r p f k < <(cmocka_counts "$log/one.out" "$rc")
        up=$((up + p)); uf=$((uf + f)); uk=$((uk + k))
    done
    count "unit" "$up" "$uf" "$uk"
    gate_end unit
fi

if want unit-asan; then
    gate_start "C unit tests under ASan + UBSan"
    if make -s unit-asan-build >/dev/null 2>"$log/unit-asan-build.err"; then
        up=0 uf=0
        for t in test/unit/build-asan/test_*; do
            [ -x "$t" ] || continue
            ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                CL_CDNOW_FILE=../shared/data/cdnow/CDNOW_sample.txt "./$t" > "$log/one.out" 2>&1
            rc=$?
            read -r p f k < <(cmocka_counts "$log/one.out" "$rc")
            if grep -qE 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$log/one.out"; then
                grep -E -A20 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$log/one.out" | head -40
                f=$((f + 1))
            fi
            [ "$f" -gt 0 ] && echo "unit-asan: $t failed"
            up=$((up + p)); uf=$((uf + f))
        done
        count "unit (ASan+UBSan)" "$up" "$uf"
    else
        cat "$log/unit-asan-build.err"; count "unit (ASan+UBSan) build" 0 1
    fi
    gate_end unit-asan
fi

if want unit-valgrind; then
    gate_start "quick C unit tests under valgrind"
    make -s unit-build >/dev/null 2>&1
    vp=0 vf=0
    for t in test/unit/build/test_*; do
        [ -x "$t" ] || continue
        # the long-running model tests are covered by the ASan build instead
        if [ -z "${unit_secs[$t]:-}" ]; then
            s0=$(date +%s%N)
            CL_CDNOW_FILE=../shared/data/cdnow/CDNOW_sample.txt "./$t" >/dev/null 2>&1
            unit_secs[$t]=$(( ($(date +%s%N) - s0) / 1000000 ))
        fi
        [ "${unit_secs[$t]}" -lt 1000 ] || continue
        if CL_CDNOW_FILE=../shared/data/cdnow/CDNOW_sample.txt valgrind -q --error-exitcode=99 \
                --track-origins=yes "./$t" > "$log/one.out" 2>&1; then
            vp=$((vp + 1))
        else
            echo "valgrind: $t"; grep -E '^==[0-9]+==' "$log/one.out" | head -30
            vf=$((vf + 1))
        fi
    done
    count "unit (valgrind, binaries)" "$vp" "$vf"
    gate_end unit-valgrind
fi

if want suites; then
    # the PGXN metadata against the Meta Spec, crm_loyalty.control and debian/changelog
    test/package/meta.py > "$log/meta.out" 2>&1
    rc=$?
    cat "$log/meta.out"
    read -r p f < <(tap_counts "$log/meta.out")
    grep -qE '^1\.\.[0-9]+$' "$log/meta.out" || f=$((f + 1))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    count "META.json (PGXN Meta Spec, versions in step)" "$p" "$f"
fi

if want suites || want fuzz; then
    gate_start "pg_regress, pgTAP, client tests and fuzzer against a throwaway cluster"
    rm -f "$log"/rc.*
    with_cluster bash -c '
        log=$1 suites=$2 fuzz=$3
        t0=$(date +%s)
        if [ "$suites" = 1 ]; then
            make -s installcheck PG_CONFIG="$PG_CONFIG" > "$log/regress.out" 2>&1; echo $? > "$log/rc.regress"
            cat "$log/regress.out"
            [ -f regression.diffs ] && head -200 regression.diffs
            pg_prove --verbose --ext .sql -r test/pgtap > "$log/tap.out" 2>&1; echo $? > "$log/rc.tap"
            cat "$log/tap.out"
            # a BI client over TCP with the stock driver, pg_dump/pg_restore, a
            # binary-protocol client, values written by the 0.3.1 library, a JDBC
            # BI client (metadata discovery, typed parameters, binary transfer)
            { test/client/bi_client.py && test/client/dump_restore.sh &&
              test/client/binary_client.py && test/client/old_values.sh &&
              test/client/jdbc_client.sh; } > "$log/client.out" 2>&1
            echo $? > "$log/rc.client"
            cat "$log/client.out"
            # the outputs pasted in the docs, and the docs object map against the catalog
            test/doc_examples.sh > "$log/doc.out" 2>&1; echo $? > "$log/rc.doc"
            cat "$log/doc.out"
            # the direct install and every update path leave the same catalog
            test/upgrade/catalog.sh > "$log/catalog.out" 2>&1; echo $? > "$log/rc.catalog"
            cat "$log/catalog.out"
            # the pictures in doc/img are the ones the current code draws
            test/charts.sh > "$log/charts.out" 2>&1; echo $? > "$log/rc.charts"
            cat "$log/charts.out"
        fi
        echo $(( $(date +%s) - t0 )) > "$log/secs.suites"
        t0=$(date +%s)
        if [ "$fuzz" = 1 ]; then
            test/fuzz/fuzz.py --seed "$4" --calls "$5" > "$log/fuzz.out" 2>&1; echo $? > "$log/rc.fuzz"
            cat "$log/fuzz.out"
        fi
        echo $(( $(date +%s) - t0 )) > "$log/secs.fuzz"
        true
    ' _ "$log" "$(want suites && echo 1)" "$(want fuzz && echo 1)" "$FUZZ_SEED" "$FUZZ_CALLS"
    if want suites; then
        read -r p f < <(regress_counts "$log/regress.out")
        [ "$(rc_of regress)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "pg_regress" "$p" "$f"
        read -r p f < <(tap_counts "$log/tap.out")
        [ "$(rc_of tap)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "pgTAP" "$p" "$f"
        check_suite_counts "pg_regress/pgTAP" "$log/regress.out" "$log/tap.out"
        p=$(grep -cE '^ok [0-9]+' "$log/client.out" || true)
        f=$(grep -cE '^not ok [0-9]+|Traceback|^Exception in thread' "$log/client.out" || true)
        [ "$(grep -cE '^1\.\.[0-9]+' "$log/client.out" || true)" -eq 5 ] || f=$((f + 1))
        [ "$(rc_of client)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "client (BI driver, dump/restore, binary protocol, 0.3.1 values, JDBC)" "$p" "$f"
        touch "$log/doc.out"
        read -r p f < <(tap_counts "$log/doc.out")
        grep -qE '^1\.\.[0-9]+' "$log/doc.out" || f=$((f + 1))
        [ "$(rc_of doc)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "doc examples (test/doc_examples.sh)" "$p" "$f"
        read -r p f < <(tap_counts "$log/catalog.out")
        grep -qE '^1\.\.[0-9]+$' "$log/catalog.out" || f=$((f + 1))
        [ "$(rc_of catalog)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "catalog (direct install = every update path)" "$p" "$f"
        touch "$log/charts.out"
        read -r p f < <(tap_counts "$log/charts.out")
        grep -qE '^1\.\.[0-9]+$' "$log/charts.out" || f=$((f + 1))
        [ "$(rc_of charts)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "charts (doc/img = what the code draws)" "$p" "$f" "$(grep -c '# SKIP' "$log/charts.out" || true)"
        times+=("suites $(cat "$log/secs.suites" 2>/dev/null || echo '?') s")
        # the pg_cron recipe, in a cluster of its own (pg_cron must be preloaded)
        if has_pg_cron; then
            with_cron_cluster test/client/cron_refresh.sh > "$log/cron.out" 2>&1; echo $? > "$log/rc.cron"
        else
            printf 'ok 1 - pg_cron refresh # SKIP postgresql-%s-cron is not installed\n1..1\n' "$PG_MAJOR" > "$log/cron.out"
            echo 0 > "$log/rc.cron"
        fi
        grep -E '^(ok|not ok|1\.\.|#)' "$log/cron.out"
        read -r p f < <(tap_counts "$log/cron.out")
        grep -qE '^1\.\.[0-9]+$' "$log/cron.out" || f=$((f + 1))
        [ "$(rc_of cron)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        count "pg_cron refresh recipe" "$p" "$f" "$(grep -c '# SKIP' "$log/cron.out" || true)"
    fi
    if want fuzz; then
        read -r p f < <(tap_counts "$log/fuzz.out")
        [ "$(rc_of fuzz)" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        grep -qE '^# fuzz: [0-9]+ calls' "$log/fuzz.out" || f=$((f + 1))
        count "fuzz ($(sed -n 's/^# fuzz: \([0-9]*\) calls.*/\1/p' "$log/fuzz.out") calls, seed $FUZZ_SEED)" "$p" "$f" \
            "$(grep -c '# SKIP' "$log/fuzz.out" || true)"
        times+=("fuzz $(cat "$log/secs.fuzz" 2>/dev/null || echo '?') s")
    fi
fi

if want sanitize; then
    gate_start "pg_regress, pgTAP and fuzzer against an ASan + UBSan build of the extension"
    t0=$(date +%s)
    CRM_FUZZ_SAN_ARGS="--seed $FUZZ_SEED --calls $FUZZ_SAN_CALLS" test/sanitize.sh "$log" fuzz > "$log/san.out" 2>&1
    rc=$?
    cat "$log/san.out"
    for f in san-regress.out san-tap.out san-fuzz.out; do touch "$log/$f"; done
    read -r p f < <(regress_counts "$log/san-regress.out")
    count "pg_regress (sanitized)" "$p" "$f"
    read -r p f < <(tap_counts "$log/san-tap.out")
    count "pgTAP (sanitized)" "$p" "$f"
    check_suite_counts "sanitized pg_regress/pgTAP" "$log/san-regress.out" "$log/san-tap.out"
    read -r p f < <(tap_counts "$log/san-fuzz.out")
    grep -qE '^# fuzz: [0-9]+ calls' "$log/san-fuzz.out" || f=$((f + 1))
    count "fuzz (sanitized, $(sed -n 's/^# fuzz: \([0-9]*\) calls.*/\1/p' "$log/san-fuzz.out") calls)" "$p" "$f" \
        "$(grep -c '# SKIP' "$log/san-fuzz.out" || true)"
    # every sanitizer report is a failure; so is a gate that could not run
    reports=$(sed -n 's/^sanitizer reports: \([0-9]*\)$/\1/p' "$log/san.out")
    if [ -z "$reports" ] || [ "$rc" -ne 0 ]; then
        count "sanitizer gate" 0 1
    else
        count "sanitizer reports" "$([ "$reports" -eq 0 ] && echo 1 || echo 0)" "$reports"
    fi
    gate_end sanitize
fi

if want package; then
    gate_start "Debian package: build from a clean copy, install, pg_regress and updates against it, purge"
    test/package/deb.sh > "$log/package.out" 2>&1
    rc=$?
    cat "$log/package.out"
    read -r p f < <(tap_counts "$log/package.out")
    grep -qE '^1\.\.[0-9]+$' "$log/package.out" || f=$((f + 1))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    count "package (postgresql-$PG_MAJOR-crm-loyalty: contents, install, pg_regress, updates, purge)" "$p" "$f"
    gate_end package
fi

# skipped reference checks and known fuzz failures are shown, never silent
grep -hE '^(# )?SKIP|# SKIP' results/*.out "$log/unit.out" "$log/tap.out" "$log/fuzz.out" "$log/san-fuzz.out" \
    2>/dev/null | sort -u | sed 's/^/note: /'

echo "== summary"
for l in "${lines[@]}"; do echo "$l"; done
echo "gate times: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g'); total $(( $(date +%s) - t_all )) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
