#!/bin/bash
# bench/coverage.sh [study|bootstrap|cdnow|speed|all] — calibration of the core's
# uncertainty: delta-method interval coverage on simulated shops, prediction
# intervals of the purchase count on the CDNOW holdout, and what the
# intervals cost against the point scores (bench/coverage.c).  Needs no
# server; builds with the system cc.  Deterministic (fixed seeds).  The
# CDNOW parts skip with a message when ../shared/data/cdnow is absent.
#
#   study: REPS_SMALL (default 200) shops at n = 1,000 and 10,000,
#   REPS_LARGE (default 40) at n = 100,000; EVAL (default 500) customers
#   scored per shop.  bootstrap: BOOT_SHOPS (default 60) shops of 1,000
#   customers, 200 scored, BOOT (default 100) parametric bootstrap refits
#   each.  Coverage is correlated within a shop (all its intervals share one
#   parameter estimate), so shops, not customers, set the precision.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=gnu11 -O2 -Isrc/core -o "$tmp/coverage" bench/coverage.c src/core/*.c -lm
small=${REPS_SMALL:-200} large=${REPS_LARGE:-40} eval=${EVAL:-500}
if [ "$what" = study ] || [ "$what" = all ]; then
    start=$(date +%s)
    for fam in bgnbd pareto_nbd; do
        "$tmp/coverage" study $fam 1000 "$small" "$eval" 1
        "$tmp/coverage" study $fam 10000 "$small" "$eval" 2
        "$tmp/coverage" study $fam 100000 "$large" "$eval" 3
    done
    echo "study: $(( $(date +%s) - start )) s"
fi
if [ "$what" = bootstrap ] || [ "$what" = all ]; then
    # the delta method against a parametric percentile bootstrap on the same
    # small shops (BOOT refits per shop)
    start=$(date +%s)
    for fam in bgnbd pareto_nbd; do
        "$tmp/coverage" study $fam 1000 "${BOOT_SHOPS:-60}" 200 4 "${BOOT:-100}"
    done
    echo "bootstrap: $(( $(date +%s) - start )) s"
fi
if [ "$what" = cdnow ] || [ "$what" = all ]; then
    "$tmp/coverage" cdnow
fi
if [ "$what" = speed ] || [ "$what" = all ]; then
    "$tmp/coverage" speed "${SPEED_N:-100000}"
fi
