/**
 * revgate's statistics core: anytime-valid inference for gates. Pure, dependency-free,
 * deterministic; no I/O and no clock.
 *
 * Every gate is a proportion (error rate, availability, fraction of requests slower than X) or a
 * comparison of proportions between canary and baseline, decided with time-uniform confidence
 * sequences so that looking after every batch keeps the false-verdict rate at or below α.
 *
 * betting.ts and quantile-grid.ts are sequences over per-window aggregates, which stay valid when
 * failures come in bursts (issue 10); the canary gate decides on them (src/gate/evaluate-gates.ts). The
 * per-request sequences and intervals assume independent requests (load's interrupted-run rule, peers in
 * scripts/bench-gate.ts).
 */
export { createRng, type Rng } from './rng.js';
export {
  logGamma,
  logBeta,
  regularizedBeta,
  inverseRegularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  erfc,
  normalCdf,
  normalQuantile,
  binomialUpperTail,
  binomialLowerTail,
} from './special.js';
export {
  bernoulliConfidenceSequence,
  csContains,
  logMarginalLikelihood,
  logLikelihood,
  logMixtureMartingale,
  thresholdPrior,
  JEFFREYS_PRIOR,
  LOG_SCALE_PRIOR,
  type BetaPrior,
  type WeightedBetaPrior,
  type MixingPrior,
  type ProportionCsOptions,
  type Interval,
} from './confidence-sequence.js';
export { clopperPearson, type FixedIntervalOptions } from './fixed-sample.js';
export {
  decideProportion,
  projectedTrialsToDecide,
  type Direction,
  type DecisionStatus,
  type ProportionDecisionInput,
  type ProportionDecision,
} from './sequential-test.js';
export {
  compareProportions,
  contrastLogEValue,
  compareFailureShare,
  compareQuantiles,
  type ArmCounts,
  type Margin,
  type CompareProportionsInput,
  type CompareProportionsResult,
  type CompareFailureShareInput,
  type CompareFailureShareResult,
  type CompareQuantilesInput,
  type CompareQuantilesResult,
} from './two-sample.js';
export {
  sortedSample,
  quantileThresholdAsProportion,
  decideQuantileThreshold,
  quantileRankBounds,
  quantileInterval,
  type OrderedSample,
  type QuantileComparator,
  type QuantileThresholdInput,
  type IntervalMethod,
  type QuantileRankOptions,
  type QuantileInterval,
} from './quantile.js';
export { bonferroniAlpha, splitAlpha, alphaFromConfidence } from './multiplicity.js';
export {
  ABOVE_BETS,
  BELOW_BETS,
  CLIP_ABOVE,
  UNIT_RANGE,
  ValueCounts,
  betsFor,
  confidenceBound,
  logEvidence,
  logFactor,
  logMixture,
  logWealths,
  windowsToDecide,
  type BetMixture,
  type EvidenceSide,
  type ExtraObservations,
  type ObservationRange,
} from './betting.js';
export { GRID_MAX_MS, GRID_MIN_MS, GRID_STEP, QuantileGrid, bucketOf, latencyGrid, type ExtraWindow } from './quantile-grid.js';
