/** A choice of one of MLflow's permissions. */
import { PERMISSIONS, type Permission } from '../api/auth';

export function PermissionSelect(props: {
  value: Permission;
  onChange(p: Permission): void;
  testId: string;
}) {
  return (
    <select
      value={props.value}
      onChange={(e) => props.onChange(e.target.value as Permission)}
      data-testid={props.testId}
    >
      {PERMISSIONS.map((p) => (
        <option key={p}>{p}</option>
      ))}
    </select>
  );
}
