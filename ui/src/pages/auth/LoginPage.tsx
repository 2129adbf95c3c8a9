/** Sign-in: username and password start a session; afterwards the user returns to where they were. */
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { login } from '../../api/auth';
import { Link, navigate, useQuery } from '../../app/router';
import { refreshSession, safeNext, useSession } from '../../auth/session';
import { EmptyState } from '../../components/States';
import '../../auth/auth.css';

export function LoginPage() {
  const session = useSession();
  const next = safeNext(useQuery().get('next'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (session.status === 'off')
    return (
      <div className="panel login-box">
        <EmptyState title="No sign-in needed">
          <p>Access control is off on this server.</p>
          <Link to={next}>Continue</Link>
        </EmptyState>
      </div>
    );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await login(username, password);
      await refreshSession();
      navigate(next, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form className="panel login-box form-grid" onSubmit={submit} data-testid="login-form">
      <h1>Sign in to Cairn</h1>
      {session.status === 'signed-in' && (
        <div className="notice" data-testid="signed-in-as">
          Signed in as {session.user.username}. Signing in again switches user.
        </div>
      )}
      <label>
        Username
        <input
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          autoFocus
          data-testid="login-username"
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="login-password"
        />
      </label>
      {error && (
        <div className="error" role="alert" data-testid="login-error">
          {error}
        </div>
      )}
      <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
        Sign in
      </button>
    </form>
  );
}
