/** The prompts list: prompts of the registry, apart from models, with their aliases. */
import { useAsync } from '../../app/hooks';
import { Link, useQuery, useSetQuery } from '../../app/router';
import { formatRelative, formatTime } from '../../app/format';
import { searchPrompts } from '../../api/prompts';
import { ListStates } from '../../components/ListStates';
import { SearchBox } from '../../components/SearchBox';
import { EmptyState } from '../../components/States';
import { AliasChip } from '../registry/Badges';
import { markdownExcerpt } from '../registry/Markdown';

export const promptPath = (name: string): string => `/prompts/${encodeURIComponent(name)}`;

export function PromptsPage() {
  const query = useQuery();
  const setQuery = useSetQuery();
  const q = query.get('q') ?? '';
  const list = useAsync((signal) => searchPrompts(q, signal), [q]);
  const prompts = list.data ?? [];

  return (
    <div data-testid="prompts-page">
      <div className="page-head">
        <h1>Prompts</h1>
      </div>
      <div className="toolbar">
        <SearchBox
          initial={q}
          placeholder="Search prompts by name"
          testId="prompt-search"
          onSearch={(text) => setQuery({ q: text })}
        />
      </div>
      <ListStates
        state={list}
        loadingLabel="Loading prompts…"
        isEmpty={prompts.length === 0}
        empty={
          q ? (
            <EmptyState title={`No prompt matches “${q}”`} />
          ) : (
            <EmptyState title="No prompts yet">
              <p>Register one from Python with MLflow 3:</p>
              <pre className="code">
                {'mlflow.genai.register_prompt(name="greeting", template="Hello {{name}}!")'}
              </pre>
            </EmptyState>
          )
        }
      >
        <div className="panel" style={{ overflow: 'auto' }}>
          <table className="data" data-testid="prompts-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Aliases</th>
                <th>Created</th>
                <th>Last modified</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {prompts.map((p) => (
                <tr key={p.name} data-testid="prompt-row" data-prompt={p.name}>
                  <td>
                    <Link to={promptPath(p.name)} data-testid="prompt-link">
                      {p.name}
                    </Link>
                  </td>
                  <td>
                    <div className="chips">
                      {(p.aliases ?? []).map((a) => (
                        <AliasChip key={a.alias} alias={`${a.alias} → v${a.version}`} />
                      ))}
                    </div>
                  </td>
                  <td className="nowrap" title={formatTime(p.creation_timestamp)}>
                    {formatRelative(p.creation_timestamp)}
                  </td>
                  <td className="nowrap" title={formatTime(p.last_updated_timestamp)}>
                    {formatRelative(p.last_updated_timestamp)}
                  </td>
                  <td className="muted small ellipsis" style={{ maxWidth: 320 }} title={p.description}>
                    {markdownExcerpt(p.description)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ListStates>
    </div>
  );
}
