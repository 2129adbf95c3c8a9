/**
 * The caller's permission on an experiment or registered model, asked of the server, and the
 * reason an action is not allowed, for disabled buttons.
 */
import { useAsync } from '../app/hooks';
import { currentPermission, type Permission, type ResourceKind } from '../api/auth';
import { useSession } from './session';

/** What an action needs, as the server's permission table defines it. */
export type Action = 'read' | 'use' | 'update' | 'delete' | 'manage';

const RANK: Record<Permission, number> = { NO_PERMISSIONS: 0, READ: 1, USE: 2, EDIT: 3, MANAGE: 4 };
export const NEEDED: Record<Action, Permission> = {
  read: 'READ',
  use: 'USE',
  update: 'EDIT',
  delete: 'MANAGE',
  manage: 'MANAGE',
};

const NOUN: Record<ResourceKind, string> = { experiment: 'experiment', registered_model: 'model' };

export interface ResourceAccess {
  /** The caller's permission; undefined with access control off or while loading. */
  permission: Permission | undefined;
  /**
   * Why the caller may not take an action, or undefined when they may (or access control is
   * off). While the permission on this resource is being asked, every action waits for it.
   */
  denied(action: Action): string | undefined;
}

export function useResourceAccess(kind: ResourceKind, id: string | undefined): ResourceAccess {
  const session = useSession();
  const signedIn = session.status === 'signed-in';
  const state = useAsync(
    async (signal) => (signedIn && id ? currentPermission(kind, id, signal) : undefined),
    [kind, id, signedIn],
  );
  // While loading, `data` may still be the permission on the resource shown before.
  const checking = signedIn && !!id && state.loading;
  const permission = signedIn && !checking ? state.data : undefined;
  return {
    permission,
    denied(action) {
      if (checking) return 'Checking your permission…';
      if (!permission) return undefined;
      const needed = NEEDED[action];
      if (RANK[permission] >= RANK[needed]) return undefined;
      return `You have ${permission} on this ${NOUN[kind]}; ${needed} is needed.`;
    },
  };
}
