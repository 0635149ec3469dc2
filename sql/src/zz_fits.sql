-- sql/src/zz_fits.sql — fits: the Pareto/NBD model type's comment, listing
-- every limit model it can hold (to be folded into the model types' source).

COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout with r, alpha; homogeneous_rate+no_dropout with lambda; homogeneous_rate with lambda, s, beta; homogeneous_dropout with r, alpha, mu; homogeneous_rate+homogeneous_dropout with lambda, mu) with that limit''s parameters';
