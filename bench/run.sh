#!/usr/bin/env bash
# bench/run.sh — performance of crm_loyalty at scale, as ratios measured in one run.
#
#   bench/run.sh [--orders N] [--customers N] [--reps N] [--markdown FILE]
#
# Installs missing Debian packages, builds and installs the extension, starts
# a throwaway PostgreSQL 15 cluster (pg_virtualenv, as test/run.sh does),
# builds an order table from the project's demo shop (crm_demo_orders: BG/NBD
# buying with drop-out, Gamma-Gamma spend, same-day repeats, refunds), and
# times each query --reps times (default 5; the repetitions are interleaved so
# that background load hits every query alike) and reports medians and their
# ratios to the plain-SQL floor.  Default size: 10,000,000 orders of
# 1,000,000 customers; quick mode: --orders 1000000 --customers 100000.
#
# Incremental refresh against a full rebuild, and the fit state's text size:
# bench/incremental.sh.  The plan the planner picks for crm_profile against
# the plain GROUP BY floor at work_mem 4MB and 64MB, with the measured size of
# the transition state: bench/plan_shape.sh.
#
# Not part of the test suite: nothing here passes or fails, it measures.
set -euo pipefail
cd "$(dirname "$0")/.."

COMMAND="bench/run.sh${*:+ $*}"
ORDERS=10000000
CUSTOMERS=1000000
REPS=5
MARKDOWN=
SHARED_BUFFERS=1GB
while [ $# -gt 0 ]; do
    case "$1" in
        --orders) ORDERS=$2; shift 2 ;;
        --customers) CUSTOMERS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --markdown) MARKDOWN=$(realpath -m "$2"); shift 2 ;;
        --shared-buffers) SHARED_BUFFERS=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in "$ORDERS" "$CUSTOMERS" "$REPS"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "sizes and --reps must be positive integers" >&2; exit 2; }
done

. test/lib.sh
ensure_packages
echo "== build and install"
build_and_install

echo "== throwaway cluster (shared_buffers=$SHARED_BUFFERS, other settings default)"
with_cluster -o "shared_buffers=$SHARED_BUFFERS" \
    bash bench/bench.sh "$ORDERS" "$CUSTOMERS" "$REPS" "$MARKDOWN" "$COMMAND"
