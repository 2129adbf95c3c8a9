/**
 * MLflow's permission levels and what each allows. A user's permission on a resource is the
 * highest of their own grant and their groups' grants, or the default permission when there is
 * none; admins may do everything.
 */
import { PERMISSIONS, type Permission } from '../entities/auth.js';
import { invalidParam } from '../errors.js';

export { PERMISSIONS, type Permission };

/** What a route asks of the caller on its resource, weakest first. */
export type Action = 'read' | 'use' | 'update' | 'delete' | 'manage';

const RANK: Record<Permission, number> = { NO_PERMISSIONS: 0, READ: 1, USE: 2, EDIT: 3, MANAGE: 4 };
/** The weakest permission that allows each action (MLflow: EDIT updates, only MANAGE deletes). */
const NEEDED: Record<Action, Permission> = {
  read: 'READ',
  use: 'USE',
  update: 'EDIT',
  delete: 'MANAGE',
  manage: 'MANAGE',
};

export const allows = (permission: Permission, action: Action): boolean =>
  RANK[permission] >= RANK[NEEDED[action]];

export const highest = (a: Permission, b: Permission): Permission => (RANK[a] >= RANK[b] ? a : b);
export const lowest = (a: Permission, b: Permission): Permission => (RANK[a] <= RANK[b] ? a : b);

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function parsePermission(value: string): Permission {
  if (!isPermission(value))
    throw invalidParam(`Invalid permission '${value}'. Must be one of ${PERMISSIONS.join(', ')}.`);
  return value;
}
