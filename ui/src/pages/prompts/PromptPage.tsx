/** One prompt: its versions newest first, each with template, commit message, tags and aliases. */
import { useAsync } from '../../app/hooks';
import { Link } from '../../app/router';
import { formatTime } from '../../app/format';
import { listPromptVersions, promptTemplate, userTags } from '../../api/prompts';
import { getRegisteredModel } from '../../api/registry';
import { ListStates } from '../../components/ListStates';
import { EmptyState } from '../../components/States';
import { AliasChip } from '../registry/Badges';

export function PromptPage({ params }: { params: Record<string, string> }) {
  const name = params.name ?? '';
  // Version searches carry no aliases: they come from the prompt (registered model) itself.
  const versions = useAsync(
    async (signal) => {
      const [list, prompt] = await Promise.all([
        listPromptVersions(name, signal),
        getRegisteredModel(name, signal).catch(() => undefined),
      ]);
      return { list, aliases: prompt?.aliases ?? [] };
    },
    [name],
  );
  const list = versions.data?.list ?? [];
  const aliasesOf = (version: string): string[] =>
    (versions.data?.aliases ?? []).filter((a) => a.version === version).map((a) => a.alias);

  return (
    <div data-testid="prompt-page">
      <div className="page-head">
        <h1>
          <Link to="/prompts">Prompts</Link> / {name}
        </h1>
      </div>
      <ListStates
        state={versions}
        loadingLabel="Loading versions…"
        isEmpty={list.length === 0}
        empty={<EmptyState title={`No prompt named “${name}”`} />}
      >
        {list.map((v) => (
          <div className="panel" key={v.version} data-testid="prompt-version" data-version={v.version}>
            <div className="row">
              <strong>Version {v.version}</strong>
              <div className="chips">
                {aliasesOf(v.version).map((a) => (
                  <AliasChip key={a} alias={a} />
                ))}
              </div>
              <span className="grow" />
              <span className="muted small">{formatTime(v.creation_timestamp)}</span>
            </div>
            {v.description && <p className="muted">{v.description}</p>}
            <pre className="prompt-template" data-testid="prompt-template">
              {promptTemplate(v)}
            </pre>
            {userTags(v.tags).length > 0 && (
              <div className="chips small">
                {userTags(v.tags).map((t) => (
                  <span key={t.key} className="badge">
                    {t.key}: {t.value}
                  </span>
                ))}
              </div>
            )}
          </div>
        ))}
      </ListStates>
    </div>
  );
}
