/**
 * SDK scripts get the plugins the project configured (`CAIRN_PLUGINS`, package.json
 * `cairn.plugins`), as the `cairn` command and the server do, so that an artifact URI of a
 * plugin's scheme works from a script too. They are loaded once, when the SDK first resolves an
 * artifact location, from the process's working directory.
 */
import { loadConfiguredPlugins } from '../plugins/load-plugins.js';

let loading: Promise<void> | undefined;

/** Loads the configured plugins on first call; later calls wait for (or repeat the error of) that load. */
export function loadSdkPlugins(): Promise<void> {
  loading ??= loadConfiguredPlugins(process.env, process.cwd()).then(() => undefined);
  return loading;
}
