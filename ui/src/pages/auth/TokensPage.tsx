/** The signed-in user's personal access tokens: create (the secret is shown once), list, revoke. */
import { useState, type FormEvent } from 'react';
import {
  createToken,
  listTokens,
  revokeToken,
  TOKEN_SCOPES,
  type Token,
  type TokenScope,
} from '../../api/auth';
import { formatRelative, formatTime } from '../../app/format';
import { useAsync } from '../../app/hooks';
import { ConfirmDialog } from '../../components/Modal';
import { ListStates } from '../../components/ListStates';
import { EmptyState } from '../../components/States';
import { CopyButton } from './CopyButton';
import { useAction } from '../../auth/useAction';
import '../../auth/auth.css';

const SCOPE_HELP: Record<TokenScope, string> = {
  read: 'read: only reads',
  write: 'write: reads and writes what you may, never administers',
  admin: 'admin: everything you may do',
};

function tokenState(t: Token): 'Revoked' | 'Expired' | 'Active' {
  if (t.revoked_time) return 'Revoked';
  if (t.expiry_time && t.expiry_time <= Date.now()) return 'Expired';
  return 'Active';
}

export function TokensPage() {
  const tokens = useAsync((signal) => listTokens(signal), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('write');
  const [days, setDays] = useState('');
  const { busy, error, setError, run } = useAction();
  const [created, setCreated] = useState<{ name: string; secret: string }>();
  const [revoking, setRevoking] = useState<Token>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const expires = days.trim() === '' ? undefined : Number(days);
    if (!name.trim()) return setError('Give the token a name.');
    if (expires !== undefined && !(Number.isInteger(expires) && expires >= 1 && expires <= 3650))
      return setError('Expiry must be a whole number of days between 1 and 3650, or empty for none.');
    const done = await run(async () => {
      const res = await createToken(name.trim(), scope, expires);
      setCreated({ name: res.token.name, secret: res.secret });
    });
    if (!done) return;
    setName('');
    setDays('');
    tokens.reload();
  };

  const list = tokens.data ?? [];
  return (
    <div data-testid="tokens-page">
      <div className="page-head">
        <h1>Access tokens</h1>
        <span className="muted small">
          For scripts and clients: send as <code>Authorization: Bearer …</code> or set{' '}
          <code>MLFLOW_TRACKING_TOKEN</code>.
        </span>
      </div>
      <form className="panel section form-row" onSubmit={create} data-testid="token-form">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={256}
            data-testid="token-name"
          />
        </label>
        <label>
          Scope
          <select
            value={scope}
            onChange={(e) => setScope(e.target.value as TokenScope)}
            title={SCOPE_HELP[scope]}
            data-testid="token-scope"
          >
            {TOKEN_SCOPES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires after (days, optional)
          <input
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="never"
            data-testid="token-days"
          />
        </label>
        <button type="submit" className="primary" disabled={busy} data-testid="token-create">
          Create token
        </button>
        {error && (
          <div className="error" role="alert" style={{ flexBasis: '100%' }}>
            {error}
          </div>
        )}
      </form>
      {created && (
        <div className="panel section" data-testid="token-secret-panel">
          <div className="notice" style={{ margin: '12px 14px 0' }}>
            Copy the secret of “{created.name}” now: it is shown only this once and cannot be read again.
          </div>
          <div className="secret-box">
            <code data-testid="token-secret">{created.secret}</code>
            <CopyButton text={created.secret} />
            <button onClick={() => setCreated(undefined)} data-testid="token-secret-done">
              Done
            </button>
          </div>
        </div>
      )}
      <ListStates
        state={tokens}
        loadingLabel="Loading tokens…"
        isEmpty={list.length === 0}
        empty={
          <EmptyState title="No tokens yet">
            <p>Create one above for a script or an MLflow client.</p>
          </EmptyState>
        }
      >
        <div className="panel section" style={{ overflow: 'auto' }}>
          <table className="data" data-testid="tokens-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scope</th>
                <th>Created</th>
                <th>Expires</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((t) => {
                const state = tokenState(t);
                return (
                  <tr key={t.token_id} data-testid="token-row" data-name={t.name} data-state={state}>
                    <td>{t.name}</td>
                    <td>{t.scope}</td>
                    <td className="nowrap" title={formatTime(t.creation_time)}>
                      {formatRelative(t.creation_time)}
                    </td>
                    <td className="nowrap">{t.expiry_time ? formatTime(t.expiry_time) : 'never'}</td>
                    <td>{state}</td>
                    <td style={{ textAlign: 'right' }}>
                      <button
                        className="small danger"
                        disabled={state !== 'Active'}
                        title={
                          state === 'Active'
                            ? 'Revoke this token'
                            : `This token is already ${state.toLowerCase()}.`
                        }
                        onClick={() => setRevoking(t)}
                        data-testid="token-revoke"
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </ListStates>
      {revoking && (
        <ConfirmDialog
          title={`Revoke token “${revoking.name}”?`}
          confirmLabel="Revoke token"
          danger
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await revokeToken(revoking.token_id);
            tokens.reload();
          }}
        >
          Clients using it are refused from now on. This cannot be undone.
        </ConfirmDialog>
      )}
    </div>
  );
}
