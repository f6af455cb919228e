/**
 * A small seeded PRNG for simulations and tests: xoshiro128** (Blackman & Vigna 2018), seeded by
 * splitmix32 so that nearby seeds give unrelated streams. Deterministic given the seed, 32-bit
 * integer arithmetic only (Math.imul), so results are identical on every JS engine.
 *
 * Not for cryptography. Samplers are exact (inversion or exact enumeration), never approximations,
 * so that coverage simulations test the statistics rather than the sampler.
 */
import { logGamma, normalQuantile } from './special.js';

/** A deterministic random source. Every method advances the same stream. */
export interface Rng {
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** 1 with probability p, else 0. */
  bernoulli(p: number): number;
  /** Exact Binomial(n, p) draw; O(sqrt(n p (1-p))) expected time. */
  binomial(n: number, p: number): number;
  /** Normal(mean, sd) by inversion (exact in the tails, no cached second variate). */
  normal(mean?: number, sd?: number): number;
  /** exp(Normal(mu, sigma)): the usual model of request latency. */
  lognormal(mu: number, sigma: number): number;
  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Create a generator; the same seed always yields the same sequence. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const init = splitmix32(Math.floor(seed) >>> 0);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point

  function next32(): number {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  }

  function uniform(): number {
    // 27 + 26 bits -> a multiple of 2^-53 in [0, 1), as in the reference double conversion.
    const hi = next32() >>> 5;
    const lo = next32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  function openUniform(): number {
    // (0, 1): needed where the inverse CDF is infinite at 0.
    let u = uniform();
    while (u === 0) u = uniform();
    return u;
  }

  function binomial(n: number, p: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
    if (n === 0 || p === 0) return 0;
    if (p === 1) return n;
    // Inversion over outcomes enumerated outward from the mode (mode, mode+1, mode-1, ...):
    // any fixed enumeration order gives an exact sampler, and this one needs O(sd) steps.
    const q = 1 - p;
    const mode = Math.min(n, Math.floor((n + 1) * p));
    const logPmfMode = logGamma(n + 1) - logGamma(mode + 1) - logGamma(n - mode + 1) + mode * Math.log(p) + (n - mode) * Math.log(q);
    const pmfMode = Math.exp(logPmfMode);
    let u = uniform() - pmfMode;
    if (u < 0) return mode;
    let up = mode;
    let down = mode;
    let pmfUp = pmfMode;
    let pmfDown = pmfMode;
    const ratio = p / q;
    for (;;) {
      const canUp = up < n;
      const canDown = down > 0;
      if (!canUp && !canDown) return mode; // rounding left u > 0 after all mass: return the mode
      if (canUp) {
        pmfUp *= ((n - up) / (up + 1)) * ratio;
        up++;
        u -= pmfUp;
        if (u < 0) return up;
      }
      if (canDown) {
        pmfDown *= down / (n - down + 1) / ratio;
        down--;
        u -= pmfDown;
        if (u < 0) return down;
      }
    }
  }

  return {
    uniform,
    int(n) {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int n must be a positive integer, got ${n}`);
      return Math.floor(uniform() * n);
    },
    bernoulli(p) {
      return uniform() < p ? 1 : 0;
    },
    binomial,
    normal(mean = 0, sd = 1) {
      return mean + sd * normalQuantile(openUniform());
    },
    lognormal(mu, sigma) {
      return Math.exp(mu + sigma * normalQuantile(openUniform()));
    },
    exponential(rate) {
      if (!(rate > 0)) throw new RangeError(`exponential rate must be > 0, got ${rate}`);
      return -Math.log(openUniform()) / rate;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
