/**
 * Splitting α across several gates so that the run as a whole keeps its false-alarm rate.
 *
 * Bonferroni: give gate i the level α_i with Σ α_i = α (α/k each by default). Each gate's
 * confidence sequence is time-uniform, so "gate i ever gives a wrong verdict, at any of the
 * looks, whenever the run stops" is a single event E_i with P(E_i) <= α_i. The union bound
 * P(∪ E_i) <= Σ P(E_i) <= α then holds for the whole family, with any dependence between gates
 * (they share requests), any number of looks and any data-driven stopping rule. Continuous
 * monitoring costs nothing extra here precisely because each E_i already covers all times; with
 * fixed-n tests the union would also have to run over the looks.
 *
 * The family is every gate whose wrong verdict changes the decision: all blocking gates (a false
 * fail rolls back, a false pass of a bad gate promotes). Advisory gates can get their own budget.
 */

/** α / k for each of k gates (Bonferroni). */
export function bonferroniAlpha(alpha: number, gates: number): number {
  assertAlpha(alpha);
  if (!Number.isInteger(gates) || gates < 1) throw new RangeError(`gates must be a positive integer, got ${gates}`);
  return alpha / gates;
}

/**
 * Weighted Bonferroni: gate i gets α·w_i / Σw. Lets a gate that must decide fast (e.g. error
 * rate) take more of the budget than a slow one; any fixed weights keep Σ α_i = α.
 */
export function splitAlpha(alpha: number, weights: readonly number[]): number[] {
  assertAlpha(alpha);
  if (weights.length === 0) throw new RangeError('weights must not be empty');
  let total = 0;
  for (const w of weights) {
    if (!(w > 0 && Number.isFinite(w))) throw new RangeError(`weights must be finite and > 0, got ${w}`);
    total += w;
  }
  return weights.map((w) => (alpha * w) / total);
}

/** Confidence 0.95 -> α 0.05, validated. */
export function alphaFromConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return 1 - confidence;
}

function assertAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}
