/**
 * Deployment files, checked for what a hospital relies on (no Kubernetes or Docker runs here; no npm package
 * ships the Kubernetes JSON schemas, so the manifests are parsed and checked field by field):
 * probes on /readyz and /healthz, the Secret behind DATABASE_URL, Service → pods, HPA → Deployment, PDB, the GPU
 * variant's nvidia.com/gpu; docker-compose: PostgreSQL and two replicas on it. Every variable they set is a
 * setting the service reads (src/server/config.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/paths';
import { SETTINGS } from '../../src/server/config';

const K8S = path.join(PROJECT_ROOT, 'deploy', 'k8s');
const SETTING_NAMES = new Set(SETTINGS.map((s) => s.name));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  resources: { requests?: Record<string, string>; limits?: Record<string, string | number> };
  readinessProbe: Probe;
  livenessProbe: Probe;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
}

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  Secret: 'v1',
  ConfigMap: 'v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
};

function manifests(): Map<string, Manifest> {
  const byFile = new Map<string, Manifest>();
  for (const file of fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8'));
    expect(docs).toHaveLength(1);
    expect(docs[0]!.errors).toEqual([]);
    byFile.set(file, docs[0]!.toJS() as Manifest);
  }
  return byFile;
}

const all = manifests();
const get = (file: string): Manifest => {
  const manifest = all.get(file);
  if (!manifest) throw new Error(`deploy/k8s/${file} is missing`);
  return manifest;
};
const podSpec = (deployment: Manifest): PodSpec => ((deployment.spec as { template: { spec: PodSpec } }).template.spec);
const podLabels = (deployment: Manifest): Record<string, string> => (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

test('every manifest has a known kind with its API version, and kustomization lists the CPU set', () => {
  for (const [file, manifest] of all) {
    expect(API_VERSIONS[manifest.kind]).toBe(manifest.apiVersion);
    expect(manifest.metadata.name).toMatch(/^[a-z0-9-]+$/);
    expect(file).toBeTruthy();
  }
  const kustomization = parse(fs.readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  for (const resource of kustomization.resources) expect(all.has(resource)).toBe(true);
  expect(kustomization.resources).toEqual(expect.arrayContaining(['deployment.yaml', 'service.yaml', 'hpa.yaml', 'pdb.yaml', 'secret.yaml']));
});

describe.each(['deployment.yaml', 'deployment-gpu.yaml'])('%s', (file) => {
  const deployment = get(file);
  const spec = podSpec(deployment);
  const container = spec.containers[0]!;

  test('probes: readiness on /readyz, liveness on /healthz, on the container port', () => {
    expect(deployment.kind).toBe('Deployment');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    const portNames = container.ports.map((p) => p.name);
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(portNames).toContain(probe.httpGet.port);
    expect(container.ports[0]!.containerPort).toBe(8080);
    // Shutdown (drain + deadline + keep-alive) fits in the grace period.
    const env = new Map(container.env.map((e) => [e.name, e.value]));
    const drainS = Number(env.get('CDS_SHUTDOWN_DRAIN_MS') ?? 1000) / 1000;
    const deadlineS = Number(env.get('CDS_DEADLINE_MS') ?? 2000) / 1000;
    expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(drainS + deadlineS + 5);
  });

  test('DATABASE_URL and LAMO_AUDIT_KEY come from the Secret; every variable is a setting the service reads', () => {
    const secret = get('secret.yaml');
    expect(secret.kind).toBe('Secret');
    for (const name of ['DATABASE_URL', 'LAMO_AUDIT_KEY']) {
      const ref = container.env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      expect(ref?.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData ?? {})).toContain(ref?.key);
    }
    expect(secret.stringData?.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
    for (const variable of container.env) expect(SETTING_NAMES.has(variable.name) ? variable.name : `unknown setting ${variable.name}`).toBe(variable.name);
    expect(container.env.find((e) => e.name === 'NODE_ENV')?.value).toBe('production');
  });

  test(file.includes('gpu') ? 'the GPU variant requests nvidia.com/gpu and scores with CUDA' : 'the CPU variant requests no GPU', () => {
    const gpus = container.resources.limits?.['nvidia.com/gpu'];
    const provider = container.env.find((e) => e.name === 'LAMO_EXECUTION_PROVIDER')?.value;
    if (file.includes('gpu')) {
      expect(Number(gpus)).toBeGreaterThanOrEqual(1);
      expect(provider).toBe('cuda');
    } else {
      expect(gpus).toBeUndefined();
      expect(provider).toBe('cpu');
    }
  });
});

test('Service, HPA and PDB point at the Deployment and its pods', () => {
  const deployment = get('deployment.yaml');
  const labels = podLabels(deployment);
  const service = get('service.yaml').spec as { selector: Record<string, string>; ports: { targetPort: string | number }[] };
  expect(matches(service.selector, labels)).toBe(true);
  expect(podSpec(deployment).containers[0]!.ports.map((p) => p.name)).toContain(service.ports[0]!.targetPort);
  const hpa = get('hpa.yaml').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
  expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
  expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
  expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
  const pdb = get('pdb.yaml').spec as { minAvailable?: number; maxUnavailable?: number; selector: { matchLabels: Record<string, string> } };
  expect(matches(pdb.selector.matchLabels, labels)).toBe(true);
  expect((pdb.minAvailable ?? 0) >= 1 || (pdb.maxUnavailable ?? 0) >= 1).toBe(true);
  const issuers = get('configmap.yaml').data?.['trusted-issuers.json'];
  expect(Array.isArray(JSON.parse(issuers ?? 'null'))).toBe(true);
});

test('docker-compose: PostgreSQL and two service replicas on it', () => {
  const file = path.join(PROJECT_ROOT, 'docker-compose.yml');
  const compose = parse(fs.readFileSync(file, 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string; environment?: Record<string, string>; depends_on?: Record<string, unknown>; ports?: string[] }>;
  };
  const services = Object.entries(compose.services);
  const postgres = services.filter(([, s]) => /^postgres:/.test(s.image ?? ''));
  expect(postgres).toHaveLength(1);
  const replicas = services.filter(([, s]) => s.image === 'lamo-cds:latest');
  expect(replicas.length).toBeGreaterThanOrEqual(2);
  const hostPorts = new Set<string>();
  for (const [, replica] of replicas) {
    expect(replica.environment?.DATABASE_URL).toMatch(new RegExp(`^postgres://[^@]+@${postgres[0]![0]}:5432/`));
    expect(Object.keys(replica.depends_on ?? {})).toContain(postgres[0]![0]);
    for (const name of Object.keys(replica.environment ?? {})) expect(SETTING_NAMES.has(name) ? name : `unknown setting ${name}`).toBe(name);
    for (const port of replica.ports ?? []) hostPorts.add(port.split(':')[0]!);
  }
  expect(hostPorts.size).toBe(replicas.length);
  // Where a Compose binary exists, it must accept the file as well.
  const compose2 = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const legacy = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  const command = compose2.status === 0 ? ['docker', 'compose'] : legacy.status === 0 ? ['docker-compose'] : undefined;
  if (command) {
    const checked = spawnSync(command[0]!, [...command.slice(1), '-f', file, 'config', '--quiet'], { encoding: 'utf8', env: { ...process.env, POSTGRES_PASSWORD: 'x', LAMO_AUDIT_KEY: 'x'.repeat(32) } });
    expect(checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  }
});
