/**
 * The kubernetes backend: the project's command runs as a Job built from a user-supplied template
 * (as MLflow's kubernetes backend does), submitted with kubectl to the configured context; the
 * Job's status is followed and mirrored onto the tracking run.
 *
 * Backend config (`-c/--backend-config`, JSON file or string): `kube-context` (optional: kubectl's
 * current context otherwise), `kube-job-template-path` (required), `repository-uri` (the image to
 * run; defaults to the project's docker_env image).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { RunStatus } from '../../entities/tracking.js';
import { invalidParam } from '../../errors.js';

const execFileP = promisify(execFile);

export interface KubernetesConfig {
  kubeContext?: string;
  jobTemplatePath: string;
  repositoryUri?: string;
}

export function parseKubernetesConfig(raw: Record<string, unknown>): KubernetesConfig {
  const template = raw['kube-job-template-path'];
  if (typeof template !== 'string' || !template) {
    throw invalidParam(
      "Backend config for kubernetes needs 'kube-job-template-path': the path of a Job YAML template.",
    );
  }
  const ctx = raw['kube-context'];
  const repo = raw['repository-uri'];
  return {
    jobTemplatePath: template,
    ...(typeof ctx === 'string' && ctx ? { kubeContext: ctx } : {}),
    ...(typeof repo === 'string' && repo ? { repositoryUri: repo } : {}),
  };
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown, what: string): Obj => {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw invalidParam(`Job template: ${what} must be a mapping.`);
  return v as Obj;
};

/** Kubernetes object names: lowercase alphanumerics and '-', at most 63 characters. */
export function jobName(projectName: string, runId: string): string {
  const base =
    projectName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'cairn-project';
  return `${base.slice(0, 50)}-${runId.slice(0, 8)}`.replace(/-+/g, '-');
}

/**
 * Fills a Job template: name, image, command and the MLFLOW_* variables on the first container;
 * `restartPolicy: Never` unless the template says otherwise.
 */
export function buildJobManifest(
  templateYaml: string,
  opts: { name: string; image: string; command: string; env: Record<string, string> },
): Obj {
  let doc: unknown;
  try {
    doc = parseYaml(templateYaml);
  } catch (err) {
    throw invalidParam(`Job template is not valid YAML: ${(err as Error).message.split('\n', 1)[0]}`);
  }
  const job = asObj(doc, 'the document');
  if (job.kind !== undefined && job.kind !== 'Job')
    throw invalidParam(`Job template: kind must be Job, got ${String(job.kind)}.`);
  job.apiVersion ??= 'batch/v1';
  job.kind = 'Job';
  const metadata = asObj((job.metadata ??= {}), 'metadata');
  metadata.name = opts.name;
  const spec = asObj((job.spec ??= {}), 'spec');
  const template = asObj((spec.template ??= {}), 'spec.template');
  const podSpec = asObj((template.spec ??= {}), 'spec.template.spec');
  podSpec.restartPolicy ??= 'Never';
  const containers = (podSpec.containers ??= [{}]) as unknown[];
  if (!Array.isArray(containers) || containers.length === 0)
    throw invalidParam('Job template: spec.template.spec.containers must list at least one container.');
  const container = asObj(containers[0], 'the first container');
  container.name ??= opts.name;
  container.image = opts.image;
  container.command = ['bash', '-c', opts.command];
  const env = (Array.isArray(container.env) ? container.env : []) as { name: string; value?: string }[];
  for (const [name, value] of Object.entries(opts.env)) {
    const i = env.findIndex((e) => e.name === name);
    if (i >= 0) env[i] = { name, value };
    else env.push({ name, value });
  }
  container.env = env;
  return job;
}

export interface Kubectl {
  run(args: string[], input?: string): Promise<string>;
}

export function kubectlCli(context?: string, bin = process.env.CAIRN_KUBECTL ?? 'kubectl'): Kubectl {
  return {
    run: async (args, input) => {
      const full = [...(context ? ['--context', context] : []), ...args];
      try {
        if (input === undefined) return (await execFileP(bin, full, { maxBuffer: 32 * 1024 * 1024 })).stdout;
        return await new Promise<string>((resolve, reject) => {
          const child = execFile(bin, full, { maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
            err ? reject(Object.assign(err, { stderr })) : resolve(stdout),
          );
          child.stdin!.end(input);
        });
      } catch (err) {
        const e = err as { code?: string; stderr?: string; message: string };
        if (e.code === 'ENOENT')
          throw invalidParam(
            `kubectl is not installed (looked for '${bin}'); the kubernetes backend needs it.`,
          );
        throw invalidParam(`kubectl ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
      }
    },
  };
}

/** Maps a Job's status to a run status: RUNNING until it succeeded or failed for good. */
export function jobRunStatus(job: Obj): RunStatus {
  const spec = (job.spec ?? {}) as Obj;
  const status = (job.status ?? {}) as Obj;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Obj[];
  // A Job with `completions` (an Indexed Job's shards) is done when that many pods succeeded.
  const completions = spec.completions === undefined ? 1 : Number(spec.completions);
  if (
    conditions.some((c) => c.type === 'Complete' && c.status === 'True') ||
    Number(status.succeeded ?? 0) >= Math.max(1, completions)
  )
    return 'FINISHED';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'FAILED';
  const backoffLimit = Number(spec.backoffLimit ?? 6);
  if (Number(status.failed ?? 0) > backoffLimit) return 'FAILED';
  return 'RUNNING';
}

export interface SubmittedJob {
  name: string;
  namespace: string;
  manifest: Obj;
}

export async function submitJob(kubectl: Kubectl, manifest: Obj): Promise<SubmittedJob> {
  const metadata = manifest.metadata as Obj;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
  await kubectl.run(['apply', '-f', '-', '-o', 'name'], stringifyYaml(manifest));
  return { name: String(metadata.name), namespace, manifest };
}

/** Polls the Job until it ends; `onStatus` sees every change. */
export async function followJob(
  kubectl: Kubectl,
  job: SubmittedJob,
  opts: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<RunStatus> {
  for (;;) {
    if (opts.signal?.aborted) {
      await kubectl.run([
        'delete',
        'job',
        job.name,
        '-n',
        job.namespace,
        '--ignore-not-found',
        '--wait=false',
      ]);
      return 'KILLED';
    }
    const out = await kubectl.run(['get', 'job', job.name, '-n', job.namespace, '-o', 'json']);
    let parsed: Obj;
    try {
      parsed = JSON.parse(out) as Obj;
    } catch {
      throw invalidParam(`kubectl get job returned something that is not JSON: ${out.slice(0, 200)}`);
    }
    const status = jobRunStatus(parsed);
    if (status !== 'RUNNING') return status;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 5000));
  }
}

/** The last `tail` log lines of every pod of the Job, each line prefixed with its pod; '' if none. */
export async function jobLogs(kubectl: Kubectl, job: SubmittedJob, tail = 20): Promise<string> {
  try {
    return await kubectl.run([
      'logs',
      '-n',
      job.namespace,
      '-l',
      `batch.kubernetes.io/job-name=${job.name}`,
      '--all-containers',
      '--prefix',
      `--tail=${tail}`,
    ]);
  } catch {
    // Logs help explain a failure; not getting them must not hide it.
    return '';
  }
}

export async function loadJobTemplate(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw invalidParam(`Cannot read the Job template '${path}'.`);
  }
}
