/*
 * cells_codec.h — the compact encoding of the fit state's cells (the
 * distinct customer summaries with weights that the fit aggregates keep).
 *
 * A state is a kind, a time unit and n rows of `width` doubles (x, t_x, T,
 * weight for the purchase models; x, m, weight for Gamma-Gamma).  The
 * encoding is exact for every double and small for the values a fit
 * actually holds: whole frequencies and weights, and recency and T that are
 * whole periods expressed in the unit (days / 7 for weekly units).
 *
 *   byte     kind (1 purchase models, 2 Gamma-Gamma)
 *   varint   unit in microseconds (kind 1 only)
 *   varint   n, the number of rows
 *   varint   per column, its denominator D (0: no value is rational)
 *   per row, per column, one of
 *     varint   zigzag(k - k_prev) << 1       the value is exactly k / D
 *     varint 1, then 8 bytes                the IEEE bits, big-endian
 *
 * where k_prev is the column's previous rational numerator (0 at the
 * start; the weight column is not delta-coded, its k_prev stays 0).  A
 * value is written as k / D only when (double) k / D reproduces its bits,
 * so decoding is exact.  Varints are LEB128, at most 10 bytes.
 *
 * The decoder checks every length before it writes and refuses
 * superfluous varint bytes, trailing bytes and a raw value that the encoder
 * would have written as k / D.
 */
#ifndef CL_CELLS_CODEC_H
#define CL_CELLS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "cl_status.h"

#define CL_CELLS_MAX_WIDTH 4

/* columns of a kind: 4 (kind 1) or 3 (kind 2); 0 for an unknown kind */
int			cl_cells_width(int kind);

/* an upper bound of the encoded size of n rows of a kind */
size_t		cl_cells_encoded_bound(int kind, size_t n);

/*
 * Encode n rows (row-major, width doubles each) into out, which holds at
 * least cl_cells_encoded_bound(kind, n) bytes; *len gets the size.
 */
cl_status	cl_cells_encode(int kind, int64_t unit_usec, const double *rows, size_t n,
							unsigned char *out, size_t *len);

/*
 * Read the header of an encoding: kind, unit (0 for kind 2) and row count.
 * CL_EINVAL for a malformed header; the row count is checked against the
 * bytes left (each row needs at least width bytes), so a caller can
 * allocate n rows safely.
 */
cl_status	cl_cells_decode_header(const unsigned char *in, size_t len, int *kind,
								   int64_t *unit_usec, size_t *n);

/* Decode all rows into rows (n * width doubles); CL_EINVAL when malformed. */
cl_status	cl_cells_decode(const unsigned char *in, size_t len, double *rows);

#endif							/* CL_CELLS_CODEC_H */
