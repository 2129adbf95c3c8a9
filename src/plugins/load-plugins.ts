/**
 * Finds and loads the plugins the operator named: packages listed in `CAIRN_PLUGINS`
 * (comma-separated) and in `cairn.plugins` of the project's package.json (the working directory's).
 * Each is resolved from the project directory, as `import` from a file there would, so a plugin
 * is whatever `npm install` put into that project. Plugins are never chosen by request input.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginLoadError } from './plugin-load-error.js';

/** npm package names (optionally scoped); refuses paths and URLs so only installed packages load. */
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

const loaded = new Set<string>();

/** The plugin package names from `CAIRN_PLUGINS` and `<cwd>/package.json`, each once, in that order. */
export async function configuredPluginNames(env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  const names = (env.CAIRN_PLUGINS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  let text: string | undefined;
  try {
    text = await readFile(join(cwd, 'package.json'), 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let listed: unknown;
    try {
      listed = (JSON.parse(text) as { cairn?: { plugins?: unknown } })?.cairn?.plugins;
    } catch {
      listed = undefined; // not our file to judge; npm reports a broken package.json itself
    }
    if (listed !== undefined) {
      if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string')) {
        throw new PluginLoadError(
          `${join(cwd, 'package.json')}: "cairn.plugins" must be a list of package names.`,
        );
      }
      names.push(...listed);
    }
  }
  return [...new Set(names)];
}

/**
 * Imports each package and registers its extensions. A package already loaded is skipped.
 * Throws `PluginLoadError` naming the package for a bad name, a missing package, a failing
 * import, no plugin export or an extension of an interface version this Cairn does not implement.
 */
export async function loadPlugins(names: readonly string[], cwd: string): Promise<string[]> {
  const done: string[] = [];
  for (const name of names) {
    if (loaded.has(name)) continue;
    if (!PACKAGE_NAME.test(name)) {
      throw new PluginLoadError(`'${name}' is not an npm package name; plugins are installed packages.`);
    }
    let entry: string;
    try {
      entry = createRequire(join(cwd, 'package.json')).resolve(name);
    } catch {
      throw new PluginLoadError(
        `Plugin '${name}' is not installed in ${cwd} (run \`npm install ${name}\` there; its package.json ` +
          'needs "main" or an "exports" entry with a "default" condition).',
      );
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    } catch (err) {
      throw new PluginLoadError(`Plugin '${name}' failed to load: ${(err as Error).message}`);
    }
    loaded.add(name);
    // The registries (and the built-in extensions they hold) load only when there is a plugin:
    // without one, a command does not pay for extension points it does not use.
    const { registerPlugin } = await import('./plugin.js');
    registerPlugin(name, mod.cairnPlugin ?? mod.default);
    done.push(name);
  }
  return done;
}

/** Loads the plugins named by `CAIRN_PLUGINS` and the project's package.json. */
export async function loadConfiguredPlugins(env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  return loadPlugins(await configuredPluginNames(env, cwd), cwd);
}
