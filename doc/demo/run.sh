#!/usr/bin/env bash
# doc/demo/run.sh — the main job, end to end: installs missing packages,
# builds and installs crm_loyalty, starts a throwaway PostgreSQL, loads the
# demo shop's orders and prints scored customers (profile, RFM, segment, tier).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

ensure_packages
build_and_install
with_cluster psql -X -q -v ON_ERROR_STOP=1 -f doc/demo/demo.sql
