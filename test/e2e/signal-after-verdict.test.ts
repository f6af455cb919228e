/**
 * A signal that arrives after the verdict is published, while Node is winding down, ends the process with the
 * exit code the run decided; the signal's default action (death by SIGTERM, no exit code) would turn a
 * published `fail` into what a pipeline reads as a crash. Found by the random-moment SIGTERM runs
 * (fail-closed-signals: one CI run in ~20); aimed here at the end of the run, the last line revgate prints being
 * the reports line. Before the launcher exited explicitly, 9 to 14 of these 16 died by the signal: on a natural
 * exit Node restores the default action while it closes its handles, and tearing down took ~10 ms.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-late-signal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs smoke against a closed port (every check fails at once: verdict fail, exit 1) and signals after the reports line. */
function signalledAtTheEnd(config: string, delayMs: number, sig: NodeJS.Signals, out: string): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/revgate.js'), 'smoke', '--config', config, '--base-url', 'http://127.0.0.1:9', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, REVGATE_TOKEN: 'late-signal-token', PLANTED_KEY: 'k', PLANTED_CUSTOM: 'c', GITHUB_ACTIONS: '', TF_BUILD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && /^reports: /m.test(stdout)) {
        sent = true;
        setTimeout(() => child.kill(sig), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('a signal after the verdict is published', { concurrency: 4 }, () => {
  const { specs: _specs, ...suite } = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/leak.config.json'), 'utf8')) as Record<string, unknown>;
  const config = path.join(dir, 'declared.json');
  writeFileSync(config, JSON.stringify(suite));

  // 0-15 ms after the reports line: the span in which the run's handlers go and the launcher takes over.
  const cases: Array<[NodeJS.Signals, number]> = [];
  for (let d = 0; d <= 15; d += 1) cases.push([d % 3 === 0 ? 'SIGINT' : 'SIGTERM', d]);
  for (const [sig, delay] of cases) {
    it(`${sig} ${delay} ms after the reports line: exit 1 as decided, never the signal's death`, async () => {
      const r = await signalledAtTheEnd(config, delay, sig, path.join(dir, `${sig}-${delay}`));
      assert.match(r.stdout, /verdict: fail \(decision: rollback, exit 1\)/);
      assert.equal(r.signal, null, `killed by ${r.signal} after the verdict was published: ${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
    });
  }
});
