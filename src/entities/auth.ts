/** Plain types of access control shared by the configuration, the store and the auth layer. */

/** MLflow's permission names, weakest first (NO_PERMISSIONS denies even reading). */
export const PERMISSIONS = ['NO_PERMISSIONS', 'READ', 'USE', 'EDIT', 'MANAGE'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a personal access token may do: only read, also write, or everything its owner may. */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
