#!/usr/bin/env bash
# test/sanitize.sh LOGDIR [fuzz] — the pg_regress and pgTAP suites (and, with
# "fuzz", the SQL fuzzer) against a server that loads an ASan+UBSan build of
# the extension.  Run as root by test/run.sh after build_and_install.
#
# Debian's postgres binaries stay as they are: the instrumented library is
# built in test/sanitize/build and bind-mounted over the installed one in a
# private mount namespace (unshare --mount), so no other process ever sees
# it, and the server is started there with libasan preloaded.
#
# One build carries both sanitizers and -fno-wrapv: UBSan checks signed
# overflow only when it is undefined (without -fwrapv), and ASan does not
# depend on it, so a separate -fwrapv build would check nothing more.
#
# Writes LOGDIR/san-regress.out, san-tap.out, san-fuzz.out and every
# sanitizer report to LOGDIR/san-reports/; prints "sanitizer reports: N".
# Exits non-zero when a step could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(realpath "$1")
want_fuzz=${2:-}
PG_MAJOR=${PG_MAJOR:-15}
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PGBIN/pg_config
libdir=$($PG_CONFIG --pkglibdir)
bdir=test/sanitize/build
mkdir -p "$log/san-reports" "$bdir"
chmod 1777 "$log/san-reports"

if [ "${CRM_SAN_INNER:-}" != 1 ]; then
    # ---- build (outside the namespace) ----------------------------------
    san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-wrapv"
    # objects built with other flags are not reused
    if [ "$(cat "$bdir/flags.stamp" 2>/dev/null)" != "$san" ]; then
        find "$bdir" \( -name '*.o' -o -name '*.bc' -o -name '*.so' \) -delete
        echo "$san" > "$bdir/flags.stamp"
    fi
    # sources only (mtimes kept), so objects of unchanged files are reused
    find "$bdir" \( -name '*.c' -o -name '*.h' -o -name '*.sql' \) -delete 2>/dev/null
    tar -c --exclude='*.o' --exclude='*.bc' --exclude='*.so' Makefile crm_loyalty.control src sql \
        | tar -x -C "$bdir"
    if ! make -s -C "$bdir" PG_CONFIG="$PG_CONFIG" with_llvm=no \
            PG_CFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -O1 -g $san" \
            SHLIB_LINK="-lm -fsanitize=address,undefined" > "$log/san-build.out" 2>&1; then
        cat "$log/san-build.out"; echo "sanitizer build failed"; exit 1
    fi
    gcc -shared -fPIC -O2 -o "$bdir/asan_shim.so" test/sanitize/asan_shim.c -ldl \
        || { echo "shim build failed"; exit 1; }
    [ -f "$libdir/crm_loyalty.so" ] || { echo "extension not installed"; exit 1; }
    exec env CRM_SAN_INNER=1 unshare --mount --propagation private "$0" "$@"
fi

# ---- inside the private mount namespace ---------------------------------
mount --bind "$bdir/crm_loyalty.so" "$libdir/crm_loyalty.so" || { echo "bind mount failed"; exit 1; }
[ "$(nm -D "$libdir/crm_loyalty.so" | grep -c __asan_init)" -gt 0 ] || { echo "mounted library is not instrumented"; exit 1; }

libasan=$(gcc -print-file-name=libasan.so)
libasan=$(realpath "$libasan")
shim=$(realpath "$bdir/asan_shim.so")
work=$(mktemp -d /tmp/crm_san.XXXXXX)
chown postgres "$work"
chmod 755 "$work" "$bdir" "$shim"
port=$(( 55000 + RANDOM % 5000 ))
cleanup() {
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

runuser -u postgres -- "$PGBIN/initdb" -D "$work/data" -A trust -U postgres >/dev/null \
    || { echo "initdb failed"; exit 1; }
san_env=(LD_PRELOAD="$libasan:$shim"
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:handle_segv=1:allow_user_segv_handler=1:log_path=$log/san-reports/asan:detect_odr_violation=0"
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$log/san-reports/ubsan")
if ! runuser -u postgres -- env "${san_env[@]}" "$PGBIN/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 120 \
        -o "-k $work -p $port -c listen_addresses='' -c max_worker_processes=8 -c max_parallel_workers=4 -c fsync=off" \
        start >/dev/null; then
    cat "$work/server.log"; echo "sanitized server did not start"; exit 1
fi
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=postgres
# the server process really runs with ASan
pid=$(head -1 "$work/data/postmaster.pid")
grep -q libasan "/proc/$pid/maps" || { echo "server has no ASan runtime"; exit 1; }

make -s installcheck PG_CONFIG="$PG_CONFIG" EXTRA_REGRESS_OPTS="--outputdir=$log/san-regress" \
    > "$log/san-regress.out" 2>&1
[ -f "$log/san-regress/regression.diffs" ] && head -200 "$log/san-regress/regression.diffs" >> "$log/san-regress.out"
pg_prove --verbose --ext .sql -r test/pgtap > "$log/san-tap.out" 2>&1
if [ "$want_fuzz" = fuzz ]; then
    test/fuzz/fuzz.py ${CRM_FUZZ_SAN_ARGS:-} > "$log/san-fuzz.out" 2>&1
fi
psql -XAtc 'select 1' >/dev/null 2>&1 || echo "note: sanitized server is gone after the suites" >> "$log/san-regress.out"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1
# sanitizer messages that went to the server log instead of log_path
grep -E 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$work/server.log" \
    > "$log/san-reports/server-log.txt" 2>/dev/null || rm -f "$log/san-reports/server-log.txt"
cp "$work/server.log" "$log/san-server.log"
n=$(find "$log/san-reports" -type f -size +0 | wc -l)
for f in $(find "$log/san-reports" -type f -size +0 | head -5); do echo "--- $f"; head -40 "$f"; done
echo "sanitizer reports: $n"
