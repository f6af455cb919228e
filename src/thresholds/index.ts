/** Threshold parsing and evaluation (k6 syntax): pure, shared by `revgate load` and the canary gate. */
export * from './threshold.js';
export * from './evaluate-thresholds.js';
