/**
 * The wine-quality runbook's sample red wine (seed 003): a valid /predict body, sent by the gate's
 * built-in request mix and served by the sandbox's model (which checks it against its feature list).
 */
export const SAMPLE_WINE = {
  fixed_acidity: 7.4,
  volatile_acidity: 0.7,
  citric_acid: 0,
  residual_sugar: 1.9,
  chlorides: 0.076,
  free_sulfur_dioxide: 11,
  total_sulfur_dioxide: 34,
  density: 0.9978,
  ph: 3.51,
  sulphates: 0.56,
  alcohol: 9.4,
} as const;
