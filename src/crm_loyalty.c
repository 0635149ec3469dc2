/*
 * crm_loyalty.c — module entry point.
 *
 * Each SQL feature has its own glue file (profile.c, rfm.c, tier.c, ...);
 * the numerics they call live in src/core/ and know nothing of PostgreSQL.
 */
#include "compat.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
