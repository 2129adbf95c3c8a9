/**
 * Azure Blob Storage locations and credentials that need no Azure client: read by the repository
 * registry without loading the Azure SDK (see lazy-repository.ts).
 */
import { MlflowError, invalidParam } from '../errors.js';
import { safeArtifactPath } from './safe-path.js';

export interface WasbsUri {
  container: string;
  account: string;
  /** `blob.core.windows.net` or `blob.core.chinacloudapi.cn`. */
  suffix: string;
  /** Blob name prefix, without leading or trailing slash. */
  prefix: string;
}

const WASBS_AUTHORITY = /^([^@/]+)@([^./]+)\.(blob\.core\.(?:windows\.net|chinacloudapi\.cn))$/i;

export function parseWasbsUri(uri: string): WasbsUri {
  const m = /^wasbs:\/\/([^/]*)(\/.*)?$/i.exec(uri);
  const authority = m ? WASBS_AUTHORITY.exec(m[1]!) : null;
  if (!m || !authority) {
    throw invalidParam(
      `Not an Azure Blob Storage URI: '${uri}'. Expected wasbs://<container>@<account>.blob.core.windows.net/<path>.`,
    );
  }
  return {
    container: authority[1]!,
    account: authority[2]!,
    suffix: authority[3]!.toLowerCase(),
    prefix: safeArtifactPath(decodeURIComponent((m[2] ?? '').replace(/^\/+|\/+$/g, ''))),
  };
}

/** How to reach an account: a connection string or an account key from the environment. */
export type AzureCredentials = { connection: string } | { key: string };

/** The account's credentials from the environment; INVALID_STATE when there are none. */
export function azureCredentialsFromEnv(
  uri: WasbsUri,
  env: NodeJS.ProcessEnv = process.env,
): AzureCredentials {
  const connection = env.AZURE_STORAGE_CONNECTION_STRING;
  if (connection) return { connection };
  const key = env.AZURE_STORAGE_ACCESS_KEY;
  if (key) return { key };
  throw new MlflowError(
    `No credentials for Azure Blob Storage account '${uri.account}': set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCESS_KEY.`,
    'INVALID_STATE',
  );
}
