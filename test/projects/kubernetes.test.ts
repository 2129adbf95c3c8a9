import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  buildJobManifest,
  followJob,
  jobName,
  jobRunStatus,
  kubectlCli,
  parseKubernetesConfig,
  submitJob,
} from '../../src/projects/backends/kubernetes.js';
import { MlflowError } from '../../src/errors.js';

/** The parts of a Job manifest the test reads. */
interface JobShape {
  metadata: { name: string; namespace: string };
  spec: {
    template: {
      spec: {
        restartPolicy: string;
        containers: { name: string; image: string; command: string[]; env: unknown[]; resources: unknown }[];
      };
    };
  };
}

const TEMPLATE = `
apiVersion: batch/v1
kind: Job
metadata:
  name: placeholder
  namespace: ml
spec:
  backoffLimit: 1
  template:
    spec:
      containers:
        - name: trainer
          image: placeholder
          env:
            - {name: EXISTING, value: "1"}
            - {name: MLFLOW_RUN_ID, value: stale}
          resources: {limits: {memory: 512Mi}}
`;

test('the Job manifest carries name, image, command and MLflow variables; the template is otherwise kept', () => {
  const job = buildJobManifest(TEMPLATE, {
    name: jobName('My Project_1', '0123456789abcdef'),
    image: 'registry.local/p:abc',
    command: "python train.py --alpha '0.5'",
    env: { MLFLOW_RUN_ID: 'r1', MLFLOW_TRACKING_URI: 'http://t:5000', MLFLOW_EXPERIMENT_ID: '3' },
  }) as unknown as JobShape;
  assert.equal(job.metadata.name, 'my-project-1-01234567');
  assert.equal(job.metadata.namespace, 'ml');
  const c = job.spec.template.spec.containers[0];
  assert.equal(c.name, 'trainer');
  assert.equal(c.image, 'registry.local/p:abc');
  assert.deepEqual(c.command, ['bash', '-c', "python train.py --alpha '0.5'"]);
  assert.deepEqual(c.env, [
    { name: 'EXISTING', value: '1' },
    { name: 'MLFLOW_RUN_ID', value: 'r1' },
    { name: 'MLFLOW_TRACKING_URI', value: 'http://t:5000' },
    { name: 'MLFLOW_EXPERIMENT_ID', value: '3' },
  ]);
  assert.deepEqual(c.resources, { limits: { memory: '512Mi' } });
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  assert.throws(
    () => buildJobManifest('kind: Pod', { name: 'x', image: 'i', command: 'c', env: {} }),
    /kind must be Job/,
  );
});

test('Job status maps to run status', () => {
  assert.equal(jobRunStatus({ status: { active: 1 } }), 'RUNNING');
  assert.equal(jobRunStatus({ status: { succeeded: 1 } }), 'FINISHED');
  assert.equal(jobRunStatus({ status: { conditions: [{ type: 'Failed', status: 'True' }] } }), 'FAILED');
  assert.equal(jobRunStatus({ spec: { backoffLimit: 1 }, status: { failed: 2 } }), 'FAILED');
  assert.equal(jobRunStatus({ spec: { backoffLimit: 1 }, status: { failed: 1, active: 1 } }), 'RUNNING');
});

test('backend config is validated', () => {
  assert.throws(
    () => parseKubernetesConfig({}),
    (e: unknown) => e instanceof MlflowError && /kube-job-template-path/.test(e.message),
  );
  assert.deepEqual(parseKubernetesConfig({ 'kube-job-template-path': 't.yaml', 'kube-context': 'dev' }), {
    jobTemplatePath: 't.yaml',
    kubeContext: 'dev',
  });
});

test('kubectl is invoked with the context: apply with the manifest on stdin, then get until the Job completes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-kubectl-'));
  try {
    // A stand-in for kubectl (no cluster here): records its arguments and stdin, and reports the
    // Job as active on the first `get`, complete on the second.
    const fake = join(dir, 'kubectl');
    await writeFile(
      fake,
      `#!/bin/bash
echo "$*" >> "${dir}/calls"
if [[ " $* " == *" apply "* ]]; then cat > "${dir}/applied.yaml"; echo job.batch/x; exit 0; fi
if [[ " $* " == *" get job "* ]]; then
  n=$(grep -c " get job " "${dir}/calls")
  if [ "$n" -lt 2 ]; then echo '{"status":{"active":1}}'; else echo '{"status":{"succeeded":1}}'; fi
  exit 0
fi
if [[ " $* " == *" delete job "* ]]; then exit 0; fi
exit 3
`,
    );
    await chmod(fake, 0o755);
    const kubectl = kubectlCli('dev-cluster', fake);
    const manifest = buildJobManifest(TEMPLATE, {
      name: 'proj-12345678',
      image: 'img',
      command: 'echo hi',
      env: { MLFLOW_RUN_ID: 'r' },
    });
    const job = await submitJob(kubectl, manifest);
    assert.deepEqual(job, { name: 'proj-12345678', namespace: 'ml', manifest });
    const status = await followJob(kubectl, job, { intervalMs: 10 });
    assert.equal(status, 'FINISHED');
    const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    assert.deepEqual(calls, [
      '--context dev-cluster apply -f - -o name',
      '--context dev-cluster get job proj-12345678 -n ml -o json',
      '--context dev-cluster get job proj-12345678 -n ml -o json',
    ]);
    const applied = parseYaml(await readFile(join(dir, 'applied.yaml'), 'utf8')) as {
      metadata: { name: string };
    };
    assert.equal(applied.metadata.name, 'proj-12345678');

    const cancel = new AbortController();
    cancel.abort();
    assert.equal(await followJob(kubectl, job, { signal: cancel.signal }), 'KILLED');
    assert.match(
      await readFile(join(dir, 'calls'), 'utf8'),
      /delete job proj-12345678 -n ml --ignore-not-found/,
    );

    await assert.rejects(
      kubectlCli(undefined, join(dir, 'missing-kubectl')).run(['version']),
      /kubectl is not installed/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
