/**
 * Issue 14: the GitHub Action (action.yml) and the Azure Pipelines template (templates/revgate-gate.yml) run
 * as those systems run them: each step's shell script from the YAML, with its `env:` filled in from the
 * inputs/parameters, under the variables the runner sets (GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files; TF_BUILD
 * and logging commands read from stdout), against real sandbox gates that pass, fail and stay inconclusive.
 * The project folder has @revgate/cli "installed" as a link to this checkout (install: false); installing
 * from the registry (install: true) needs the published package and is not run here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildCli } from '../../src/cli/main.js';
import { ROOT, tempDir, writeJson } from '../helpers/cli.js';

interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** This process's environment without any CI system's own variables, so each test sets exactly what a runner would. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|RUNNER_|TF_BUILD|AGENT_|SYSTEM_|BUILD_|npm_)/i.test(k) || k === 'REVGATE_TOKEN') continue;
    env[k] = v;
  }
  return env;
}

function bash(args: string[], cwd: string, env: Record<string, string>): Promise<StepRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000); // a hang guard, not a budget
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `key=value` lines and `key<<DELIMITER` blocks, as the runner reads $GITHUB_OUTPUT. */
function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2] as string, i + 1);
      out[heredoc[1] as string] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: {
    using: string;
    steps: Array<{ id?: string; if?: string; uses?: string; shell?: string; run?: string; env?: Record<string, string>; 'working-directory'?: string }>;
  };
}

interface GithubRun {
  /** The failing step's exit code, or 0. */
  code: number | null;
  outputs: Record<string, string>;
  stdout: string;
  stderr: string;
  summary: string;
}

/** Runs action.yml's steps in order, as a composite action's runner does; stops at the first failing step. */
async function runAction(project: string, inputs: Record<string, string>): Promise<GithubRun> {
  const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;
  const scratch = tempDir({ after }, 'revgate-gh-');
  const summary = path.join(scratch, 'step-summary.md');
  writeFileSync(summary, '');
  const value = (name: string): string => inputs[name] ?? action.inputs[name]?.default ?? '';
  const steps: Record<string, Record<string, string>> = {};
  const expand = (s: string): string =>
    s.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
      let m: RegExpExecArray | null;
      if ((m = /^inputs\.([\w-]+)$/.exec(expr))) return value(m[1] as string);
      if (expr === 'github.action_path') return ROOT;
      if (expr === 'runner.temp') return scratch;
      if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) return steps[m[1] as string]?.[m[2] as string] ?? '';
      throw new Error(`action.yml uses an expression this test does not know: ${expr}`);
    });
  let stdout = '';
  let stderr = '';
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.uses) {
      // The one `uses:` step sets up Node.js 20; this machine runs the tests on Node 20 already.
      assert.match(step.uses, /^actions\/setup-node@v\d+$/);
      assert.equal(step.if, "inputs.setup-node == 'true'");
      continue;
    }
    assert.equal(step.shell, 'bash');
    const output = path.join(scratch, `output-${i}`);
    writeFileSync(output, '');
    const script = path.join(scratch, `step-${i}.sh`);
    writeFileSync(script, step.run as string);
    const env = {
      ...baseEnv(),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_WORKSPACE: project,
      RUNNER_TEMP: scratch,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v))])),
    };
    // GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
    const r = await bash(['--noprofile', '--norc', '-eo', 'pipefail', script], path.resolve(project, expand(step['working-directory'] ?? '.')), env);
    stdout += r.stdout;
    stderr += r.stderr;
    if (step.id) steps[step.id] = parseGithubOutput(readFileSync(output, 'utf8'));
    if (r.code !== 0) return { code: r.code, outputs: {}, stdout, stderr, summary: readFileSync(summary, 'utf8') };
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, o]) => [k, expand(o.value)]));
  return { code: 0, outputs, stdout, stderr, summary: readFileSync(summary, 'utf8') };
}

type Params = Record<string, string | boolean | Record<string, string>>;

/** Azure's template expansion for what the template uses: ${{ parameters.x }}, ${{ if eq(...) }} and ${{ each }}. */
function expandTemplate(node: unknown, params: Params): unknown {
  const scalar = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  if (typeof node === 'string')
    return node.replace(/\$\{\{\s*parameters\.(\w+)\s*\}\}/g, (_m, name: string) => {
      assert.ok(name in params, `parameter ${name}`);
      return scalar(params[name]);
    });
  if (Array.isArray(node))
    return node.flatMap((item) => {
      const key = item && typeof item === 'object' ? Object.keys(item as object)[0] : undefined;
      const cond = key ? /^\$\{\{\s*if eq\(parameters\.(\w+), (true|false)\)\s*\}\}$/.exec(key) : null;
      if (cond)
        return String(params[cond[1] as string]) === cond[2] ? (expandTemplate((item as Record<string, unknown>)[key as string], params) as unknown[]) : [];
      return [expandTemplate(item, params)];
    });
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const each = /^\$\{\{\s*each pair in parameters\.(\w+)\s*\}\}$/.exec(k);
      if (each) Object.assign(out, params[each[1] as string]);
      else out[k] = expandTemplate(v, params);
    }
    return out;
  }
  return node;
}

interface AzureRun extends StepRun {
  variables: Record<string, string>;
  /** Succeeded, SucceededWithIssues or Failed, as the agent would record the step. */
  result: string;
}

/** Runs the template's bash step with its parameters, as the agent runs a Bash task; reads the logging commands it printed. */
async function runTemplate(project: string, parameters: Record<string, string | boolean | Record<string, string>>): Promise<AzureRun> {
  const template = parse(readFileSync(path.join(ROOT, 'templates', 'revgate-gate.yml'), 'utf8')) as {
    parameters: Array<{ name: string; default?: unknown }>;
    steps: unknown[];
  };
  const params: Params = Object.fromEntries(template.parameters.map((p) => [p.name, p.default as string]));
  Object.assign(params, parameters);
  const steps = expandTemplate(template.steps, params) as Array<{ bash?: string; name?: string; env?: Record<string, string>; workingDirectory?: string }>;
  const step = steps.find((s) => s.bash);
  assert.ok(step?.bash);
  const scratch = tempDir({ after }, 'revgate-azp-');
  const script = path.join(scratch, 'step.sh');
  writeFileSync(script, step.bash);
  const env = { ...baseEnv(), TF_BUILD: 'True', AGENT_TEMPDIRECTORY: scratch, SYSTEM_DEFAULTWORKINGDIRECTORY: project, ...(step.env ?? {}) };
  const r = await bash(['--noprofile', '--norc', script], path.resolve(project, step.workingDirectory ?? '.'), env);
  const variables: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^##vso\[task\.setvariable variable=(\w+);isOutput=true\](.*)$/gm)) variables[m[1] as string] = m[2] as string;
  const completed = /^##vso\[task\.complete result=(\w+);\]/m.exec(r.stdout)?.[1];
  const result = r.code !== 0 ? 'Failed' : (completed ?? 'Succeeded');
  return { ...r, variables, result };
}

describe('the GitHub Action and the Azure Pipelines template, run as their runners run them', () => {
  const dir = tempDir({ after }, 'revgate-pipes-');
  // A project that installed revgate (npm ci): node_modules/@revgate/cli is this checkout.
  const project = path.join(dir, 'my project');
  mkdirSync(path.join(project, 'node_modules', '@revgate'), { recursive: true });
  symlinkSync(ROOT, path.join(project, 'node_modules', ...pkg.name.split('/')), 'dir');
  // Criteria a few hundred requests decide: a pass that does not take the shipped criteria's ~7,000 requests.
  // Short windows and minimum duration: the default minDuration (1m) would hold every pass for a minute.
  const quick = { window: '50ms', minDuration: '2s' };
  const easy = writeJson(path.join(project, 'easy criteria.json'), { ...quick, thresholds: { http_req_failed: ['rate<0.5'] } });
  const errors = writeJson(path.join(project, 'errors.json'), { ...quick, thresholds: { http_req_failed: ['rate<0.01'] } });
  const apex = path.join(ROOT, 'load', 'criteria', 'apex-canary.json');
  const gateArgs = (criteria: string, ...more: string[]): string =>
    ['# a comment, and a blank line below, are ignored', '', '--sandbox', `--criteria ${criteria}`, '--rate 100', ...more].join('\n');
  const CASES = {
    pass: gateArgs(easy),
    fail: gateArgs(errors, '--fault errors=1'),
    inconclusive: gateArgs(apex, '--max-requests 20'),
  };

  before(() => assert.ok(existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built by npm test (pretest) or npm run build'));

  it('GitHub: outputs, step result and annotations for pass, fail and inconclusive, under fail-on', async () => {
    const install = { install: 'false', command: 'gate' };
    const [pass, fail, inconclusive, strict] = await Promise.all([
      runAction(project, { ...install, args: CASES.pass, out: 'reports/pass' }),
      // fail-on without "fail": the step stays green with a warning, and the action's outputs say fail.
      runAction(project, { ...install, args: CASES.fail, out: 'reports/fail', 'fail-on': 'error' }),
      runAction(project, { ...install, args: CASES.inconclusive, out: 'reports/inconclusive' }),
      runAction(project, { ...install, args: CASES.inconclusive, out: 'reports/strict', 'fail-on': 'fail, inconclusive, error' }),
    ]);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.deepEqual(pass.outputs, { verdict: 'pass', decision: 'promote', 'exit-code': '0', 'report-dir': 'reports/pass' });
    assert.match(pass.stdout, new RegExp(`revgate ${pkg.version.replace(/\./g, '\\.')} from `));
    assert.match(pass.summary, /## revgate gate: ✅ PASS/);
    assert.ok(existsSync(path.join(project, 'reports/pass/junit.xml')));
    // No error; a warning only for an advisory gate (the generator's event-loop delay on a busy machine).
    assert.ok(!/^::error/m.test(pass.stdout), pass.stdout);
    assert.ok(
      pass.stdout.split('\n').every((l) => !l.startsWith('::warning') || /\(advisory\)::/.test(l)),
      pass.stdout,
    );

    assert.equal(fail.code, 0, fail.stdout + fail.stderr);
    assert.deepEqual(fail.outputs, { verdict: 'fail', decision: 'rollback', 'exit-code': '1', 'report-dir': 'reports/fail' });
    assert.match(fail.stdout, /^::warning title=revgate fail::revgate gate: verdict fail \(rollback, exit 1\); the step passes because fail-on is 'error'$/m);
    assert.match(fail.summary, /FAIL/);
    // revgate's own annotation for the gate that failed, its title escaped as a property (: -> %3A).
    assert.match(fail.stdout, /^::error title=revgate gate%3A gate http_req_failed%3Arate<0\.01 failed::http_req_failed rate<0\.01: error rate 100\.0%25, /m);

    // The default fail-on (fail,error): a hold is not a failed job, but nothing may promote on it.
    assert.equal(inconclusive.code, 0, inconclusive.stdout + inconclusive.stderr);
    assert.match(inconclusive.stdout, /^::warning title=revgate gate%3A gate availability%3Arate>=0\.999 inconclusive::/m);
    assert.deepEqual(inconclusive.outputs, { verdict: 'inconclusive', decision: 'hold', 'exit-code': '2', 'report-dir': 'reports/inconclusive' });
    assert.match(
      inconclusive.stdout,
      /^::warning title=revgate inconclusive::revgate gate: verdict inconclusive \(hold, exit 2\); the step passes because fail-on is 'fail,error'$/m,
    );

    assert.equal(strict.code, 2, 'a verdict listed in fail-on fails the step with revgate exit code');
  });

  it('Azure Pipelines (default failOn): output variables, Failed on fail, SucceededWithIssues on inconclusive', async () => {
    const common = { install: false, setupNode: false, command: 'gate', workingDirectory: project };
    const [pass, fail, inconclusive] = await Promise.all([
      runTemplate(project, { ...common, args: CASES.pass, out: 'reports/az-pass' }),
      runTemplate(project, { ...common, args: CASES.fail, out: 'reports/az-fail' }),
      runTemplate(project, { ...common, args: CASES.inconclusive, out: 'reports/az-inconclusive' }),
    ]);
    assert.equal(pass.result, 'Succeeded', pass.stdout + pass.stderr);
    assert.deepEqual(pass.variables, { revgateVerdict: 'pass', revgateDecision: 'promote', revgateExitCode: '0', revgateReportDir: 'reports/az-pass' });
    assert.match(pass.stdout, /^##vso\[task\.uploadsummary\].*reports\/az-pass\/summary\.md$/m);

    assert.equal(fail.result, 'Failed');
    assert.equal(fail.code, 1);
    assert.deepEqual(fail.variables, { revgateVerdict: 'fail', revgateDecision: 'rollback', revgateExitCode: '1', revgateReportDir: 'reports/az-fail' });
    assert.match(
      fail.stdout,
      /^##vso\[task\.logissue type=error;code=gate\]revgate gate: gate http_req_failed:rate<0\.01 failed: http_req_failed rate<0\.01: error rate 100\.0%AZP25, /m,
    );

    assert.equal(inconclusive.result, 'SucceededWithIssues', inconclusive.stdout + inconclusive.stderr);
    assert.equal(inconclusive.code, 0);
    assert.deepEqual(inconclusive.variables, {
      revgateVerdict: 'inconclusive',
      revgateDecision: 'hold',
      revgateExitCode: '2',
      revgateReportDir: 'reports/az-inconclusive',
    });
    assert.match(inconclusive.stdout, /^##vso\[task\.logissue type=warning\]revgate gate: verdict inconclusive/m);
  });

  it('options are never run as shell code, values keep their spaces, and bad usage fails the step (exit 3) in both systems', async () => {
    const marker = path.join(dir, 'pwned');
    const args = `--sandbox\n--criteria ${easy}\n--allow-host $(touch ${marker})\n--max-duration \`touch ${marker}\``;
    const [gh, az, outFlag, badFailOn] = await Promise.all([
      runAction(project, { install: 'false', command: 'gate', args }),
      runTemplate(project, { install: false, setupNode: false, command: 'gate', args, workingDirectory: project }),
      runAction(project, { install: 'false', command: 'gate', args: '--sandbox\n--out elsewhere' }),
      runAction(project, { install: 'false', command: 'gate', args: '--sandbox', 'fail-on': 'sometimes' }),
    ]);
    assert.ok(!existsSync(marker), 'nothing in an option was executed');
    assert.equal(gh.code, 3, gh.stdout + gh.stderr);
    assert.match(gh.stderr, /--max-duration.*`touch/, 'revgate received the value as written and refused it');
    assert.equal(az.result, 'Failed');
    assert.deepEqual(az.variables, { revgateVerdict: '', revgateDecision: '', revgateExitCode: '3', revgateReportDir: 'reports/gate' });
    assert.equal(outFlag.code, 3);
    assert.match(outFlag.stdout, /^::error title=revgate step::give the report folder as the out input/m);
    assert.equal(badFailOn.code, 3);
    assert.match(badFailOn.stdout, /fail-on takes fail, inconclusive and error/);
  });

  it("the template's default version is the package's, and both declare the same options", () => {
    const template = parse(readFileSync(path.join(ROOT, 'templates', 'revgate-gate.yml'), 'utf8')) as {
      parameters: Array<{ name: string; default?: unknown }>;
    };
    const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;
    assert.equal(template.parameters.find((p) => p.name === 'version')?.default, pkg.version);
    const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const azure = template.parameters.map((p) => kebab(p.name)).filter((n) => n !== 'name' && n !== 'env');
    assert.deepEqual(azure.sort(), Object.keys(action.inputs).sort());
    assert.equal(action.inputs['fail-on']?.default, template.parameters.find((p) => p.name === 'failOn')?.default);
  });

  it("the README's workflow and pipeline examples use only declared inputs, and their options parse", async () => {
    const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;
    const template = parse(readFileSync(path.join(ROOT, 'templates', 'revgate-gate.yml'), 'utf8')) as { parameters: Array<{ name: string }> };
    const blocks = [...readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    const uses: Array<Record<string, string>> = [];
    for (const block of blocks) {
      const doc = parse(block) as unknown;
      const steps = (Array.isArray(doc) ? doc : ((doc as { steps?: unknown[] }).steps ?? [])) as Array<Record<string, unknown>>;
      for (const step of steps) {
        if (typeof step.uses === 'string' && /\/revgate@/.test(step.uses)) {
          const w = step.with as Record<string, string>;
          assert.deepEqual(
            Object.keys(w).filter((k) => !(k in action.inputs)),
            [],
            'Action inputs',
          );
          uses.push(w);
        }
        if (typeof step.template === 'string' && step.template.startsWith('templates/revgate-gate.yml@')) {
          const p = step.parameters as Record<string, string>;
          assert.deepEqual(
            Object.keys(p).filter((k) => !template.parameters.some((d) => d.name === k)),
            [],
            'template parameters',
          );
          uses.push(p);
        }
      }
    }
    assert.ok(uses.length >= 3, 'the smoke step, the canary gate and the Azure Pipelines gate');
    for (const u of uses) {
      // The options as the step script reads them: a flag per line, then its value as written.
      const argv = [u.command as string];
      for (const line of (u.args ?? '').split('\n').map((l) => l.trim())) {
        if (!line || line.startsWith('#')) continue;
        const [flag, ...value] = line.split(' ');
        argv.push(flag as string, ...(value.length ? [value.join(' ').replace(/\$\{\{[^}]+\}\}|\$\(\w+\)/g, 'x.example.azurecontainerapps.io')] : []));
      }
      await assert.doesNotReject(() => buildCli(argv, { parseOnly: true }).parseAsync(), argv.join(' '));
    }
  });
});
