import { existsSync } from 'node:fs';

/** Where a system Chromium usually lives; Playwright's own browser download is not available everywhere. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];

/** The Chromium to drive: REVGATE_CHROMIUM, else a system install, else undefined (Playwright's bundled one, if any). */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const explicit = env.REVGATE_CHROMIUM;
  if (explicit) return explicit;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Flags for a headless Chromium on a CI box with no network beyond the target. */
export function chromiumArgs(isRoot: boolean): string[] {
  return [
    ...(isRoot ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}
