/** Administration: groups, their members and their grants on experiments and registered models. */
import { useState, type FormEvent } from 'react';
import {
  addMember,
  createGrant,
  createGroup,
  deleteGrant,
  deleteGroup,
  getGroup,
  listGroups,
  listUsers,
  removeMember,
  updateGrant,
  type Permission,
  type ResourceKind,
} from '../../api/auth';
import { useAsync } from '../../app/hooks';
import { Link, useQuery, useSetQuery } from '../../app/router';
import { PermissionSelect } from '../../auth/PermissionSelect';
import { RequireAdmin } from '../../auth/RequireAdmin';
import { useAction } from '../../auth/useAction';
import { ConfirmDialog } from '../../components/Modal';
import { EmptyState, ErrorBox, Loading } from '../../components/States';
import '../../auth/auth.css';

export function GroupsPage() {
  return (
    <RequireAdmin>
      <Groups />
    </RequireAdmin>
  );
}

function Groups() {
  const selected = useQuery().get('group') ?? '';
  const setQuery = useSetQuery();
  const groups = useAsync((signal) => listGroups(signal), []);
  const [name, setName] = useState('');
  const { error, setError, run } = useAction();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError('Give the group a name.');
    if (!(await run(() => createGroup(name.trim())))) return;
    groups.reload();
    setQuery({ group: name.trim() }, true);
    setName('');
  };

  return (
    <div data-testid="groups-page">
      <div className="page-head">
        <h1>Groups</h1>
        <span className="muted small">A member has the highest of their own and their groups' grants.</span>
      </div>
      <div className="grid2 section" style={{ gridTemplateColumns: 'minmax(220px, 1fr) 3fr' }}>
        <div className="panel">
          <form className="form-row" onSubmit={create} data-testid="group-form">
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="New group name"
              maxLength={256}
              data-testid="new-group"
            />
            <button type="submit" className="primary" data-testid="group-create">
              Create
            </button>
          </form>
          {error && (
            <div className="error" role="alert" style={{ margin: '0 14px 12px' }}>
              {error}
            </div>
          )}
          {groups.error && <ErrorBox message={groups.error} onRetry={groups.reload} />}
          {!groups.data ? (
            groups.loading && <Loading label="Loading groups…" />
          ) : groups.data.length === 0 ? (
            <EmptyState title="No groups yet" />
          ) : (
            <table className="data" data-testid="groups-table">
              <tbody>
                {groups.data.map((g) => (
                  <tr key={g.id} data-testid="group-row" data-group={g.name}>
                    <td>
                      <Link
                        to={`/admin/groups?group=${encodeURIComponent(g.name)}`}
                        className={g.name === selected ? 'active' : ''}
                        style={{ fontWeight: g.name === selected ? 650 : undefined }}
                      >
                        {g.name}
                      </Link>
                    </td>
                    <td className="muted small num">
                      {g.members.length} member{g.members.length === 1 ? '' : 's'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {selected ? (
          <GroupDetail
            key={selected}
            name={selected}
            onDeleted={() => {
              groups.reload();
              setQuery({ group: null }, true);
            }}
            onChanged={groups.reload}
          />
        ) : (
          <div className="panel">
            <EmptyState title="Choose a group">
              <p>Its members and grants are shown here.</p>
            </EmptyState>
          </div>
        )}
      </div>
    </div>
  );
}

function GroupDetail({ name, onDeleted, onChanged }: { name: string; onDeleted(): void; onChanged(): void }) {
  const group = useAsync((signal) => getGroup(name, signal), [name]);
  const users = useAsync((signal) => listUsers(signal), []);
  const [member, setMember] = useState('');
  const [kind, setKind] = useState<ResourceKind>('experiment');
  const [resource, setResource] = useState('');
  const [permission, setPermission] = useState<Permission>('READ');
  const { error, setError, run } = useAction();
  const [confirmDelete, setConfirmDelete] = useState(false);

  const act = async (action: () => Promise<unknown>) => {
    const done = await run(action);
    if (done) {
      group.reload();
      onChanged();
    }
    return done;
  };

  if (group.error && !group.data) return <ErrorBox message={group.error} onRetry={group.reload} />;
  if (!group.data) return <Loading label="Loading group…" />;
  const g = group.data;
  const candidates = (users.data ?? []).filter((u) => !g.members.includes(u.username));
  const subject = { group_name: g.name };

  return (
    <div className="panel" data-testid="group-detail" data-group={g.name}>
      <div className="row" style={{ padding: '12px 14px 0' }}>
        <h2 style={{ flex: 1 }}>{g.name}</h2>
        <button className="small danger" onClick={() => setConfirmDelete(true)} data-testid="group-delete">
          Delete group
        </button>
      </div>
      {error && (
        <div className="error" role="alert" style={{ margin: '12px 14px 0' }} data-testid="group-error">
          {error}
        </div>
      )}
      <h3 style={{ margin: '16px 14px 4px' }}>Members</h3>
      <table className="data" data-testid="members-table">
        <tbody>
          {g.members.length === 0 && (
            <tr>
              <td className="muted">No members yet.</td>
            </tr>
          )}
          {g.members.map((m) => (
            <tr key={m} data-testid="member-row" data-username={m}>
              <td>{m}</td>
              <td style={{ textAlign: 'right' }}>
                <button
                  className="small"
                  onClick={() => void act(() => removeMember(g.name, m))}
                  data-testid="member-remove"
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (member && (await act(() => addMember(g.name, member)))) setMember('');
        }}
      >
        <select value={member} onChange={(e) => setMember(e.target.value)} data-testid="member-select">
          <option value="">Add a member…</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.username}>
              {u.username}
            </option>
          ))}
        </select>
        <button type="submit" disabled={!member} data-testid="member-add">
          Add member
        </button>
      </form>
      <h3 style={{ margin: '16px 14px 4px' }}>Grants</h3>
      <table className="data" data-testid="group-grants-table">
        <tbody>
          {(g.permissions ?? []).length === 0 && (
            <tr>
              <td className="muted">No grants: members have the default permission on everything.</td>
            </tr>
          )}
          {(g.permissions ?? []).map((p) => (
            <tr
              key={`${p.resource_kind}:${p.resource_id}`}
              data-testid="group-grant-row"
              data-resource={`${p.resource_kind}:${p.resource_id}`}
            >
              <td>{p.resource_kind === 'experiment' ? 'Experiment' : 'Model'}</td>
              <td>
                <Link
                  to={
                    p.resource_kind === 'experiment'
                      ? `/experiments/${encodeURIComponent(p.resource_id)}`
                      : `/models/${encodeURIComponent(p.resource_id)}`
                  }
                >
                  {p.resource_id}
                </Link>
              </td>
              <td>
                <PermissionSelect
                  value={p.permission}
                  onChange={(to) => void act(() => updateGrant(p.resource_kind, p.resource_id, subject, to))}
                  testId="group-grant-permission"
                />
              </td>
              <td style={{ textAlign: 'right' }}>
                <button
                  className="small"
                  onClick={() => void act(() => deleteGrant(p.resource_kind, p.resource_id, subject))}
                  data-testid="group-grant-remove"
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!resource.trim()) return setError('Name the experiment id or model name to grant on.');
          if (await act(() => createGrant(kind, resource.trim(), subject, permission))) setResource('');
        }}
        data-testid="group-grant-form"
      >
        <select
          value={kind}
          onChange={(e) => setKind(e.target.value as ResourceKind)}
          data-testid="grant-kind"
        >
          <option value="experiment">Experiment id</option>
          <option value="registered_model">Model name</option>
        </select>
        <input
          value={resource}
          onChange={(e) => setResource(e.target.value)}
          placeholder={kind === 'experiment' ? 'e.g. 12' : 'e.g. fraud-detector'}
          data-testid="grant-resource"
        />
        <PermissionSelect value={permission} onChange={setPermission} testId="grant-permission" />
        <button type="submit" data-testid="grant-add">
          Add grant
        </button>
      </form>
      {confirmDelete && (
        <ConfirmDialog
          title={`Delete group “${g.name}”?`}
          confirmLabel="Delete group"
          danger
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await deleteGroup(g.name);
            onDeleted();
          }}
        >
          Its members lose the permissions they had through it.
        </ConfirmDialog>
      )}
    </div>
  );
}
