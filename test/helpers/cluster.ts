/**
 * Several `cairn server` processes behind a real load balancer (HAProxy from Debian's packages),
 * for the scale-out tests. Every process started here is recorded and stopped by PID in
 * `stopAll()`, and killed on the test process's exit if a failure skipped that.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { freePort } from './ports.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HAPROXY = process.env.CAIRN_HAPROXY ?? '/usr/sbin/haproxy';

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function track(proc: ChildProcess, name: string): { output: () => string } {
  started.add(proc);
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.once('exit', () => started.delete(proc));
  proc.once('error', (err) => keep(Buffer.from(`${name}: ${err.message}`)));
  return { output: () => output };
}

async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitHealthy(
  url: string,
  proc: ChildProcess,
  log: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`process exited early:\n${log()}`);
    try {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become healthy:\n${log()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface Instance {
  port: number;
  url: string;
  /** Starts the server process (again, after a kill) on the same port and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no flushing — what a crash or an OOM kill does. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** One `cairn server` process (through bin/cairn.js, as users start it). */
export async function cairnInstance(args: string[], env: NodeJS.ProcessEnv): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const instance: Instance = {
    port,
    url,
    async start() {
      proc = spawn(
        process.execPath,
        [join(root, 'bin', 'cairn.js'), 'server', '--port', String(port), ...args],
        {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const { output } = track(proc, `cairn server :${port}`);
      await waitHealthy(url, proc, output);
    },
    async kill() {
      if (proc) await stopProcess(proc, 'SIGKILL');
    },
    async stop() {
      if (proc) await stopProcess(proc);
    },
  };
  return instance;
}

export interface LoadBalancer {
  url: string;
  stop(): Promise<void>;
}

/**
 * HAProxy in the foreground on a free 127.0.0.1 port, round-robin over `backends`, with active
 * health checks on /health so a killed instance leaves the rotation within a second, and a
 * request whose connection was refused retried on another instance (it never reached a server,
 * so replaying it is safe).
 */
export async function startLoadBalancer(
  tmpDir: string,
  backends: readonly Instance[],
): Promise<LoadBalancer> {
  const port = await freePort();
  const config = join(tmpDir, 'haproxy.cfg');
  await writeFile(
    config,
    [
      'global',
      '  maxconn 512',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  retries 3',
      '  option redispatch 1',
      '  retry-on conn-failure',
      'frontend cairn',
      `  bind 127.0.0.1:${port}`,
      '  default_backend servers',
      'backend servers',
      '  balance roundrobin',
      '  option httpchk GET /health',
      ...backends.map((b, i) => `  server s${i} 127.0.0.1:${b.port} check inter 300ms fall 1 rise 1`),
      '',
    ].join('\n'),
  );
  const proc = spawn(HAPROXY, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { output } = track(proc, 'haproxy');
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, output, 20_000);
  return { url, stop: () => stopProcess(proc) };
}
