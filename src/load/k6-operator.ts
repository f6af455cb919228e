/**
 * `--emit k6-operator --parallelism N`: a ConfigMap (script + profile) and a k6-operator TestRun that
 * runs the profile on N runner pods. k6-operator splits the arrival rate across runners with
 * execution segments, but it does NOT aggregate thresholds: each runner evaluates them on its own
 * 1/N share and reports its own pass/fail. A verdict must therefore read every runner's result
 * (each pod's exit code: 99 = thresholds failed, and its summary), never just one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { K6_SCRIPT } from './k6.js';

export interface OperatorManifests {
  configMap: Record<string, unknown>;
  testRun: Record<string, unknown>;
}

/** DNS-1123 name from a profile name. */
export function k8sName(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return `revgate-${n || 'load'}`;
}

export function buildOperatorManifests(input: {
  profileName: string;
  profileJson: string;
  script: string;
  baseUrl: string;
  parallelism: number;
  namespace?: string;
  secretEnv?: string[];
}): OperatorManifests {
  const name = k8sName(input.profileName);
  const metadata = {
    name,
    ...(input.namespace ? { namespace: input.namespace } : {}),
    labels: { 'app.kubernetes.io/managed-by': 'revgate', 'revgate.dev/profile': name },
  };
  return {
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { 'profile.ts': input.script, 'profile.json': input.profileJson } },
    testRun: {
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata,
      spec: {
        parallelism: input.parallelism,
        // k6-operator mounts the ConfigMap at /test.
        script: { configMap: { name, file: 'profile.ts' } },
        arguments: `--tag testid=${name}`,
        runner: {
          env: [
            { name: 'REVGATE_PROFILE', value: '/test/profile.json' },
            { name: 'REVGATE_BASE_URL', value: input.baseUrl },
            // Each runner prints its own summary: collect every runner's (kubectl logs), thresholds are per runner.
            { name: 'REVGATE_SUMMARY', value: '/tmp/revgate-summary.json' },
            // Env vars the profile references (tokens): from a Secret you create, never written into the manifest.
            ...(input.secretEnv ?? []).map((v) => ({ name: v, valueFrom: { secretKeyRef: { name: `${name}-secrets`, key: v } } })),
          ],
        },
      },
    },
  };
}

/** Minimal YAML for the manifests (strings quoted as JSON, multi-line strings as literal blocks). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'object' && v !== null ? `${pad}-\n${toYaml(v, indent + 2)}` : `${pad}- ${scalar(v, indent + 2)}`)).join('\n');
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => {
        const key = /^[A-Za-z0-9_./-]+$/.test(k) ? k : JSON.stringify(k);
        if (typeof v === 'object' && v !== null) return `${pad}${key}:\n${toYaml(v, indent + 2)}`;
        return `${pad}${key}: ${scalar(v, indent + 2)}`;
      })
      .join('\n');
  }
  return `${pad}${scalar(value, indent)}`;
}

function scalar(v: unknown, indent: number): string {
  if (typeof v === 'string' && v.includes('\n')) {
    const pad = ' '.repeat(indent);
    return `|-\n${v
      .split('\n')
      .map((l) => (l ? pad + l : ''))
      .join('\n')}`;
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Writes configmap.yaml and testrun.yaml under `dir`; returns their paths. */
export function emitOperatorManifests(
  dir: string,
  input: { profileName: string; profileFile: string; baseUrl: string; parallelism: number; namespace?: string; secretEnv?: string[] },
): { configMap: string; testRun: string } {
  const m = buildOperatorManifests({ ...input, profileJson: readFileSync(input.profileFile, 'utf8'), script: readFileSync(K6_SCRIPT, 'utf8') });
  mkdirSync(dir, { recursive: true });
  const configMap = path.join(dir, 'configmap.yaml');
  const testRun = path.join(dir, 'testrun.yaml');
  writeFileSync(configMap, `${toYaml(m.configMap)}\n`);
  writeFileSync(testRun, `${toYaml(m.testRun)}\n`);
  return { configMap, testRun };
}
