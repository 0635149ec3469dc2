/*
 * defaults.h — the defaults of the SQL functions, defined once.
 *
 * Every glue file that applies a default takes it from here, and the core
 * tests check the values, so a default cannot drift between two call sites
 * (a CLV window form and the plain function, an aggregate and its window
 * form).
 */
#ifndef CL_DEFAULTS_H
#define CL_DEFAULTS_H

/* clv_estimate: months of future purchases summed */
#define CL_DEFAULT_CLV_MONTHS 12

/* clv_estimate: discount rate per month (1% a month) */
#define CL_DEFAULT_MONTHLY_DISCOUNT 0.01

/*
 * Length of a month where a fixed length is needed: clv_estimate's default
 * month_length, and the time unit crm_profile uses for monthly periods when
 * no unit is given.  30 days, the convention of the lifetimes package, so
 * results can be compared with it; month_length => '1 month' asks for the
 * mean calendar month instead (CL_USECS_PER_MEAN_MONTH, period.h).
 */
#define CL_DEFAULT_MONTH_DAYS 30

/* rfm_breaks and the rfm_score window form: bins per dimension */
#define CL_DEFAULT_RFM_BINS 5

/*
 * The relative tier scheme of loyalty_scheme(value) and the loyalty_tier
 * window form: tier names lowest first, and the share of the customers in
 * each tier above the base tier, in the same order (Silver the next 20%,
 * Gold the next 9%, Platinum the top 1%; Bronze takes the remaining 70%).
 */
#define CL_DEFAULT_TIER_NSHARES 3
#define CL_DEFAULT_TIER_SHARES {0.20, 0.09, 0.01}
#define CL_DEFAULT_TIER_NAMES {"Bronze", "Silver", "Gold", "Platinum"}

/*
 * create_scoring_view: the horizon of the expected_purchases column, in
 * days.  The view is built by PL/pgSQL, which spells it '90 days'; the
 * value is kept here so the C side and the documentation have one source.
 */
#define CL_DEFAULT_VIEW_HORIZON_DAYS 90

#endif							/* CL_DEFAULTS_H */
