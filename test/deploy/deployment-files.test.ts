/**
 * The Dockerfile and the Kubernetes manifests under deploy/ are checked against the code they
 * deploy (no Docker engine or cluster runs here): the image's build steps are package.json
 * scripts, its install scripts are the ones package.json allows, it ships what the package ships
 * and runs as a non-root user with a health check; the manifests wire Deployment, Service,
 * ConfigMap and Secret together, probe /health and /ready on the named port, and set only
 * settings the server reads.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { startTestServer } from '../helpers/server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  allowScripts: Record<string, boolean>;
  files: string[];
  engines: { node: string };
};

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions grouped by stage (continuation lines joined, comments dropped). */
function dockerStages(text: string): Instruction[][] {
  const joined = text.replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    if (m[1] === 'FROM') stages.push([]);
    stages[stages.length - 1]!.push({ op: m[1]!, args: m[2]!.trim() });
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerStages(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const build = stages[0]!;
  const runtime = stages[stages.length - 1]!;
  const all = stages.flat();

  it('builds in one stage and runs from a separate one on the supported Node version', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const minNode = Number(/\d+/.exec(pkg.engines.node)![0]);
    for (const s of stages) {
      const from = s[0]!.args;
      const major = Number(/^node:(\d+)/.exec(from)?.[1]);
      assert.ok(major >= minNode, `${from} runs Node ≥ ${minNode}`);
    }
    assert.match(build[0]!.args, / AS build$/i);
  });

  it('runs only package.json scripts and only the install scripts package.json allows', () => {
    const runs = all.filter((i) => i.op === 'RUN').map((i) => i.args);
    const scripts = runs.flatMap((r) => [...r.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
    assert.ok(scripts.includes('build'));
    for (const s of scripts) assert.ok(pkg.scripts[s], `npm run ${s} is a script of package.json`);
    assert.ok(runs.some((r) => /npm ci --ignore-scripts/.test(r)));
    const rebuilt = runs.flatMap((r) => /npm rebuild ([^&]+)/.exec(r)?.[1]!.trim().split(/\s+/) ?? []);
    const allowed = Object.entries(pkg.allowScripts)
      .filter(([, ok]) => ok)
      .map(([name]) => name);
    assert.deepEqual([...rebuilt].sort(), [...allowed].sort());
  });

  it('copies sources that exist and ships what the npm package ships', () => {
    for (const copy of build.filter((i) => i.op === 'COPY')) {
      const parts = copy.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(root, src)), `COPY ${src}`);
    }
    const shipped = runtime
      .filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build'))
      .map((i) => i.args.split(/\s+/)[2]!.replace(/^\/src\//, ''));
    for (const f of pkg.files.filter((f) => f !== 'docs' && f !== 'README.md')) {
      assert.ok(shipped.includes(f), `the image holds ${f}`);
    }
    assert.ok(shipped.includes('node_modules'));
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const local of ['node_modules', 'dist', 'ui/dist']) assert.ok(ignore.includes(local), local);
  });

  it('runs as a non-root user, on the port it exposes, with a health check on /health', () => {
    const user = runtime.find((i) => i.op === 'USER')?.args;
    assert.ok(user && user !== 'root' && user !== '0', `USER ${user}`);
    const env = runtime
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    const port = /CAIRN_PORT=(\d+)/.exec(env)?.[1];
    assert.equal(runtime.find((i) => i.op === 'EXPOSE')?.args, port);
    assert.match(env, /CAIRN_HOST=0\.0\.0\.0/);
    const health = runtime.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    assert.match(health, /\/health/);
    assert.match(health, new RegExp(`CAIRN_PORT \\|\\| ${port}`));
    assert.equal(runtime.find((i) => i.op === 'ENTRYPOINT')?.args, '["node", "bin/cairn.js"]');
    assert.equal(runtime.find((i) => i.op === 'CMD')?.args, '["server"]');
  });
});

type Manifest = {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
} & Record<string, unknown>;

const dir = join(root, 'deploy', 'kubernetes');
const manifests: Manifest[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest));
const one = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, kind);
  return found[0]!;
};

interface Container {
  args: string[];
  ports?: { name: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } };
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const deployment = one('Deployment') as Manifest & {
    spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
  };
  const service = one('Service') as Manifest & {
    spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
  };
  const config = one('ConfigMap');
  const secret = one('Secret');
  const template = deployment.spec.template;
  const server = template.spec.containers[0]!;
  const subset = (a: Record<string, string>, b: Record<string, string>): boolean =>
    Object.entries(a).every(([k, v]) => b[k] === v);

  it('runs several replicas that the Deployment and the Service both select', () => {
    assert.ok(deployment.spec.replicas >= 2);
    assert.ok(subset(deployment.spec.selector.matchLabels, template.metadata.labels));
    assert.ok(subset(service.spec.selector, template.metadata.labels));
    // The Job's pods must not receive the Service's traffic.
    const job = one('Job') as Manifest & { spec: { template: PodTemplate } };
    assert.ok(!subset(service.spec.selector, job.spec.template.metadata.labels));
  });

  it('routes the Service and the probes to the named server port: ready on /ready, alive on /health', () => {
    const portNames = (server.ports ?? []).map((p) => p.name);
    for (const p of service.spec.ports) assert.ok(portNames.includes(p.targetPort), p.targetPort);
    assert.equal(server.readinessProbe?.httpGet.path, '/ready');
    assert.equal(server.livenessProbe?.httpGet.path, '/health');
    assert.ok(portNames.includes(server.readinessProbe!.httpGet.port));
    assert.ok(portNames.includes(server.livenessProbe!.httpGet.port));
    const http = server.ports!.find((p) => p.name === server.readinessProbe!.httpGet.port)!;
    assert.equal(String(http.containerPort), config.data?.CAIRN_PORT);
    assert.equal(config.data?.CAIRN_HOST, '0.0.0.0');
    assert.equal(template.spec.securityContext?.runAsNonRoot, true);
  });

  it('probes paths the server answers with its own status, not the web UI page', async () => {
    const running = await startTestServer('sqlite');
    try {
      for (const probe of [server.readinessProbe!, server.livenessProbe!].map((p) => p.httpGet.path)) {
        const res = await fetch(`${running.url}${probe}`);
        assert.equal(res.status, 200, probe);
        assert.doesNotMatch(res.headers.get('content-type') ?? '', /html/, probe);
        await res.arrayBuffer();
      }
    } finally {
      await running.stop();
    }
  });

  it('loads its settings from the ConfigMap and the Secret, the database URI and S3 keys secret', () => {
    const refs = (server.envFrom ?? []).map((e) => e.configMapRef?.name ?? e.secretRef?.name);
    assert.deepEqual(refs.sort(), [config.metadata.name, secret.metadata.name].sort());
    const secretKeys = Object.keys(secret.stringData ?? {});
    for (const k of ['CAIRN_BACKEND_STORE_URI', 'AWS_SECRET_ACCESS_KEY', 'CAIRN_SECRET_KEY'])
      assert.ok(secretKeys.includes(k), k);
    assert.ok(!Object.keys(config.data ?? {}).some((k) => /PASSWORD|SECRET|STORE_URI/.test(k)));
  });

  it('sets only settings the server reads', () => {
    const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    // Read by the AWS SDK itself.
    const awsSdk = new Set(['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    for (const key of [...Object.keys(config.data ?? {}), ...Object.keys(secret.stringData ?? {})]) {
      if (awsSdk.has(key)) continue;
      const name = key.replace(/^CAIRN_/, '');
      // `setting(opt, 'NAME', env)` reads CAIRN_NAME (then MLFLOW_NAME); others by full name.
      assert.ok(sources.includes(`'${name}'`) || sources.includes(key), `${key} is read by src/`);
    }
  });

  it('lists every server resource in the kustomization and upgrades the schema with a real command', async () => {
    const kustomization = parseAllDocuments(
      readFileSync(join(dir, 'kustomization.yaml'), 'utf8'),
    )[0]!.toJS() as {
      resources: string[];
    };
    for (const r of kustomization.resources) assert.ok(existsSync(join(dir, r)), r);
    for (const f of ['configmap.yaml', 'secret.yaml', 'deployment.yaml', 'service.yaml'])
      assert.ok(kustomization.resources.includes(f), f);
    const job = one('Job') as Manifest & { spec: { template: PodTemplate } };
    const args = job.spec.template.spec.containers[0]!.args;
    assert.deepEqual(args.slice(0, 2), ['db', 'upgrade']);
    assert.equal(args[2], '$(CAIRN_BACKEND_STORE_URI)');
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(root, 'bin', 'cairn.js'),
      ...args.slice(0, 2),
      '--help',
    ]);
    assert.match(stdout, /Usage: cairn db upgrade/);
  });
});
