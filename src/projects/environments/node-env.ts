/** Cairn's `node_env`: a package.json + package-lock.json installed with `npm ci`, cached by content. */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParam } from '../../errors.js';
import { PACKAGE_NAME } from '../../version.js';
import { cachedEnvironment, specHash } from './cache.js';
import { runSetup } from './exec.js';
import { pathPrefixedCommand, type PreparedEnvironment } from './environment.js';

/** The root folder of the running Cairn package. */
export function cairnPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME)
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('Cannot locate the Cairn package.');
    dir = up;
  }
}

/**
 * Whether the project declares its own `cairn-ml` dependency. When it does not, the running Cairn is
 * linked into the environment as `cairn-ml` (as MLflow installs mlflow into project environments),
 * so training code can log into the project's run.
 */
function declaresCairn(packageJsonText: string): boolean {
  const pkg = JSON.parse(packageJsonText) as Record<string, Record<string, string> | undefined>;
  return ['dependencies', 'devDependencies', 'optionalDependencies'].some(
    (k) => pkg[k]?.[PACKAGE_NAME] !== undefined,
  );
}

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
  const packageText = await readFile(packageJson, 'utf8');
  const linkCairn = !declaresCairn(packageText);
  const cairnRoot = linkCairn ? cairnPackageRoot() : '';
  const key = `node-${specHash(process.version.split('.')[0]!, packageText, await readFile(lock), cairnRoot)}`;
  const { dir, reused } = await cachedEnvironment(
    key,
    async (envDir) => {
      await copyFile(packageJson, join(envDir, 'package.json'));
      await copyFile(lock, join(envDir, 'package-lock.json'));
      await runSetup('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: envDir }, log);
      await mkdir(join(envDir, 'node_modules'), { recursive: true });
      if (linkCairn) await symlink(cairnRoot, join(envDir, 'node_modules', PACKAGE_NAME), 'dir');
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
    command: pathPrefixedCommand(join(dir, 'node_modules', '.bin')),
    release: async () => {
      if (created) await rm(link, { force: true });
    },
  };
}
