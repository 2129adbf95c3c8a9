/** Starts `cairn server` as a child process and waits for its start-up banner. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The server and db commands as a standalone script (see fixtures/cairn-server.ts). */
export const CAIRN_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'cairn-server.ts');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

export function runCairn(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  // Resolved here, so the child finds tsx whatever its working directory.
  return spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CAIRN_SCRIPT, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startServerProcess(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const child = runCairn(['server', '-p', '0', ...args], cwd, env);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}\n${err}`)), timeoutMs);
    const check = () => {
      const m = /URL:\s+(http:\/\/\S+)/.exec(out);
      if (m && out.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before starting: ${out}\n${err}`));
    });
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}
