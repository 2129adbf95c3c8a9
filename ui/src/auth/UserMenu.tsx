/** The header's account area: who is signed in, their pages, and signing out (nothing when auth is off). */
import { useState } from 'react';
import { logout } from '../api/auth';
import { Link, navigate, usePathname } from '../app/router';
import { LOGIN_PATH, loginUrl, signedOut, useSession } from './session';
import './auth.css';

const ADMIN_LINKS = [
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/groups', label: 'Groups' },
  { to: '/admin/audit', label: 'Audit' },
];

export function UserMenu() {
  const session = useSession();
  const pathname = usePathname();
  const [busy, setBusy] = useState(false);
  if (session.status === 'signed-out')
    return pathname === LOGIN_PATH ? null : (
      <Link to={loginUrl()} className="btn" data-testid="sign-in-link">
        Sign in
      </Link>
    );
  if (session.status !== 'signed-in') return null;
  const { user } = session;
  const signOut = async () => {
    setBusy(true);
    try {
      await logout();
    } finally {
      setBusy(false);
      signedOut();
      navigate(LOGIN_PATH);
    }
  };
  return (
    <div className="user-menu" data-testid="user-menu">
      {user.is_admin && (
        <nav className="nav admin-nav" aria-label="Administration">
          {ADMIN_LINKS.map((l) => (
            <Link key={l.to} to={l.to} className={pathname === l.to ? 'active' : ''}>
              {l.label}
            </Link>
          ))}
        </nav>
      )}
      <Link
        to="/tokens"
        className={`user-name${pathname === '/tokens' ? ' active' : ''}`}
        title="Your access tokens"
        data-testid="current-user"
      >
        {user.username}
      </Link>
      {user.is_admin && (
        <span className="pill admin-badge" data-testid="admin-badge">
          admin
        </span>
      )}
      <button className="ghost" onClick={signOut} disabled={busy} data-testid="logout">
        Log out
      </button>
    </div>
  );
}
