import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  binomialLowerTail,
  binomialUpperTail,
  clopperPearson,
  erfc,
  inverseRegularizedBeta,
  logBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGammaQ,
} from '../../src/stats/index.js';

/** |actual - expected| <= tol·max(1, |expected|): relative for large values, absolute near 0. */
function close(actual: number, expected: number, tol: number, label: string): void {
  const err = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  assert.ok(err <= tol, `${label}: got ${actual}, expected ${expected} (error ${err} > ${tol})`);
}

// Reference values computed with mpmath at 30 digits (mp.loggamma, mp.betainc, mp.gammainc, mp.ncdf).
describe('logGamma', () => {
  const rows: Array<[number, number]> = [
    [0.5, Math.log(Math.sqrt(Math.PI))], // ln Γ(1/2) = ln √π
    [1, 0],
    [2, 0],
    [2.5, 0.284682870472919159632],
    [7.3, 7.1478925230222486921],
    [10, Math.log(362880)], // ln 9!
    [100, 359.134205369575398776], // ln 99!
    [1e-8, 18.4206807381802088845],
    [1e6, 12815504.56914761166],
  ];
  for (const [x, expected] of rows) {
    it(`lnΓ(${x}) = ${expected}`, () => close(logGamma(x), expected, 1e-13, `lnΓ(${x})`));
  }
  it('is NaN outside its domain', () => {
    assert.ok(Number.isNaN(logGamma(0)));
    assert.ok(Number.isNaN(logGamma(-1)));
  });
  it('satisfies Γ(x+1) = xΓ(x) across the Lanczos/Stirling switch at 10', () => {
    for (const x of [0.3, 3.7, 9.5, 9.999, 10.5, 55.5]) {
      close(logGamma(x + 1), logGamma(x) + Math.log(x), 1e-13, `recurrence at ${x}`);
    }
  });
});

describe('logBeta', () => {
  it('B(1/2, 1/2) = π', () => close(logBeta(0.5, 0.5), Math.log(Math.PI), 1e-14, 'lnB(.5,.5)'));
  it('B(3, 4) = 2!3!/6! = 1/60', () => close(logBeta(3, 4), -Math.log(60), 1e-14, 'lnB(3,4)'));
  it('large arguments', () => close(logBeta(1000.5, 2000.25), -1912.52542726362837921, 1e-13, 'lnB'));
});

describe('regularizedBeta I_x(a, b)', () => {
  const rows: Array<[number, number, number, number]> = [
    [0.3, 2, 3, 0.3483], // polynomial: exact
    [0.5, 10, 10, 0.5], // symmetry
    [0.05, 0.5, 0.5, (2 / Math.PI) * Math.asin(Math.sqrt(0.05))], // arcsine law
    [0.2, 100, 400, 0.508923503088836122815],
    [0.0009, 1, 2999, 0.932815675447351232746], // = 1 - (1-x)^2999
    [0.01, 5, 995, 0.971126334442954039327],
    [0.6, 1000.5, 700.25, 0.837159937442453493025],
    [0.1, 0.5, 20, 0.958672516081912744288],
    [0.999, 2999, 1, 0.049762156154190352186], // = x^2999
  ];
  for (const [x, a, b, expected] of rows) {
    it(`I_${x}(${a}, ${b}) = ${expected}`, () => close(regularizedBeta(x, a, b), expected, 1e-12, `I_${x}(${a},${b})`));
  }
  it('has the right ends and rejects bad parameters', () => {
    assert.equal(regularizedBeta(0, 2, 3), 0);
    assert.equal(regularizedBeta(1, 2, 3), 1);
    assert.ok(Number.isNaN(regularizedBeta(0.5, 0, 1)));
  });
  it('inverts', () => {
    for (const [p, a, b] of [
      [0.025, 5, 96],
      [0.975, 6, 95],
      [1e-6, 2, 50],
      [0.5, 0.5, 0.5],
    ] as const) {
      const x = inverseRegularizedBeta(p, a, b);
      close(regularizedBeta(x, a, b), p, 1e-12, `I(I^-1(${p}))`);
    }
  });
});

describe('binomial tails agree with direct summation', () => {
  function pmf(k: number, n: number, p: number): number {
    return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
  }
  for (const [k, n, p] of [
    [3, 20, 0.1],
    [0, 50, 0.02],
    [12, 40, 0.3],
    [40, 40, 0.9],
  ] as const) {
    it(`P(X >= ${k}), P(X <= ${k}) for Bin(${n}, ${p})`, () => {
      let upper = 0;
      for (let j = k; j <= n; j++) upper += pmf(j, n, p);
      let lower = 0;
      for (let j = 0; j <= k; j++) lower += pmf(j, n, p);
      close(binomialUpperTail(k, n, p), upper, 1e-12, 'upper');
      close(binomialLowerTail(k, n, p), lower, 1e-12, 'lower');
    });
  }
});

describe('normal distribution', () => {
  const quantiles: Array<[number, number]> = [
    [0.975, 1.9599639845400538556], // the 1.959963985 of every table
    [0.95, 1.64485362695147228428],
    [0.999, 3.09023230616781327776],
    [0.5, 0],
    [0.3, -0.524400512708040815969],
    [1e-10, -6.3613409024040561991],
    [1e-300, -37.0470962993611992365],
  ];
  for (const [p, z] of quantiles) {
    it(`Φ⁻¹(${p}) = ${z}`, () => close(normalQuantile(p), z, 1e-14, `Φ⁻¹(${p})`));
  }
  it('Φ(Φ⁻¹(p)) = p, relative, into both tails', () => {
    for (const p of [1e-12, 1e-5, 0.01, 0.2, 0.5, 0.8, 0.99]) {
      const back = normalCdf(normalQuantile(p));
      assert.ok(Math.abs(back - p) / p < 1e-13, `p=${p}: ${back}`);
    }
  });
  it('erfc and the incomplete gamma it rests on', () => {
    close(regularizedGammaQ(0.5, 2), 0.0455002638963584144006, 1e-14, 'Q(.5,2)');
    close(regularizedGammaQ(10, 12), 0.242392161670512348682, 1e-13, 'Q(10,12)');
    close(regularizedGammaQ(100, 90), 0.841779010813569831895, 1e-12, 'Q(100,90)');
    close(erfc(0), 1, 1e-15, 'erfc 0');
    close(erfc(-1) + erfc(1), 2, 1e-15, 'erfc symmetry');
  });
});

describe('Clopper-Pearson (fixed-sample reference)', () => {
  // Values verified with SciPy's beta.ppf; they match the 4-digit tables (e.g. 5/100 -> [0.0164, 0.1128]).
  it('0 failures in 3000: one-sided 95% upper bound 1 - 0.05^(1/3000) = 0.000998079 ("rule of three": 3/n = 0.001)', () => {
    const { lower, upper } = clopperPearson({ successes: 0, trials: 3000, alpha: 0.05, sides: 'upper' });
    assert.equal(lower, 0);
    close(upper, 0.000998079011996556, 1e-15, 'upper');
    assert.ok(upper < 0.001);
    // and 2994 trials are not enough: n must exceed ln(20)/-ln(0.999) = 2994.23
    assert.ok(clopperPearson({ successes: 0, trials: 2994, alpha: 0.05, sides: 'upper' }).upper > 0.001);
  });
  it('0/3000 two-sided 95%: upper 1 - 0.025^(1/3000) = 0.00122887', () => {
    close(clopperPearson({ successes: 0, trials: 3000, alpha: 0.05 }).upper, 0.0012288708038254992, 1e-15, 'upper');
  });
  it('5/100 two-sided 95% = [0.0164318792, 0.1128349111]', () => {
    const { lower, upper } = clopperPearson({ successes: 5, trials: 100, alpha: 0.05 });
    close(lower, 0.016431879182052155, 1e-12, 'lower');
    close(upper, 0.11283491110546275, 1e-12, 'upper');
  });
  it('1/10 two-sided 95% = [0.0025285785, 0.4450161170]', () => {
    const { lower, upper } = clopperPearson({ successes: 1, trials: 10, alpha: 0.05 });
    close(lower, 0.0025285785444617848, 1e-12, 'lower');
    close(upper, 0.4450161170281954, 1e-12, 'upper');
  });
  it('n/n mirrors 0/n', () => {
    const a = clopperPearson({ successes: 0, trials: 40, alpha: 0.05 });
    const b = clopperPearson({ successes: 40, trials: 40, alpha: 0.05 });
    close(b.lower, 1 - a.upper, 1e-14, 'mirror');
    assert.equal(b.upper, 1);
  });
});
