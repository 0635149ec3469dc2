#!/usr/bin/env bash
# test/package/deb.sh — the Debian package postgresql-15-crm-loyalty, built and
# tested the way a user installs it.
#
#   test/package/deb.sh             build, check, install, test, remove; TAP
#   test/package/deb.sh --out DIR   only build: the .deb lands in DIR
#
# Builds from a clean copy of the tree (the files git tracks or would track,
# as they are in the work tree, so uncommitted changes count; never a build
# product) in a temporary directory with dpkg-buildpackage (debian/, as
# root, offline), so the package build itself makes the install script of
# the current version from sql/src/*.sql.  Then:
#
#   - the .deb holds every file `make install` installs (the list comes from
#     a `make install DESTDIR=...` of the work tree), byte for byte the same
#     SQL scripts and control file, and is at the version of
#     crm_loyalty.control; a copy of the .deb with one script removed must
#     fail that check (negative control);
#   - any crm_loyalty files a `make install` left in the system PostgreSQL
#     are put aside (as test/lib.sh build_and_install removes them), so the
#     installed files come from the package only, and dpkg -i installs it;
#   - in a throwaway cluster: CREATE EXTENSION, the pg_regress suites
#     (installcheck) against the package's files, and every earlier version
#     created and updated with ALTER EXTENSION UPDATE to the current one;
#   - dpkg --purge removes every file of the package, and the files put
#     aside come back: the machine is as before.
#
# It installs into the system PostgreSQL, which `make install` of other
# checkouts writes too: it runs under the shared lock /tmp/crm_test.lock,
# taking it itself unless a caller (test/run.sh under flock) holds it
# (CRM_LOCK_HELD=1: the caller holds it in a way not seen from here).
# Prints TAP and the time of each step; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
. test/lib.sh
PKG=postgresql-$PG_MAJOR-crm-loyalty
export PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
EXTVERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" crm_loyalty.control)

# ---- in the throwaway cluster (run through with_cluster, below) -----------
if [ "${1:-}" = --in-cluster ]; then
    tmp=$2
    cd "$tmp/crm_loyalty" || exit 1
    q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
    {
        echo "create $(q -d postgres -c 'CREATE DATABASE pkg_direct' 2>&1 &&
            q -d pkg_direct -c 'CREATE EXTENSION crm_loyalty' \
              -c "SELECT extversion FROM pg_extension WHERE extname = 'crm_loyalty'" 2>&1)"
        echo "available $(q -d pkg_direct -c "SELECT version FROM pg_available_extension_versions
                                            WHERE name = 'crm_loyalty'" | sort | tr '\n' ' ')"
        members="SELECT count(*) FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
                 WHERE e.extname = 'crm_loyalty' AND d.deptype = 'e'"
        echo "members direct $(q -d pkg_direct -c "$members")"
        for v in $(q -d pkg_direct -c "SELECT version FROM pg_available_extension_versions
                                        WHERE name = 'crm_loyalty' AND version <> '$3'" | sort); do
            db=pkg_from_${v//./_}
            out=$(q -d postgres -c "CREATE DATABASE $db" 2>&1 &&
                  q -d "$db" -c "CREATE EXTENSION crm_loyalty VERSION '$v'" \
                    -c 'ALTER EXTENSION crm_loyalty UPDATE' \
                    -c "SELECT extversion FROM pg_extension WHERE extname = 'crm_loyalty'" -c "$members" \
                    -c "SELECT rfm_segment(5, 5, 5)" 2>&1)
            echo "update $v $(echo "$out" | tr '\n' ' ')"
        done
    } > "$tmp/cluster.out"
    make -s installcheck PG_CONFIG="$PG_CONFIG" > "$tmp/regress.out" 2>&1
    echo $? > "$tmp/rc.regress"
    [ -f regression.diffs ] && head -200 regression.diffs > "$tmp/regression.diffs"
    exit 0
fi

out_dir=""
case "${1:-}" in
    --out) out_dir=${2:?"usage: $0 [--out DIR]"} ;;
    "") ;;
    *) echo "usage: $0 [--out DIR]" >&2; exit 2 ;;
esac

# under the shared lock: held by an ancestor (flock ... /tmp/crm_test.lock), or taken here
lock_held() {
    local pid=$$ cmd
    while [ "${pid:-1}" -gt 1 ]; do
        cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
        case "$cmd" in *flock*/tmp/crm_test.lock*) return 0 ;; esac
        pid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')
    done
    return 1
}
if [ -z "$out_dir" ] && [ "${CRM_LOCK_HELD:-}" != 1 ] && ! lock_held; then
    exec flock -o /tmp/crm_test.lock "$0" "$@"
fi

ensure_packages >&2

n=0 failed=0
ok()     { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check()  { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
comment() { sed 's/^/# /'; }
t_all=$(date +%s) t_step=$(date +%s)
timings=()
step_end() { timings+=("$1 $(( $(date +%s) - t_step )) s"); t_step=$(date +%s); }
finish() {
    echo "# timings: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); total $(( $(date +%s) - t_all )) s"
    echo "1..$n"
    [ "$failed" -eq 0 ]
    exit
}

tmp=$(mktemp -d /tmp/crm_deb.XXXXXX)
chmod 755 "$tmp"    # the server (user postgres) and apt's sandbox user read below it
installed=0 saved=0 restored=0
ext_dir="$("$PG_CONFIG" --sharedir)/extension"
lib_dir="$("$PG_CONFIG" --pkglibdir)"
cleanup() {
    if [ "$installed" = 1 ]; then
        dpkg --purge "$PKG" >> "$tmp/dpkg.log" 2>&1 || echo "# cleanup: dpkg --purge $PKG failed"
    fi
    if [ "$saved" = 1 ] && [ "$restored" = 0 ]; then
        tar -C / -xf "$tmp/saved.tar" || echo "# cleanup: could not restore the crm_loyalty files put aside"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- a clean copy of the tree ----------------------------------------------
src=$tmp/crm_loyalty
mkdir "$src"
if git ls-files -z --cached --others --exclude-standard > "$tmp/files" 2>/dev/null; then
    tr '\0' '\n' < "$tmp/files" | while IFS= read -r f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -xf - -C "$src"
    nfiles=$(find "$src" -type f | wc -l)
    built=$(cd "$src" && ls sql/crm_loyalty--"$EXTVERSION".sql *.so src/*.o 2>/dev/null | wc -l)
    check "$([ "$nfiles" -gt 0 ] && [ "$built" -eq 0 ] && echo 0 || echo 1)" \
        "a clean copy of the tree: $nfiles files, no build product (no sql/crm_loyalty--$EXTVERSION.sql, no objects)"
else
    not_ok "a clean copy of the tree: git ls-files failed (not a git checkout?)"; finish
fi
# the CDNOW sample, which the suites find as ../shared beside the project
[ -d ../shared ] && ln -s "$(cd ../shared && pwd)" "$tmp/shared"
step_end copy

# ---- build -------------------------------------------------------------------
(cd "$src" && DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-"parallel=$(nproc)"} dpkg-buildpackage -b -us -uc) \
    > "$tmp/build.log" 2>&1
rc=$?
deb=$(ls "$tmp"/"${PKG}"_*.deb 2>/dev/null | head -1)
if [ "$rc" -ne 0 ] || [ -z "$deb" ]; then
    not_ok "dpkg-buildpackage -b builds $PKG (exit status $rc)"
    tail -40 "$tmp/build.log" | comment
    finish
fi
ok "dpkg-buildpackage -b builds $(basename "$deb") from the clean copy"
grep -q "^# $PG_MAJOR: make\$" "$tmp/build.log" && grep -q " sql/crm_loyalty--$EXTVERSION.sql " "$tmp/build.log"
check $? "the package build ran make for PostgreSQL $PG_MAJOR and installed sql/crm_loyalty--$EXTVERSION.sql, built from sql/src/ (the copy had none)"
step_end build
if [ -n "$out_dir" ]; then
    mkdir -p "$out_dir" && cp "$deb" "$out_dir"/ && echo "# built $out_dir/$(basename "$deb")"
    finish
fi

version=$(dpkg-deb -f "$deb" Version)
upstream=${version#*:}; upstream=${upstream%-*}
[ "$(dpkg-deb -f "$deb" Package)" = "$PKG" ] && [ "$upstream" = "$EXTVERSION" ]
check $? "the package is $PKG $version: upstream version $upstream = default_version $EXTVERSION of crm_loyalty.control"
dpkg-deb -f "$deb" Depends | grep -q "postgresql-$PG_MAJOR\b"
check $? "it depends on postgresql-$PG_MAJOR ($(dpkg-deb -f "$deb" Depends))"

# the files `make install` installs, from the work tree (built there as by `make`)
make -s -C "$repo" install DESTDIR="$tmp/stage" PG_CONFIG="$PG_CONFIG" > "$tmp/stage.log" 2>&1 ||
    { not_ok "make install DESTDIR=... of the work tree"; comment < "$tmp/stage.log"; finish; }
(cd "$tmp/stage" && find . -type f | sed 's|^\.||' | sort) > "$tmp/make_install.list"
deb_files() { dpkg-deb -c "$1" | awk '$1 ~ /^-/ { print $6 }' | sed 's|^\.||' | sort; }
missing_from() {   # missing_from DEB: the files of `make install` that DEB lacks
    deb_files "$1" > "$tmp/deb.list"
    comm -23 "$tmp/make_install.list" "$tmp/deb.list"
}
missing=$(missing_from "$deb")
nmake=$(wc -l < "$tmp/make_install.list")
[ "$nmake" -gt 0 ] && [ -z "$missing" ]
check $? "the package holds every file make install installs ($nmake: control file, $(grep -c '\.sql$' "$tmp/make_install.list") SQL scripts, module, bitcode)"
[ -n "$missing" ] && echo "$missing" | sed 's/^/# missing from the package: /'
dpkg-deb -x "$deb" "$tmp/root"
differ=$(grep -E '/extension/' "$tmp/make_install.list" | while read -r f; do
    cmp -s "$tmp/stage$f" "$tmp/root$f" || echo "$f"; done)
[ -z "$differ" ]
check $? "its control file and SQL scripts equal those make install installs, byte for byte"
[ -n "$differ" ] && echo "$differ" | sed 's/^/# differs: /'
# negative control: a package without one released script must fail the check above
dropped=$(grep -m1 -E "/extension/crm_loyalty--[0-9.]+\.sql$" "$tmp/make_install.list")
dpkg-deb -R "$deb" "$tmp/bad" && rm -f "$tmp/bad$dropped" &&
    dpkg-deb -b "$tmp/bad" "$tmp/bad.deb" > /dev/null 2>&1
missing_from "$tmp/bad.deb" | grep -qxF "$dropped"
check $? "negative control: a copy of the package without $(basename "$dropped") is reported as missing it"
step_end "contents"

# ---- install -----------------------------------------------------------------
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed'; then
    echo "# $PKG $(dpkg-query -W -f='${Version}' "$PKG") was installed: purging it first"
    dpkg --purge "$PKG" >> "$tmp/dpkg.log" 2>&1
fi
# put aside what a `make install` left (the files test/lib.sh build_and_install replaces)
(cd / && ls -d "${ext_dir#/}"/crm_loyalty.control "${ext_dir#/}"/crm_loyalty--*.sql \
    "${lib_dir#/}"/crm_loyalty.so "${lib_dir#/}"/bitcode/crm_loyalty "${lib_dir#/}"/bitcode/crm_loyalty.index.bc \
    2>/dev/null) > "$tmp/saved.list"
nsaved=$(wc -l < "$tmp/saved.list")
if [ "$nsaved" -gt 0 ]; then
    tar -C / -cf "$tmp/saved.tar" -T "$tmp/saved.list" && saved=1 &&
        (cd / && xargs rm -rf < "$tmp/saved.list")
fi
leftover=$(ls "$ext_dir"/crm_loyalty* "$lib_dir"/crm_loyalty* "$lib_dir"/bitcode/crm_loyalty* 2>/dev/null)
[ -z "$leftover" ]
check $? "no crm_loyalty file left in the system PostgreSQL before the install ($nsaved put aside)"
dpkg -i "$deb" >> "$tmp/dpkg.log" 2>&1
rc=$?
installed=1
dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed' && [ "$rc" -eq 0 ]
check $? "dpkg -i installs $PKG"
[ "$rc" -ne 0 ] && tail -20 "$tmp/dpkg.log" | comment
# every crm_loyalty file of the system PostgreSQL is the package's
{ find "$ext_dir" "$lib_dir" -maxdepth 1 -type f -name 'crm_loyalty*'
  find "$lib_dir/bitcode" -type f -path '*crm_loyalty*' 2>/dev/null; } | sort > "$tmp/on_disk.list"
dpkg -L "$PKG" | sort > "$tmp/dpkg_L.list"
foreign=$(comm -23 "$tmp/on_disk.list" "$tmp/dpkg_L.list")
absent=$(deb_files "$deb" | grep -E "^($ext_dir|$lib_dir)/" | while read -r f; do [ -e "$f" ] || echo "$f"; done)
[ -z "$foreign" ] && [ -z "$absent" ] && [ -s "$tmp/on_disk.list" ]
check $? "the system PostgreSQL's $(wc -l < "$tmp/on_disk.list") crm_loyalty files are the package's, and all of them are there"
[ -n "$foreign$absent" ] && printf '%s\n%s\n' "$foreign" "$absent" | grep . | sed 's/^/# not from the package or absent: /'
step_end install

# ---- in a throwaway cluster --------------------------------------------------
with_cluster "$repo/test/package/deb.sh" --in-cluster "$tmp" "$EXTVERSION" > "$tmp/cluster.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && tail -20 "$tmp/cluster.log" | comment
touch "$tmp/cluster.out" "$tmp/regress.out"
[ "$(sed -n 's/^create //p' "$tmp/cluster.out")" = "$EXTVERSION" ]
check $? "CREATE EXTENSION crm_loyalty installs version $EXTVERSION from the package"
available=$(sed -n 's/^available //p' "$tmp/cluster.out")
want_versions=$(ls sql/crm_loyalty--*.sql | sed -E 's/.*crm_loyalty--//; s/\.sql$//; s/--/\n/' | sort -u | tr '\n' ' ')
[ "$available" = "$want_versions" ]
check $? "it offers every version the tree has scripts for: $available"
direct=$(sed -n 's/^members direct //p' "$tmp/cluster.out")
while read -r v got members segment rest; do
    if [ "$got" = "$EXTVERSION" ] && [ "$members" = "$direct" ] && [ "$segment" = Champions ] && [ -z "$rest" ]; then
        ok "CREATE EXTENSION crm_loyalty VERSION '$v'; ALTER EXTENSION crm_loyalty UPDATE: version $got, $members member objects as the direct install, rfm_segment(5, 5, 5) = $segment"
    else
        not_ok "CREATE EXTENSION crm_loyalty VERSION '$v'; ALTER EXTENSION crm_loyalty UPDATE gives version $EXTVERSION with the $direct member objects of the direct install"
        echo "# got: $got $members $segment $rest"
    fi
done < <(sed -n 's/^update //p' "$tmp/cluster.out")
[ "$(grep -c '^update ' "$tmp/cluster.out")" -ge 1 ]
check $? "at least one earlier version was updated"
nregress_defined=$(ls sql/*.sql | grep -vc '^sql/crm_loyalty--')
nrun=0
while read -r name result; do
    nrun=$((nrun + 1))
    check "$([ "$result" = ok ] && echo 0 || echo 1)" "pg_regress $name against the package's files"
done < <(sed -nE 's/^(test| ) *([a-z_0-9]+) +\.\.\. (ok|FAILED).*/\2 \3/p' "$tmp/regress.out")
[ "$nrun" -eq "$nregress_defined" ] && [ "$(cat "$tmp/rc.regress" 2>/dev/null)" = 0 ]
check $? "pg_regress ran $nrun of $nregress_defined suites and exited 0"
[ "$nrun" -eq "$nregress_defined" ] || comment < "$tmp/regress.out"
[ -f "$tmp/regression.diffs" ] && comment < "$tmp/regression.diffs"
grep -h '^SKIP' "$src"/results/*.out 2>/dev/null | sort -u | comment
step_end cluster

# ---- remove --------------------------------------------------------------------
dpkg --purge "$PKG" >> "$tmp/dpkg.log" 2>&1
rc=$?
installed=0
still=$(deb_files "$deb" | while read -r f; do [ -e "$f" ] && echo "$f"; done)
! dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok installed' && [ "$rc" -eq 0 ] && [ -z "$still" ]
check $? "dpkg --purge removes $PKG and every file it installed"
[ -n "$still" ] && echo "$still" | sed 's/^/# left behind: /'
if [ "$saved" = 1 ]; then
    tar -C / -xf "$tmp/saved.tar" && restored=1
    [ "$restored" = 1 ] && [ "$(cd / && ls -d $(cat "$tmp/saved.list") 2>/dev/null | wc -l)" -eq "$nsaved" ]
    check $? "the $nsaved crm_loyalty files put aside are back in the system PostgreSQL"
fi
step_end remove
finish
