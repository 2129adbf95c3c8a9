/**
 * Everything access control needs at run time, built once per server from `config.auth`: the
 * store, the authenticator, the access control with its resource directory over the domain
 * services, the audit log, and the first admin from the configuration.
 */
import type { AuthConfig } from '../../config/auth-config.js';
import { AccessControl, type ResourceDirectory } from '../../auth/access-control.js';
import { AuditLog } from '../../auth/audit-log.js';
import { Authenticator, type BearerVerifier } from '../../auth/authenticator.js';
import { hashPassword, validatePassword } from '../../auth/passwords.js';
import { LoginRateLimiter } from '../../auth/rate-limit.js';
import { TtlCache } from '../../auth/ttl-cache.js';
import type { AuthStore } from '../../store/auth-store.js';
import type { RegistryService } from '../../registry/registry-service.js';
import type { TrackingService } from '../../tracking/tracking-service.js';

export interface AuthRuntime {
  config: AuthConfig;
  store: AuthStore;
  authenticator: Authenticator;
  access: AccessControl;
  audit: AuditLog;
  /** Forgets cached credentials and grants after a change to users, tokens, groups or grants. */
  invalidate(): void;
  close(): Promise<void>;
}

/**
 * Runs and logged models never move between experiments, so their owner is cached for the life
 * of the process: the hot logging routes then cost no extra query.
 */
function directoryOver(tracking: TrackingService, registry: RegistryService): ResourceDirectory {
  const owners = new TtlCache<string>(60 * 60 * 1000, 100_000);
  const cached = async (key: string, load: () => Promise<string>): Promise<string> => {
    const hit = owners.get(key);
    if (hit !== undefined) return hit;
    const id = await load();
    owners.set(key, id);
    return id;
  };
  return {
    experimentOfRun: (runId) =>
      cached(`run:${runId}`, async () => (await tracking.getRun(runId)).info.experiment_id),
    experimentOfLoggedModel: (modelId) =>
      cached(`model:${modelId}`, async () => (await tracking.getLoggedModel(modelId)).info.experiment_id),
    experimentIdByName: async (name) => (await tracking.getExperimentByName(name)).experiment_id,
    modelOfWebhook: async (webhookId) => (await registry.webhooks.get(webhookId)).model_name ?? null,
    experimentExists: async (id) =>
      tracking.getExperiment(id).then(
        () => true,
        () => false,
      ),
  };
}

export async function createAuthRuntime(
  config: AuthConfig,
  store: AuthStore,
  tracking: TrackingService,
  registry: RegistryService,
  oidc?: BearerVerifier,
): Promise<AuthRuntime> {
  if (config.bootstrapAdmin) await ensureAdmin(store, config.bootstrapAdmin);
  const authenticator = new Authenticator(store, {
    cacheTtlMs: config.cacheTtlMs,
    limiter: new LoginRateLimiter(config.loginLimit),
    oidc,
  });
  const access = new AccessControl(store, directoryOver(tracking, registry), {
    defaultPermission: config.defaultPermission,
    cacheTtlMs: config.cacheTtlMs,
  });
  const audit = new AuditLog(store, 200, 500, (err) =>
    process.stderr.write(`cairn: could not write audit records: ${(err as Error).message}\n`),
  );
  return {
    config,
    store,
    authenticator,
    access,
    audit,
    invalidate: () => {
      authenticator.invalidate();
      access.invalidate();
    },
    close: () => audit.close(),
  };
}

/**
 * Creates the configured admin when no user of that name exists yet. An existing user is left
 * as it is: the environment is not a way to reset a password on every start.
 */
export async function ensureAdmin(
  store: AuthStore,
  admin: { username: string; password: string },
): Promise<boolean> {
  if (await store.getUser(admin.username)) return false;
  validatePassword(admin.password);
  try {
    await store.createUser(admin.username, await hashPassword(admin.password), true);
  } catch (err) {
    // Another server process sharing the database created it first.
    if (await store.getUser(admin.username)) return false;
    throw err;
  }
  return true;
}
