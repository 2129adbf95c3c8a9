/**
 * The page table. Each page lives in its own folder under `pages/` and is added here with its
 * path pattern (and, for top-level sections, a navigation entry).
 */
import { lazy, type ComponentType } from 'react';
import { ExperimentsPage } from './experiments/ExperimentsPage';
import { RunsPage } from './runs/RunsPage';

// Pages other than the experiments list and the runs table load on first use, so opening an
// experiment downloads and parses only what it needs.
const ComparePage = lazy(() => import('./compare/ComparePage').then((m) => ({ default: m.ComparePage })));
const RunPage = lazy(() => import('./run/RunPage').then((m) => ({ default: m.RunPage })));
const ModelsPage = lazy(() => import('./registry/ModelsPage').then((m) => ({ default: m.ModelsPage })));
const ModelPage = lazy(() => import('./registry/ModelPage').then((m) => ({ default: m.ModelPage })));
const PromptsPage = lazy(() => import('./prompts/PromptsPage').then((m) => ({ default: m.PromptsPage })));
const PromptPage = lazy(() => import('./prompts/PromptPage').then((m) => ({ default: m.PromptPage })));
const VersionPage = lazy(() => import('./registry/VersionPage').then((m) => ({ default: m.VersionPage })));
const lazyNamed = <K extends string>(
  load: () => Promise<Record<K, ComponentType<{ params: Record<string, string> }>>>,
  name: K,
) => lazy(() => load().then((m) => ({ default: m[name] })));
// Access control: sign-in, tokens, administration and the Permissions tabs.
const LoginPage = lazyNamed(() => import('./auth/LoginPage'), 'LoginPage');
const TokensPage = lazyNamed(() => import('./auth/TokensPage'), 'TokensPage');
const UsersPage = lazyNamed(() => import('./admin/UsersPage'), 'UsersPage');
const GroupsPage = lazyNamed(() => import('./admin/GroupsPage'), 'GroupsPage');
const AuditPage = lazyNamed(() => import('./admin/AuditPage'), 'AuditPage');
const ExperimentPermissionsPage = lazyNamed(
  () => import('./permissions/PermissionsPage'),
  'ExperimentPermissionsPage',
);
const ModelPermissionsPage = lazyNamed(() => import('./permissions/PermissionsPage'), 'ModelPermissionsPage');

export interface RouteDef {
  path: string;
  component: ComponentType<{ params: Record<string, string> }>;
  /** Which top navigation entry is highlighted on this page. */
  section: string;
}

export const ROUTES: RouteDef[] = [
  { path: '/', component: ExperimentsPage, section: 'experiments' },
  { path: '/experiments', component: ExperimentsPage, section: 'experiments' },
  { path: '/experiments/:ids', component: RunsPage, section: 'experiments' },
  { path: '/experiments/:experimentId/runs/:runId', component: RunPage, section: 'experiments' },
  { path: '/runs/:runId', component: RunPage, section: 'experiments' },
  { path: '/compare', component: ComparePage, section: 'experiments' },
  { path: '/models', component: ModelsPage, section: 'models' },
  { path: '/models/:name', component: ModelPage, section: 'models' },
  { path: '/models/:name/versions/:version', component: VersionPage, section: 'models' },
  { path: '/prompts', component: PromptsPage, section: 'prompts' },
  { path: '/prompts/:name', component: PromptPage, section: 'prompts' },
  {
    path: '/experiments/:experimentId/permissions',
    component: ExperimentPermissionsPage,
    section: 'experiments',
  },
  { path: '/models/:name/permissions', component: ModelPermissionsPage, section: 'models' },
  { path: '/login', component: LoginPage, section: '' },
  { path: '/tokens', component: TokensPage, section: '' },
  { path: '/admin/users', component: UsersPage, section: '' },
  { path: '/admin/groups', component: GroupsPage, section: '' },
  { path: '/admin/audit', component: AuditPage, section: '' },
];
