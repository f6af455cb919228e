/**
 * Tier policies for a test catalog whose latency budgets a loaded machine cannot reach (the tiers' defaults are
 * 200 ms warn and 500 ms fail, which a loopback probe exceeds at a load of 10 on 2 cores): a tenant then fails
 * or degrades only for what the test injects. Rate limits stay the defaults.
 */
const calm = { latency: { warnMs: 5_000, maxMs: 10_000 } };
export const CALM_TIERS = { basic: calm, premium: calm, enterprise: calm };
