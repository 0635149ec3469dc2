/*
 * compat.h — every PG_VERSION_NUM difference lives here.
 *
 * The extension targets PostgreSQL 15 first and is meant to build on 13–17.
 * Glue files include this header instead of testing PG_VERSION_NUM themselves.
 */
#ifndef CL_COMPAT_H
#define CL_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "crm_loyalty requires PostgreSQL 13 or later"
#endif

/* PostgreSQL 16 moved the varatt macros out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* PostgreSQL 16 added initReadOnlyStringInfo; before it, fill the fields. */
#if PG_VERSION_NUM < 160000
#include "lib/stringinfo.h"
static inline void
initReadOnlyStringInfo(StringInfo str, char *data, int len)
{
	str->data = data;
	str->len = len;
	str->maxlen = 0;
	str->cursor = 0;
}
#endif

#endif							/* CL_COMPAT_H */
