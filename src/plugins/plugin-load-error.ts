/** A plugin that cannot be found, loaded or registered. */
export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError';
}
