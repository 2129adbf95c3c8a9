/** Cairn's version, and the MLflow API version it is compatible with. */
export const VERSION = '0.1.0';
export const MLFLOW_COMPAT_VERSION = '3.6.0';
/** The npm name of Cairn's package (`cairn` on npm is an unrelated project; the command stays `cairn`). */
export const PACKAGE_NAME = 'cairn-ml';

/**
 * The version of each extension-point interface (DESIGN.md "Extension points"). An extension
 * (built-in or from a plugin) states the version it implements; its registry refuses any other,
 * so a plugin written against an older or newer interface fails at load with a clear message
 * instead of misbehaving later. Bump a number when its interface changes incompatibly.
 */
export const EXTENSION_API_VERSIONS = {
  flavor: 1,
  artifactRepository: 1,
  deploymentTarget: 1,
  projectBackend: 1,
  storeDatabase: 1,
  trackingStore: 1,
  registryStore: 1,
  authenticationProvider: 1,
} as const;

export type ExtensionPoint = keyof typeof EXTENSION_API_VERSIONS;

/** Throws unless `declared` is the version of `point` this Cairn implements. */
export function checkApiVersion(point: ExtensionPoint, name: string, declared: unknown): void {
  const supported = EXTENSION_API_VERSIONS[point];
  if (declared === supported) return;
  const stated = declared === undefined ? 'no apiVersion' : `apiVersion ${JSON.stringify(declared)}`;
  throw new ExtensionVersionError(
    `The ${point} '${name}' declares ${stated}, but ${PACKAGE_NAME} ${VERSION} implements ${point} ` +
      `apiVersion ${supported}. Install a version of the plugin built for this Cairn.`,
  );
}

/** An extension written against another version of its interface. */
export class ExtensionVersionError extends Error {
  override readonly name = 'ExtensionVersionError';
}
