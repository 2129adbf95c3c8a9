/**
 * `cairn server`: the tracking server (REST API, artifact proxy, web UI). Options follow
 * `mlflow server`; each can also come from `CAIRN_<NAME>` or `MLFLOW_<NAME>` environment variables.
 */
import cluster from 'node:cluster';
import { Command } from 'commander';
import { VERSION } from '../version.js';
import type { ServerConfig } from '../config/server-config.js';
import { resolveServerConfig, type ServerOptions } from '../config/resolve-server-config.js';
import { withNetworkOptions } from './network-options.js';
import { createContext, startServer, type RunningServer } from '../server/server.js';
import { joinClusterMetrics, serveClusterMetrics } from '../observability/cluster-metrics.js';

/** The environment variables a server worker process is started with. */
const WORKER_CONFIG_ENV = 'CAIRN_SERVER_CONFIG';
const WORKER_SLOT_ENV = 'CAIRN_SERVER_WORKER_SLOT';

/** Hides a password in a store URI before printing it. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][\w+.-]*:\/\/[^:/@]+):[^@/]*@/i, '$1:***@');
}

function banner(config: ServerConfig, url: string, workers: number): string {
  const store = redactUri(config.backendStoreUri);
  const registry =
    config.registryStoreUri === config.backendStoreUri
      ? 'same as backend store'
      : redactUri(config.registryStoreUri);
  const root = config.serveArtifacts
    ? `${config.defaultArtifactRoot} (proxied, stored in ${config.artifactsDestination})`
    : `${config.defaultArtifactRoot} (written directly by clients; artifact proxy off)`;
  return [
    `Cairn ${VERSION} tracking server${config.artifactsOnly ? ' (artifacts only)' : ''}`,
    `  URL:             ${url}`,
    `  Backend store:   ${store}`,
    `  Registry store:  ${registry}`,
    `  Artifact root:   ${root}`,
    `  Workers:         ${workers}`,
    `  Access control:  ${accessLine(config)}`,
    `Point MLflow clients at it with: export MLFLOW_TRACKING_URI=${url}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

function accessLine(config: ServerConfig): string {
  if (!config.auth) return 'off (anyone who can reach the server can read and change everything)';
  const sso = config.auth.oidc ? `, SSO from ${config.auth.oidc.issuer}` : '';
  return `on (default permission ${config.auth.defaultPermission}${sso})`;
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** A server reachable from the network without access control deserves a loud warning. */
export function exposureWarning(config: ServerConfig): string | undefined {
  if (config.auth || isLoopback(config.host)) return undefined;
  return [
    `WARNING: listening on ${config.host} without access control: anyone who can reach this address`,
    '         can read, change and delete every experiment, run, artifact and model.',
    '         Start with --auth (and CAIRN_ADMIN_USERNAME / CAIRN_ADMIN_PASSWORD) to require a login.',
    '',
  ].join('\n');
}

function displayUrl(config: ServerConfig, port: number): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Stops `stop()` once on SIGTERM/SIGINT; a second signal exits at once. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nReceived ${signal}, shutting down...\n`);
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        process.stderr.write(`cairn: error during shutdown: ${(err as Error).message}\n`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

async function runSingle(config: ServerConfig): Promise<RunningServer> {
  const server = await startServer(config).catch((err: unknown) => {
    throw explainListenError(err, config);
  });
  const port = Number(new URL(server.url).port);
  process.stdout.write(banner(config, displayUrl(config, port), 1));
  await warnings(server, config);
  onShutdown(() => server.close());
  return server;
}

async function warnings(server: RunningServer, config: ServerConfig): Promise<void> {
  const exposed = exposureWarning(config);
  if (exposed) process.stderr.write(exposed);
  if (server.ctx.auth && (await server.ctx.auth.store.countAdmins()) === 0) {
    process.stderr.write(
      'WARNING: access control is on but there is no administrator yet. Create one with\n' +
        '         `cairn users create-admin` or start with CAIRN_ADMIN_USERNAME and CAIRN_ADMIN_PASSWORD set.\n',
    );
  }
}

/** Turns "listen EADDRINUSE ..." into advice a user can act on. */
function explainListenError(err: unknown, config: ServerConfig): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new Error(
      `port ${config.port} on ${config.host} is already in use; choose another with -p/--port.`,
    );
  }
  if (code === 'EACCES') {
    return new Error(
      `not allowed to listen on ${config.host}:${config.port}; ports below 1024 need privileges.`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new Error(`cannot listen on host '${config.host}': no such local address.`);
  }
  return err;
}

/** Several processes sharing one port; the schema is upgraded once, before any worker starts. */
async function runCluster(config: ServerConfig, workers: number): Promise<void> {
  const prepared = await createContext(config);
  await prepared.close();
  let listening = 0;
  let exiting = false;
  // A scrape of /metrics on any worker answers for all of them.
  serveClusterMetrics();
  // Each worker keeps a slot (0..N-1, the `worker` label of its process metrics) across restarts.
  const slots = new Map<number, number>();
  const fork = (slot: number): void => {
    const worker = cluster.fork({
      [WORKER_CONFIG_ENV]: JSON.stringify(config),
      [WORKER_SLOT_ENV]: String(slot),
    });
    slots.set(worker.id, slot);
  };
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) {
      process.stdout.write(banner(config, displayUrl(config, address.port), workers));
      const exposed = exposureWarning(config);
      if (exposed) process.stderr.write(exposed);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (exiting) return;
    if (listening < workers) {
      // A worker that dies before the server is up (port taken, store unreachable) would only
      // die again: stop instead of restarting it forever.
      exiting = true;
      process.stderr.write(
        `cairn: worker ${worker.process.pid} failed to start (${signal ?? code}); stopping.\n`,
      );
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(
      `cairn: worker ${worker.process.pid} exited (${signal ?? code}); starting a new one\n`,
    );
    const slot = slots.get(worker.id) ?? 0;
    slots.delete(worker.id);
    fork(slot);
  });
  for (let slot = 0; slot < workers; slot++) fork(slot);
  onShutdown(async () => {
    exiting = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((done) => {
            w!.once('exit', () => done());
            w!.process.kill('SIGTERM');
          }),
      ),
    );
  });
}

async function runWorker(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as ServerConfig;
  joinClusterMetrics(Number(process.env[WORKER_SLOT_ENV] ?? 0));
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    // The IPC channel to the primary keeps a worker alive: leave explicitly so the primary notices.
    const reason = explainListenError(err, config);
    process.stderr.write(`cairn: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    process.exit(1);
  }
  onShutdown(() => server.close());
}

export function serverCommand(): Command {
  const cmd = new Command('server')
    .description('Run the tracking server: MLflow-compatible REST API, artifact proxy and web UI.')
    .helpOption('--help', 'display help for command')
    .option(
      '--backend-store-uri <uri>',
      'where runs are stored: sqlite:///path.db, postgresql://..., mysql://... (default: sqlite:///mlruns.db)',
    )
    .option('--registry-store-uri <uri>', 'where the model registry is stored (default: the backend store)')
    .option(
      '--default-artifact-root <uri>',
      'artifact root of new experiments (default: mlflow-artifacts:/ when serving artifacts)',
    )
    .option(
      '--artifacts-destination <uri>',
      'where proxied artifacts are stored: a folder, s3://bucket/path or wasbs://container@account.blob.core.windows.net/path (default: ./mlartifacts)',
    )
    .option('--serve-artifacts', 'serve the artifact proxy (default)')
    .option('--no-serve-artifacts', 'disable the artifact proxy; clients write to the artifact root directly')
    .option('--artifacts-only', 'serve only the artifact proxy, no tracking API or UI')
    .option('-h, --host <host>', 'network address to listen on (default: 127.0.0.1; 0.0.0.0 for all)')
    .option('-p, --port <port>', 'port to listen on (default: 5000)')
    .option('-w, --workers <n>', 'server processes sharing the port (default: 1)')
    .option(
      '--db-pool-size <n>',
      'connections to a PostgreSQL or MySQL store each server process opens at most (default: 10)',
    )
    .option('--auth', 'require a login: users, groups, permissions, tokens (see docs/security.md)')
    .option('--app-name <name>', "MLflow's spelling of --auth: --app-name basic-auth")
    .option(
      '--auth-default-permission <permission>',
      'permission of users on resources without a grant: READ (default), USE, EDIT, MANAGE or NO_PERMISSIONS',
    )
    .option('--oidc-issuer <url>', 'accept single sign-on JWTs from this OpenID Connect issuer')
    .option('--oidc-audience <aud>', 'the audience those JWTs must name')
    .option('--oidc-jwks-uri <url>', "the issuer's signing keys (JWKS URL)")
    .option('--oidc-jwks-file <path>', 'the signing keys from a local JWKS file instead')
    .option('--oidc-username-claim <claim>', 'claim holding the user name (default: preferred_username)')
    .option('--oidc-groups-claim <claim>', 'claim holding the group names (default: groups)')
    .option(
      '--webhook-allowed-hosts <list>',
      'comma-separated hosts, IPs or CIDR ranges that webhooks may reach although they are not public (default: none)',
    )
    .option('--max-json-body <bytes>', 'largest JSON request body of the API, in bytes (default: 1048576)')
    .option(
      '--json-body-limits <list>',
      'per-route JSON body limits, route=bytes, comma-separated (e.g. runs/log-inputs=8388608)',
    )
    .addHelpText(
      'after',
      `
Every option can also be set with an environment variable: CAIRN_<OPTION> or MLFLOW_<OPTION>,
e.g. MLFLOW_BACKEND_STORE_URI, CAIRN_PORT, MLFLOW_ARTIFACTS_DESTINATION, MLFLOW_SERVE_ARTIFACTS=false.

Examples:
  $ cairn server                                     # ./mlruns.db + ./mlartifacts, http://127.0.0.1:5000
  $ cairn server -h 0.0.0.0 -p 8080 -w 4 \\
      --backend-store-uri postgresql://cairn@db:5432/cairn \\
      --artifacts-destination s3://ml-bucket/artifacts
  $ AZURE_STORAGE_CONNECTION_STRING='...' cairn server \\
      --artifacts-destination wasbs://models@mlstore.blob.core.windows.net/artifacts
  $ cairn server --no-serve-artifacts --default-artifact-root /shared/mlruns
  $ cairn server --backend-store-uri mysql://cairn:secret@db:3306/cairn --db-pool-size 20
  $ CAIRN_ADMIN_USERNAME=admin CAIRN_ADMIN_PASSWORD='a long secret' \\
      cairn server --auth -h 0.0.0.0              # login required; the first admin from the environment
  $ cairn server --auth --oidc-issuer https://login.example.com/ --oidc-audience cairn \\
      --oidc-jwks-uri https://login.example.com/.well-known/jwks.json
  $ cairn server --webhook-allowed-hosts ci.internal,10.20.0.0/16   # webhooks to internal receivers
  $ cairn server --max-json-body 524288 --json-body-limits runs/log-batch=2097152,runs/log-inputs=8388608

Webhook secrets are encrypted with CAIRN_SECRET_KEY (every instance needs the same one; the
SQLite default creates <db file>.secret-key if it is unset). Operators: /health (liveness),
/ready (database, schema, artifact store) and /metrics (Prometheus; with --workers, every
scrape covers all worker processes).`,
    )
    .action(async (opts: ServerOptions) => {
      if (cluster.isWorker && process.env[WORKER_CONFIG_ENV]) return runWorker();
      const { workers, ...config } = resolveServerConfig(opts);
      if (workers > 1) return runCluster(config, workers);
      await runSingle(config);
    });
  return withNetworkOptions(cmd);
}
