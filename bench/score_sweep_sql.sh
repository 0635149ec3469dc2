#!/bin/bash
# bench/score_sweep_sql.sh — what the scores cost per SQL call: the median
# over the CDNOW customers with the CDNOW fits, and the slowest model and
# customer of the core sweep (bench/score_sweep --worst), per model and
# function, with their ratio.  SQL adds a few µs per call to the core time
# (function call, model argument); this measures what a user sees.
#
#   flock /tmp/crm_test.lock bench/score_sweep_sql.sh [WORST_FILE]
#
# WORST_FILE defaults to bench/score_sweep_worst.tsv (case lines as written
# by bench/score_sweep --worst).  Installs the extension into the system
# PostgreSQL and uses a throwaway cluster (pg_virtualenv), hence the lock.
# Measures; nothing passes or fails.  About 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

worst=${1:-bench/score_sweep_worst.tsv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

ensure_packages
# the CDNOW customers' (x, t_x, T), from the driver of bench/score_sweep
# (built here, so that a sweep running meanwhile keeps its own binary)
cc -std=gnu11 -O2 -Isrc/core -o "$tmp/score_sweep" bench/score_sweep.c src/core/*.c -lm
"$tmp/score_sweep" customers > "$tmp/cdnow.txt"
grep -v '^#' "$worst" > "$tmp/worst.txt"
sed -e "s|@CDNOW@|$tmp/cdnow.txt|" -e "s|@WORST@|$tmp/worst.txt|" bench/score_sweep_sql.sql > "$tmp/run.sql"
chmod 644 "$tmp"/*.txt "$tmp/run.sql"
build_and_install
with_cluster psql -X -q -v ON_ERROR_STOP=1 -f "$tmp/run.sql"
