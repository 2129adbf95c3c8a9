/**
 * The Permissions tab of an experiment or registered model: the grants of users and groups on it,
 * added, changed and removed by those with MANAGE.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import {
  createGrant,
  deleteGrant,
  listGrants,
  updateGrant,
  type Grant,
  type Permission,
  type ResourceKind,
  type Subject,
} from '../../api/auth';
import { getExperiment } from '../../api/tracking';
import { useAsync } from '../../app/hooks';
import { Link } from '../../app/router';
import { useResourceAccess } from '../../auth/permission';
import { PermissionSelect } from '../../auth/PermissionSelect';
import { useAction } from '../../auth/useAction';
import { useSession } from '../../auth/session';
import { EmptyState, ErrorBox, Loading } from '../../components/States';
import '../../auth/auth.css';

const subjectOf = (g: Grant): Subject =>
  g.group_name !== undefined ? { group_name: g.group_name } : { username: g.username ?? '' };

export function ExperimentPermissionsPage({ params }: { params: Record<string, string> }) {
  const id = params.experimentId!;
  const experiment = useAsync((signal) => getExperiment(id, signal), [id]);
  return (
    <PermissionsView
      kind="experiment"
      id={id}
      title={experiment.data?.name ?? `Experiment ${id}`}
      crumbs={<Link to="/experiments">Experiments</Link>}
      mainTab={{ to: `/experiments/${encodeURIComponent(id)}`, label: 'Runs' }}
    />
  );
}

export function ModelPermissionsPage({ params }: { params: Record<string, string> }) {
  const name = params.name!;
  return (
    <PermissionsView
      kind="registered_model"
      id={name}
      title={name}
      crumbs={<Link to="/models">Models</Link>}
      mainTab={{ to: `/models/${encodeURIComponent(name)}`, label: 'Versions' }}
    />
  );
}

interface ViewProps {
  kind: ResourceKind;
  id: string;
  title: string;
  crumbs: ReactNode;
  mainTab: { to: string; label: string };
}

function PermissionsView({ kind, id, title, crumbs, mainTab }: ViewProps) {
  const session = useSession();
  const access = useResourceAccess(kind, id);
  const mayManage = access.permission === 'MANAGE';
  return (
    <div data-testid="permissions-page">
      <div className="crumbs">{crumbs} /</div>
      <div className="page-head">
        <h1>{title}</h1>
      </div>
      <div className="tabs">
        <Link to={mainTab.to}>{mainTab.label}</Link>
        <Link to="#" className="on" onClick={(e) => e.preventDefault()}>
          Permissions
        </Link>
      </div>
      {session.status === 'off' ? (
        <div className="panel">
          <EmptyState title="Access control is off">
            <p>
              Start the server with <code>--auth</code> to grant permissions to users and groups.
            </p>
          </EmptyState>
        </div>
      ) : !access.permission ? (
        <Loading />
      ) : !mayManage ? (
        <div className="panel" data-testid="permissions-denied">
          <EmptyState title="You cannot manage permissions here">
            <p>{access.denied('manage')}</p>
          </EmptyState>
        </div>
      ) : (
        <Grants kind={kind} id={id} />
      )}
    </div>
  );
}

function Grants({ kind, id }: { kind: ResourceKind; id: string }) {
  const grants = useAsync((signal) => listGrants(kind, id, signal), [kind, id]);
  const [subjectKind, setSubjectKind] = useState<'user' | 'group'>('user');
  const [name, setName] = useState('');
  const [permission, setPermission] = useState<Permission>('READ');
  const { error, setError, run } = useAction();

  const act = async (action: () => Promise<unknown>): Promise<boolean> => {
    const done = await run(action);
    if (done) grants.reload();
    return done;
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return setError(`Enter the ${subjectKind === 'user' ? 'username' : 'group name'} to grant to.`);
    const subject: Subject = subjectKind === 'user' ? { username: n } : { group_name: n };
    const exists = (grants.data ?? []).some((g) =>
      subjectKind === 'user' ? g.username === n : g.group_name === n,
    );
    if (await act(() => (exists ? updateGrant : createGrant)(kind, id, subject, permission))) setName('');
  };

  const list = grants.data ?? [];
  return (
    <div className="panel section" data-testid="grants-panel">
      <p className="muted small" style={{ margin: '12px 14px 0' }}>
        Users and groups without a grant here have the server's default permission. Administrators may do
        everything.
      </p>
      {grants.error && <ErrorBox message={grants.error} onRetry={grants.reload} />}
      {error && (
        <div className="error" role="alert" style={{ margin: '12px 14px 0' }} data-testid="grants-error">
          {error}
        </div>
      )}
      {!grants.data ? (
        grants.loading && <Loading label="Loading grants…" />
      ) : (
        <table className="data" data-testid="grants-table">
          <thead>
            <tr>
              <th>Who</th>
              <th>Kind</th>
              <th>Permission</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No grants yet.
                </td>
              </tr>
            )}
            {list.map((g) => {
              const who = g.group_name ?? g.username ?? '';
              const isGroup = g.group_name !== undefined;
              return (
                <tr
                  key={`${isGroup ? 'g' : 'u'}:${who}`}
                  data-testid="grant-row"
                  data-subject={`${isGroup ? 'group' : 'user'}:${who}`}
                >
                  <td>{who}</td>
                  <td className="muted">{isGroup ? 'group' : 'user'}</td>
                  <td>
                    <PermissionSelect
                      value={g.permission}
                      onChange={(to) => void act(() => updateGrant(kind, id, subjectOf(g), to))}
                      testId="grant-row-permission"
                    />
                  </td>
                  <td style={{ textAlign: 'right' }}>
                    <button
                      className="small"
                      onClick={() => void act(() => deleteGrant(kind, id, subjectOf(g)))}
                      data-testid="grant-row-remove"
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form className="form-row" onSubmit={add} data-testid="grant-form">
        <select
          value={subjectKind}
          onChange={(e) => setSubjectKind(e.target.value as 'user' | 'group')}
          data-testid="grant-subject-kind"
        >
          <option value="user">User</option>
          <option value="group">Group</option>
        </select>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={subjectKind === 'user' ? 'username' : 'group name'}
          maxLength={256}
          data-testid="grant-subject"
        />
        <PermissionSelect value={permission} onChange={setPermission} testId="grant-new-permission" />
        <button type="submit" className="primary" data-testid="grant-submit">
          Grant
        </button>
      </form>
    </div>
  );
}
