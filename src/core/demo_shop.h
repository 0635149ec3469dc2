/*
 * demo_shop.h — a deterministic demo shop: one customer's orders at a time.
 *
 * Customers follow the BG/NBD story with Gamma-Gamma spend, plus the untidy
 * parts of real order tables: same-day repeat orders and refunds recorded
 * as separate negative amounts a few days later.  Customer i's orders depend
 * only on (seed, i), so any subset or partition of customers is generated
 * identically.
 */
#ifndef CL_DEMO_SHOP_H
#define CL_DEMO_SHOP_H

#include <stddef.h>
#include <stdint.h>

typedef struct cl_demo_order
{
	int64_t		offset_usec;	/* since the shop opened (day 0, 00:00 UTC) */
	int64_t		cents;			/* amount in cents; negative for a refund */
} cl_demo_order;

/* Orders one customer can have at most (a hard cap on pathological draws). */
#define CL_DEMO_MAX_ORDERS 1024

/*
 * Generate customer "customer" (1-based) of a shop open for "days" days.
 * Writes the orders, sorted by time, to out[0..CL_DEMO_MAX_ORDERS-1] and
 * returns their number (at least 1: the first purchase).
 */
extern size_t cl_demo_customer(uint64_t seed, int64_t customer, int days,
							   cl_demo_order *out);

#endif							/* CL_DEMO_SHOP_H */
