/**
 * Extension point `deploymentTarget` (interface version `EXTENSION_API_VERSIONS.deploymentTarget`),
 * shaped as MLflow's deployment plugins (`BaseDeploymentClient`): a target creates, updates,
 * deletes, lists and describes named deployments of a model and scores input with one.
 * `cairn deployments ... -t TARGET` chooses the target by the name before any `:` (`-t local`,
 * `-t local:/srv/models`); the whole string is handed to the target as its target URI.
 */
import { invalidParam } from '../errors.js';
import { checkApiVersion } from '../version.js';

/** What a target reports about a deployment; `name` is required, the rest is the target's own. */
export interface Deployment {
  name: string;
  [key: string]: unknown;
}

/** A model as Cairn hands it to a target: the URI the user gave and a local copy of it. */
export interface DeploymentModel {
  uri: string;
  /** A local directory holding the MLmodel file (removed after the call returns). */
  dir: string;
}

export interface DeploymentChange {
  /** Absent on `update` when only the configuration changes. */
  model?: DeploymentModel;
  flavor?: string;
  /** `-C key=value` pairs from the command line. */
  config: Record<string, string>;
}

/** Services Cairn offers a target, so that a plugin need not import Cairn's internals. */
export interface DeploymentHost {
  /** Loads a model directory with the registered flavors (Cairn's and plugins'). */
  loadModel(dir: string): Promise<{ predict(input: unknown): Promise<unknown>; close(): Promise<void> }>;
}

export interface DeploymentClient {
  create(name: string, change: DeploymentChange & { model: DeploymentModel }): Promise<Deployment>;
  update(name: string, change: DeploymentChange): Promise<Deployment>;
  delete(name: string, config: Record<string, string>): Promise<void>;
  list(): Promise<Deployment[]>;
  /** Throws (any error with a clear message) for an unknown name. */
  get(name: string): Promise<Deployment>;
  /** Scores parsed JSON input; the answer must be JSON-serialisable. */
  predict(name: string, input: unknown): Promise<unknown>;
}

export interface DeploymentTarget {
  readonly apiVersion: number;
  /** The name used in `-t NAME` (letters, digits, `_`, `-`). */
  readonly name: string;
  /** Shown by `cairn deployments help -t NAME`: the config keys and target URI form it accepts. */
  readonly help?: string;
  client(targetUri: string, host: DeploymentHost): DeploymentClient;
}

const targets = new Map<string, DeploymentTarget>();

/** Adds a target. Throws for an interface version this Cairn does not implement or a taken name. */
export function registerDeploymentTarget(target: DeploymentTarget): void {
  const name = typeof target?.name === 'string' ? target.name : '';
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw invalidParam(
      `A deployment target needs a name of letters, digits, '_' or '-' (got ${JSON.stringify(name)}).`,
    );
  }
  checkApiVersion('deploymentTarget', name, target.apiVersion);
  if (typeof target.client !== 'function')
    throw invalidParam(`The deployment target '${name}' has no client() function.`);
  if (targets.has(name)) throw invalidParam(`A deployment target named '${name}' is already registered.`);
  targets.set(name, target);
}

/** The names of the registered targets, sorted. */
export function deploymentTargetNames(): string[] {
  return [...targets.keys()].sort();
}

/** The target a `-t` value names (`local` or `local:/some/path`). Throws 400 for an unknown one. */
export function deploymentTargetFor(targetUri: string): DeploymentTarget {
  const name = targetUri.split(':', 1)[0]!;
  const target = targets.get(name);
  if (!target) {
    const known =
      deploymentTargetNames().join(', ') || 'none (install a plugin and name it in CAIRN_PLUGINS)';
    throw invalidParam(`No deployment target '${name}' (from -t ${targetUri}). Registered: ${known}.`);
  }
  return target;
}
