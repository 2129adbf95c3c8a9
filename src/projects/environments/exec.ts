import { spawn } from 'node:child_process';
import { invalidParam } from '../../errors.js';

/** Runs a setup command (npm ci, pip install, ...), streaming its output to `log`; rejects with its tail on failure. */
export function runSetup(
  file: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        log(`  ${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(invalidParam(`Could not start '${file}': ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          invalidParam(`'${[file, ...args].join(' ')}' failed with exit code ${code}:\n${tail.join('\n')}`),
        );
    });
  });
}

/** True when `file args` runs and exits 0. */
export function succeeds(file: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
