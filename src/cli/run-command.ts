import { Command, Option } from 'commander';
import { spawn } from 'node:child_process';
import { openSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalidParam } from '../errors.js';
import { ENV_MANAGERS, type EnvManagerOption } from '../projects/environments/prepare.js';
import { parseParamList } from '../projects/parameters.js';
import { run as runProject } from '../client/projects.js';
import { TrackingClient } from '../client/tracking-client.js';
import { getTrackingUri } from '../client/fluent.js';
import { clientTracking } from '../client/project-tracking.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function backendConfig(raw: string | undefined): Promise<Record<string, unknown>> {
  if (!raw) return {};
  let text = raw.trim();
  if (!text.startsWith('{')) {
    try {
      text = await readFile(raw, 'utf8');
    } catch {
      throw invalidParam(`--backend-config: '${raw}' is neither JSON nor a readable file.`);
    }
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw invalidParam('--backend-config must be a JSON object (or a file holding one).');
  }
}

interface RunCliOptions {
  entryPoint: string;
  version?: string;
  param: string[];
  dockerArg: string[];
  experimentName?: string;
  experimentId?: string;
  runId?: string;
  runName?: string;
  envManager?: EnvManagerOption;
  backend: string;
  backendConfig?: string;
  detach?: boolean;
  trackingUri?: string;
}

/** `cairn run URI`: runs an MLproject (or a script in a folder) as a tracked run. */
export function runCommand(): Command {
  return new Command('run')
    .description('Run a project (a folder or git repository with an MLproject file) as a tracked run')
    .argument('<uri>', 'local folder, or git URL with optional #sub/dir')
    .option('-e, --entry-point <name>', 'entry point, or a script file (.js, .ts, .py, .sh)', 'main')
    .option('-v, --version <version>', 'git branch, tag or commit (git URIs only)')
    .option('-P, --param <name=value>', 'parameter (repeatable)', collect, [])
    .option(
      '-A, --docker-arg <name=value>',
      'extra `docker run` argument for docker_env projects (repeatable)',
      collect,
      [],
    )
    .option('--experiment-name <name>', 'experiment to log to (created when missing)')
    .option('--experiment-id <id>', 'experiment id to log to')
    .option('--run-id <id>', 'log into this existing run instead of creating one')
    .option('--run-name <name>', 'name of the new run')
    .addOption(
      new Option(
        '--env-manager <manager>',
        'environment manager (default: what the project declares)',
      ).choices([...ENV_MANAGERS]),
    )
    .addOption(
      new Option('-b, --backend <backend>', 'where to run: local, kubernetes or a plugin backend').default(
        'local',
      ),
    )
    .option(
      '-c, --backend-config <json-or-file>',
      'backend settings (kubernetes: kube-job-template-path, kube-context, repository-uri)',
    )
    .option('--detach', 'local backend: start the run in the background and return at once')
    .option(
      '--tracking-uri <uri>',
      'tracking server (default: $CAIRN_TRACKING_URI, $MLFLOW_TRACKING_URI, http://127.0.0.1:5000)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ cairn run ./examples/node-regression -e train -P epochs=50 -P lr=0.01 --experiment-name demo
  $ cairn run https://host/org/repo.git#sub/dir --version v1.2 -P alpha=0.5
  $ cairn run . -e train.py --env-manager local`,
    )
    .action(async (uri: string, o: RunCliOptions) => {
      const parameters = parseParamList(o.param);
      const trackingUri = o.trackingUri ?? getTrackingUri();
      const dockerArgs = o.dockerArg.flatMap((a) => {
        const eq = a.indexOf('=');
        return eq < 0 ? [`--${a}`] : [`--${a.slice(0, eq)}`, a.slice(eq + 1)];
      });
      const common = {
        entryPoint: o.entryPoint,
        parameters,
        dockerArgs,
        ...(o.version ? { version: o.version } : {}),
        ...(o.experimentName ? { experimentName: o.experimentName } : {}),
        ...(o.experimentId ? { experimentId: o.experimentId } : {}),
        ...(o.runName ? { runName: o.runName } : {}),
        ...(o.envManager ? { envManager: o.envManager } : {}),
      };
      if (o.detach) {
        if (o.backend !== 'local') throw invalidParam('--detach applies to the local backend.');
        await detach(uri, o, trackingUri);
        return;
      }
      const handle = await runProject(uri, {
        ...common,
        trackingUri,
        backend: o.backend,
        backendConfig: await backendConfig(o.backendConfig),
        ...(o.runId ? { runId: o.runId } : {}),
      });
      // Ctrl-C / SIGTERM end the whole process group of the project and mark the run KILLED.
      const stop = (): void => void handle.cancel();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const status = await handle.wait();
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.stdout.write(`Run ${handle.runId}: ${status}\n`);
      if (status !== 'FINISHED') process.exitCode = status === 'KILLED' ? 130 : 1;
    });
}

/** Creates the run now (so its id can be printed), then runs `cairn run --run-id` in the background. */
async function detach(uri: string, o: RunCliOptions, trackingUri: string): Promise<void> {
  const client = new TrackingClient(trackingUri);
  try {
    const tracking = clientTracking(client);
    let runId = o.runId;
    if (!runId) {
      const experimentId = await tracking.resolveExperiment({
        ...(o.experimentId ? { experimentId: o.experimentId } : {}),
        ...(o.experimentName ? { experimentName: o.experimentName } : {}),
      });
      runId = (
        await tracking.createRun(experimentId, o.runName, [{ key: 'mlflow.source.type', value: 'PROJECT' }])
      ).runId;
    }
    const logDir = join(process.env.CAIRN_HOME ?? join(homedir(), '.cairn'), 'runs');
    mkdirSync(logDir, { recursive: true });
    const logPath = join(logDir, `${runId}.log`);
    const out = openSync(logPath, 'a');
    const args = process.argv.slice(1).filter((a) => a !== '--detach');
    const child = spawn(
      process.execPath,
      [...process.execArgv, ...args, '--run-id', runId, '--tracking-uri', trackingUri],
      {
        detached: true,
        stdio: ['ignore', out, out],
      },
    );
    child.unref();
    process.stdout.write(`Started run ${runId} in the background (pid ${child.pid}); output: ${logPath}\n`);
  } finally {
    client.close();
  }
}
