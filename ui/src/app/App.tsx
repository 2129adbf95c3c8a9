import { Suspense } from 'react';
import { Link, matchPath, usePathname } from './router';
import { Loading } from '../components/States';
import { useTheme } from './theme';
import { NAV } from './nav';
import { ROUTES } from '../pages/routes';
import { NotFoundPage } from '../pages/not-found/NotFoundPage';
import { UserMenu } from '../auth/UserMenu';

const THEME_LABEL = { system: 'Auto theme', light: 'Light theme', dark: 'Dark theme' } as const;
const THEME_ICON = { system: '◐', light: '☀', dark: '☾' } as const;

export function App() {
  const pathname = usePathname();
  const [theme, cycleTheme] = useTheme();
  let page = <NotFoundPage />;
  let section = '';
  for (const r of ROUTES) {
    const params = matchPath(r.path, pathname);
    if (params) {
      const Page = r.component;
      page = <Page key={r.path} params={params} />;
      section = r.section;
      break;
    }
  }
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" />
          Cairn
        </Link>
        <nav className="nav">
          {NAV.map((n) => (
            <Link key={n.section} to={n.to} className={n.section === section ? 'active' : ''}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        <UserMenu />
        <button
          className="ghost"
          onClick={cycleTheme}
          title={`${THEME_LABEL[theme]} (click to change)`}
          aria-label={THEME_LABEL[theme]}
          data-testid="theme-toggle"
        >
          <span aria-hidden>{THEME_ICON[theme]}</span>
          <span className="small muted">{THEME_LABEL[theme]}</span>
        </button>
      </header>
      <main className="main">
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </main>
    </div>
  );
}
