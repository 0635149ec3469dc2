#!/usr/bin/env bash
# doc/charts/make_charts.sh — the pictures of the docs, drawn from the real
# functions: installs missing packages, builds and installs crm_loyalty,
# starts a throwaway PostgreSQL, runs the queries of doc/charts/charts.sql and
# draws their results with gnuplot into SVG files.
#
#   doc/charts/make_charts.sh [OUTDIR]          (default doc/img; `make charts`)
#   doc/charts/make_charts.sh --in-cluster OUTDIR
#       against the server that PGHOST/PGPORT name, extension already
#       installed (test/charts.sh uses it inside the suites' cluster)
#
# The SVG files are deterministic (fixed size and font, rounded data, no
# dates), so test/charts.sh can check that the committed pictures are the
# ones the current code draws.  The CDNOW charts need ../shared/data/cdnow
# and are skipped, with a message, without it.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${1:-}" != "--in-cluster" ]; then
    out=$(realpath -m "${1:-doc/img}")
    . test/lib.sh
    ensure_packages
    build_and_install
    mkdir -p "$out"
    with_cluster "$0" --in-cluster "$out"
    exit 0
fi
out=$(realpath -m "$2")
mkdir -p "$out"
data=$(mktemp -d)
chmod 755 "$data"
trap 'rm -rf "$data"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS crm_charts" >/dev/null 2>&1 || true' EXIT

have_cdnow=0
[ -r ../shared/data/cdnow/CDNOW_sample.txt ] && have_cdnow=1
[ $have_cdnow = 1 ] || echo "SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt: CDNOW charts not drawn"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS crm_charts" -c "CREATE DATABASE crm_charts" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -v have_cdnow=$have_cdnow -v data="$data" -d crm_charts \
     -f doc/charts/charts.sql >/dev/null

# one look for every chart: size, font, no enhanced text, same colours
common='set terminal svg size 720,440 dynamic font "Helvetica,12" noenhanced background rgb "white"
set border 3 lw 1 lc rgb "#444444"
set tics nomirror
set grid ytics lc rgb "#dddddd" lw 1 dt 1
set key top left noautotitle box lc rgb "#cccccc"
set datafile separator "\t"
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.6
set style line 2 lc rgb "#d62728" lw 2 dt 2 pt 5 ps 0.6
'

if [ $have_cdnow = 1 ]; then
    gnuplot <<GP
$common
set output "$out/cdnow_tracking.svg"
set title "CDNOW: cumulative repeat purchases in the holdout, actual vs BG/NBD forecast"
set xlabel "week after the calibration end (1997-09-30)"
set ylabel "repeat purchases (cumulative)"
plot "$data/tracking.tsv" using 1:2 with lines ls 1 title "actual", \
     "" using 1:3 with lines ls 2 title "BG/NBD forecast"
GP
    gnuplot <<GP
$common
set output "$out/cdnow_holdout_by_frequency.svg"
set title "CDNOW: holdout purchases by calibration frequency (39 + 39 weeks)"
set xlabel "repeat purchases in the calibration period"
set ylabel "mean repeat purchases in the holdout"
set xtics ("0" 0, "1" 1, "2" 2, "3" 3, "4" 4, "5" 5, "6" 6, "7+" 7)
set xrange [-0.3:7.3]
plot "$data/holdout.tsv" using 1:2 with linespoints ls 1 title "actual", \
     "" using 1:3 with linespoints ls 2 title "BG/NBD forecast"
GP
    gnuplot <<GP
$common
set output "$out/cdnow_repeat_distribution.svg"
set title "CDNOW: customers by repeat purchases in the calibration period (BG/NBD)"
set xlabel "repeat purchases"
set ylabel "customers"
set key top right
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set yrange [0:*]
plot "$data/distribution.tsv" using 2:xtic(1) lc rgb "#1f77b4" title "observed", \
     "" using 3 lc rgb "#ff7f0e" title "expected (exact)"
GP
    gnuplot <<GP
$common
set output "$out/cdnow_p_alive_matrix.svg"
set title "CDNOW: P(alive) at T = 39 weeks (BG/NBD)"
set xlabel "recency (weeks from the first to the last purchase)"
set ylabel "frequency (repeat purchases)"
set grid noytics
set cblabel "P(alive)"
set cbrange [0:1]
set palette defined (0 "#440154", 0.25 "#3b528b", 0.5 "#21918c", 0.75 "#5ec962", 1 "#fde725")
set xrange [-0.5:39.5]
set yrange [-0.5:25.5]
set style fill solid 1.0 noborder
plot "$data/matrix.tsv" using 2:1:(0.5):(0.5):3 with boxxyerror fc palette notitle
GP
fi

gnuplot <<GP
$common
set output "$out/demo_segments.svg"
set title "Demo shop: customers per RFM segment (20,000 customers, 2025-12-31)"
set xlabel "customers"
set grid noytics xtics
set style fill solid 0.85 border -1
set yrange [-0.6:*] reverse
set xrange [0:*]
set ytics scale 0
plot "$data/segments.tsv" using (\$2/2):0:(\$2/2):(0.35):ytic(1) with boxxyerror lc rgb "#1f77b4" notitle
GP

ls "$out"/*.svg | sed "s|^$out/|wrote |"
