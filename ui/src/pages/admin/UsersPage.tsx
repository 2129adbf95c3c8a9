/** Administration: users (create, make or unmake administrator, reset password, delete). */
import { useState, type FormEvent } from 'react';
import { createUser, deleteUser, listUsers, setAdmin, setPassword, type User } from '../../api/auth';
import { useAsync } from '../../app/hooks';
import { RequireAdmin } from '../../auth/RequireAdmin';
import { useSession } from '../../auth/session';
import { useAction } from '../../auth/useAction';
import { ConfirmDialog, FormDialog } from '../../components/Modal';
import { ListStates } from '../../components/ListStates';
import { EmptyState } from '../../components/States';
import '../../auth/auth.css';

export function UsersPage() {
  return (
    <RequireAdmin>
      <Users />
    </RequireAdmin>
  );
}

type Dialog = { kind: 'password' | 'delete'; user: User } | undefined;

function Users() {
  const session = useSession();
  const me = session.status === 'signed-in' ? session.user.username : '';
  const users = useAsync((signal) => listUsers(signal), []);
  const [username, setUsername] = useState('');
  const [password, setPasswordText] = useState('');
  const { busy, error, setError, run } = useAction();
  const [dialog, setDialog] = useState<Dialog>();
  const [newPassword, setNewPassword] = useState('');

  const act = async (action: () => Promise<unknown>) => {
    await run(action);
    users.reload();
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) return setError('Enter a username and a password.');
    if (!(await run(() => createUser(username.trim(), password)))) return;
    setUsername('');
    setPasswordText('');
    users.reload();
  };

  const list = users.data ?? [];
  return (
    <div data-testid="users-page">
      <div className="page-head">
        <h1>Users</h1>
        <span className="muted small">{list.length} users</span>
      </div>
      <form className="panel section form-row" onSubmit={create} data-testid="user-form">
        <label>
          Username
          <input
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            maxLength={256}
            autoComplete="off"
            data-testid="new-username"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPasswordText(e.target.value)}
            autoComplete="new-password"
            data-testid="new-password"
          />
        </label>
        <button type="submit" className="primary" disabled={busy} data-testid="user-create">
          Create user
        </button>
      </form>
      {error && (
        <div className="error section" role="alert" data-testid="users-error">
          {error}
        </div>
      )}
      <ListStates
        state={users}
        loadingLabel="Loading users…"
        isEmpty={list.length === 0}
        empty={<EmptyState title="No users" />}
      >
        <div className="panel section" style={{ overflow: 'auto' }}>
          <table className="data" data-testid="users-table">
            <thead>
              <tr>
                <th>Username</th>
                <th>Administrator</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id} data-testid="user-row" data-username={u.username}>
                  <td>{u.username}</td>
                  <td>
                    {u.is_admin ? (
                      <span className="pill admin-badge">admin</span>
                    ) : (
                      <span className="muted">no</span>
                    )}
                  </td>
                  <td style={{ textAlign: 'right' }} className="nowrap">
                    <button
                      className="small"
                      onClick={() => void act(() => setAdmin(u.username, !u.is_admin))}
                      data-testid="user-admin-toggle"
                    >
                      {u.is_admin ? 'Remove admin' : 'Make admin'}
                    </button>{' '}
                    <button
                      className="small"
                      onClick={() => {
                        setNewPassword('');
                        setDialog({ kind: 'password', user: u });
                      }}
                      data-testid="user-reset-password"
                    >
                      Reset password
                    </button>{' '}
                    <button
                      className="small danger"
                      disabled={u.username === me}
                      title={
                        u.username === me ? 'You cannot delete your own account.' : `Delete ${u.username}`
                      }
                      onClick={() => setDialog({ kind: 'delete', user: u })}
                      data-testid="user-delete"
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ListStates>
      {dialog?.kind === 'password' && (
        <FormDialog
          title={`New password for ${dialog.user.username}`}
          submitLabel="Set password"
          testId="password-dialog"
          onClose={() => setDialog(undefined)}
          onSubmit={async () => {
            if (!newPassword) throw new Error('Enter the new password.');
            await setPassword(dialog.user.username, newPassword);
          }}
        >
          <input
            type="password"
            value={newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
            autoComplete="new-password"
            autoFocus
            data-testid="reset-password-input"
          />
        </FormDialog>
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete user “${dialog.user.username}”?`}
          confirmLabel="Delete user"
          danger
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            await deleteUser(dialog.user.username);
            users.reload();
          }}
        >
          They can no longer sign in, and their tokens stop working. Experiments and models they created stay.
        </ConfirmDialog>
      )}
    </div>
  );
}
