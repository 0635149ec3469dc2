/*
 * crm_loyalty.c — module entry point.
 *
 * Each SQL feature has its own glue files (profile.c, rfm_*.c, tier_*.c, ...);
 * the numerics they call live in src/core/ and know nothing of PostgreSQL.
 */
#include "compat.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
