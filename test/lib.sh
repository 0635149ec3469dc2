# test/lib.sh — shared by test/run.sh and doc/demo/run.sh (sourced).
#
# ensure_packages: installs the Debian packages the project needs, once.
# with_cluster CMD...: runs CMD against a throwaway PostgreSQL 15 cluster
#   (pg_virtualenv sets PGHOST/PGPORT/PGUSER/PGPASSWORD and removes the
#   cluster afterwards; as root it runs the server as the postgres user).

PG_MAJOR=${PG_MAJOR:-15}
PACKAGES="build-essential clang postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR \
postgresql-$PG_MAJOR-pgtap postgresql-$PG_MAJOR-cron libtap-parser-sourcehandler-pgtap-perl postgresql-common \
libcmocka-dev pkg-config python3-psycopg2 python3-psycopg valgrind util-linux libasan8 libubsan1 \
default-jdk-headless libpostgresql-jdbc-java gnuplot-nox"
# building the Debian package (test/package/deb.sh)
PACKAGES="$PACKAGES debhelper dpkg-dev postgresql-server-dev-all"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
    local missing="" p
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "Installing missing packages:$missing"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build_and_install() {
    export PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
    make -s PG_CONFIG="$PG_CONFIG" >/dev/null
    # the scripts of an earlier install from another checkout (a built install
    # script of the current version above all) must not outlive it
    local ext
    ext="$("$PG_CONFIG" --sharedir)/extension"
    as_root rm -f "$ext/crm_loyalty.control" "$ext"/crm_loyalty--*.sql
    as_root make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

with_cluster() {
    pg_virtualenv -t -v "$PG_MAJOR" -o 'max_worker_processes=8' -o 'max_parallel_workers=4' "$@"
}

# with_cron_cluster CMD...: the same with pg_cron preloaded (jobs run in
# background workers in the database "postgres"); fails when pg_cron is not
# installed, so check has_pg_cron first
has_pg_cron() {
    [ -f "$(/usr/lib/postgresql/$PG_MAJOR/bin/pg_config --pkglibdir)/pg_cron.so" ]
}
with_cron_cluster() {
    with_cluster -o 'shared_preload_libraries=pg_cron' -o 'cron.database_name=postgres' \
        -o 'cron.use_background_workers=on' "$@"
}
