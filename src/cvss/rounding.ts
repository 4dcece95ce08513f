/**
 * @module Decimal rounding without binary floating-point surprises.
 *
 * The formulas multiply decimal weights (0.85 × 0.77 …), so a float can land a hair below a
 * boundary the exact decimal result sits on (4.000000000000001, 2.4499999999999997). Snapping to
 * integers of 1e-5 first, as CVSS v3.1 Appendix A prescribes for Roundup, makes the rounding act on
 * the decimal value the specification means.
 */

/** CVSS v3.1 Appendix A "Roundup": the smallest one-decimal number ≥ x, robust to float noise. */
export const roundUp1 = (x: number): number => {
  const scaled = Math.round(x * 100_000);
  if (scaled % 10_000 === 0) return scaled / 100_000;
  return (Math.floor(scaled / 10_000) + 1) / 10;
};

/** Round half up to one decimal (v2.0 "round_to_1_decimal"; v4.0 §8.2 final rounding). */
export const roundHalfUp1 = (x: number): number => {
  const scaled = Math.round(x * 100_000);
  return Math.floor((scaled + 5_000) / 10_000) / 10;
};
