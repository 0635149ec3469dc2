# Makefile — PGXS build of crm_loyalty, plus the core unit tests.
#
#   make && make install       build and install into the PostgreSQL that pg_config names
#   make installcheck          pg_regress suites in sql/ against a running server
#   make unit                  C unit tests of the math core (no server needed)
#   make prove                 pgTAP suites in test/pgtap against a running server
#   make charts                the pictures in doc/img, redrawn from the real functions
#                              (doc/charts/make_charts.sh; installs the extension)
#
# The version lives only in crm_loyalty.control.  Released under the
# PostgreSQL Licence (LICENSE).
#
# SQL scripts:
#   sql/src/*.sql                        the sources of the current version, one file
#                                        per feature, concatenated in name order
#                                        (sql/src/zz_*.sql last)
#   sql/crm_loyalty--$(EXTVERSION).sql   built from them (not in git; make clean
#                                        removes it): what CREATE EXTENSION runs
#   sql/crm_loyalty--A.sql, --A--B.sql   released install and update scripts, in
#                                        git and never edited
# Releasing: see doc/testing.md ("Releasing a version").

EXTENSION  = crm_loyalty
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

CORE_SRCS  = $(sort $(wildcard src/core/*.c))
GLUE_SRCS  = $(sort $(wildcard src/*.c))
MODULE_big = $(EXTENSION)
OBJS       = $(GLUE_SRCS:.c=.o) $(CORE_SRCS:.c=.o)

# the install script of the current version is built; every other script is released
SQL_BUILT  = sql/$(EXTENSION)--$(EXTVERSION).sql
SQL_SRCS   = $(sort $(filter-out sql/src/zz_%,$(wildcard sql/src/*.sql))) $(sort $(wildcard sql/src/zz_*.sql))
DATA       = $(filter-out $(SQL_BUILT),$(sort $(wildcard sql/$(EXTENSION)--*.sql)))
DATA_built = $(SQL_BUILT)

# pg_regress suites: every sql/*.sql that is not an install or upgrade script.
REGRESS      = $(sort $(basename $(notdir $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Isrc -Isrc/core -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK  = -lm

EXTRA_CLEAN = test/unit/build test/unit/build-asan test/sanitize/build

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# ---- core unit tests (cmocka) ---------------------------------------------
UNIT_CC     ?= $(CC)
UNIT_CFLAGS  = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Isrc/core -D_DEFAULT_SOURCE
UNIT_TESTS   = $(patsubst test/unit/%.c,test/unit/build/%,$(sort $(wildcard test/unit/test_*.c)))

test/unit/build/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h) $(wildcard test/unit/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRCS) -lcmocka -lm

.PHONY: unit unit-build unit-asan-build prove charts
unit-build: $(UNIT_TESTS)

# the same tests built with AddressSanitizer and UndefinedBehaviorSanitizer
# (-fno-wrapv, so signed overflow is reported); any report aborts the test
UNIT_SAN_CFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-wrapv
UNIT_ASAN_TESTS = $(patsubst test/unit/%.c,test/unit/build-asan/%,$(sort $(wildcard test/unit/test_*.c)))

test/unit/build-asan/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h) $(wildcard test/unit/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_SAN_CFLAGS) -o $@ $< $(CORE_SRCS) -lcmocka -lm

unit-asan-build: $(UNIT_ASAN_TESTS)

unit: unit-build
	@rc=0; for t in $(UNIT_TESTS); do ./$$t || rc=1; done; exit $$rc

prove:
	pg_prove --verbose --ext .sql -r test/pgtap

charts:
	doc/charts/make_charts.sh doc/img

# the install script: the sources in order, each under a line naming it
$(SQL_BUILT): $(SQL_SRCS) $(EXTENSION).control Makefile
	@if [ -f sql/$(EXTENSION)--$(EXTVERSION).sql ] && git ls-files --error-unmatch $@ >/dev/null 2>&1; then \
		echo "$@ is a released script; bump default_version in $(EXTENSION).control" >&2; exit 1; fi
	@for f in $(SQL_SRCS); do printf -- '-- ---- %s\n' "$$f"; cat "$$f"; echo; done > $@.tmp
	@mv $@.tmp $@
