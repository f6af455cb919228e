import { readFileSync } from 'node:fs';

/** revgate's own version, from package.json (same relative location from src/ and dist/). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
