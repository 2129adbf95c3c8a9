/** The "Permissions" tab of an experiment or model page, for those who may manage its grants. */
import type { ResourceKind } from '../../api/auth';
import { Link } from '../../app/router';
import type { ResourceAccess } from '../../auth/permission';

export function permissionsPath(kind: ResourceKind, id: string): string {
  return kind === 'experiment'
    ? `/experiments/${encodeURIComponent(id)}/permissions`
    : `/models/${encodeURIComponent(id)}/permissions`;
}

/** Nothing with access control off or without MANAGE. */
export function PermissionsLink({
  kind,
  id,
  access,
}: {
  kind: ResourceKind;
  id: string;
  access: ResourceAccess;
}) {
  if (access.permission !== 'MANAGE') return null;
  return (
    <Link to={permissionsPath(kind, id)} className="btn" data-testid="permissions-tab">
      Permissions
    </Link>
  );
}
