/**
 * A project command as a child process in its own process group (so cancelling reaches every
 * process it starts), its output copied to this process's streams and to a log file that is
 * stored as the run's `project_output.log` artifact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreparedEnvironment } from './environments/environment.js';

/** The process an environment starts for a shell command. */
type StartedCommand = ReturnType<PreparedEnvironment['command']>;

export const OUTPUT_ARTIFACT = 'project_output.log';

/** A temporary file that keeps a copy of the command's output. */
export interface OutputLog {
  readonly path: string;
  readonly file: WriteStream;
  /** Flushes and closes the file. */
  close(): Promise<void>;
  /** Deletes the file and its folder. */
  remove(): Promise<void>;
}

export async function createOutputLog(): Promise<OutputLog> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-run-log-'));
  const path = join(dir, OUTPUT_ARTIFACT);
  const file = createWriteStream(path);
  return {
    path,
    file,
    close: () => new Promise<void>((r) => file.end(r)),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface ProjectProcess {
  readonly child: ChildProcess;
  /** The exit code, null when a signal ended it, 127 when it could not start. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` to the whole process group; a group already gone is ignored. */
  killGroup(signal: NodeJS.Signals): void;
}

export function startProjectProcess(
  started: StartedCommand,
  output: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; log: OutputLog },
): ProjectProcess {
  const child: ChildProcess = spawn(started.file, started.args, {
    cwd: started.cwd,
    env: started.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = output.log.file;
  child.stdout!.on('data', (c: Buffer) => {
    output.stdout.write(c);
    logFile.write(c);
  });
  child.stderr!.on('data', (c: Buffer) => {
    output.stderr.write(c);
    logFile.write(c);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      logFile.write(`cairn: could not start the command: ${err.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(signal ? null : code));
  });
  return {
    child,
    exited,
    killGroup(signal) {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}
