import type { Reporter } from './types.js';

export const jsonReporter: Reporter = {
  name: 'json',
  file: 'verdict.json',
  render: (verdict) => `${JSON.stringify(verdict, null, 2)}\n`,
};
