/** Cairn's `node_env`: a package.json + package-lock.json installed with `npm ci`, cached by content. */
import { existsSync, lstatSync } from 'node:fs';
import { copyFile, readFile, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { invalidParam } from '../../errors.js';
import { cachedEnvironment, specHash } from './cache.js';
import { runSetup } from './exec.js';
import { shell, type PreparedEnvironment } from './environment.js';

export async function prepareNodeEnvironment(
  projectDir: string,
  packageJson: string,
  log: (l: string) => void,
): Promise<PreparedEnvironment & { cacheDir: string; reused: boolean }> {
  if (!existsSync(packageJson)) throw invalidParam(`node_env: ${packageJson} does not exist.`);
  const lock = join(dirname(packageJson), 'package-lock.json');
  if (!existsSync(lock)) {
    throw invalidParam(
      `node_env: ${lock} is missing. Run 'npm install' once in the project and commit the lock file, so the environment is reproducible.`,
    );
  }
  const key = `node-${specHash(process.version.split('.')[0]!, await readFile(packageJson), await readFile(lock))}`;
  const { dir, reused } = await cachedEnvironment(
    key,
    async (envDir) => {
      await copyFile(packageJson, join(envDir, 'package.json'));
      await copyFile(lock, join(envDir, 'package-lock.json'));
      await runSetup('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: envDir }, log);
    },
    log,
  );
  // Node resolves packages from node_modules folders above the script, so the project folder
  // gets a link to the cached node_modules for the duration of the run.
  const link = join(projectDir, 'node_modules');
  let created = false;
  if (!existsSync(link)) {
    await symlink(join(dir, 'node_modules'), link, 'dir');
    created = true;
  } else if (!lstatSync(link).isSymbolicLink()) {
    log(
      `Note: ${basename(projectDir)}/node_modules exists; the project's own packages are used instead of the environment.`,
    );
  }
  return {
    manager: 'node',
    tag: 'node',
    cacheDir: dir,
    reused,
    command: (cmd, ctx) => ({
      ...shell(cmd),
      env: {
        ...process.env,
        ...ctx.env,
        PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      },
      cwd: ctx.dir,
    }),
    release: async () => {
      if (created) await rm(link, { force: true });
    },
  };
}
