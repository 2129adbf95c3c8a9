/** Artifacts tab: a lazily loaded folder tree and a preview of the chosen file. */
import { useState } from 'react';
import { useAsync } from '../../app/hooks';
import { useQuery, useSetQuery } from '../../app/router';
import { formatBytes } from '../../app/format';
import { listArtifacts } from '../../api/tracking';
import type { ArtifactFile } from '../../api/types';
import { EmptyState, ErrorBox, Loading } from '../../components/States';
import { ArtifactPreview } from './ArtifactPreview';
import { ModelFolderActions } from '../registry/ModelFolderActions';

function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_p, i) => parts.slice(0, i + 1).join('/'));
}

export function ArtifactBrowser({ runId }: { runId: string }) {
  const query = useQuery();
  const setQuery = useSetQuery();
  const selected = query.get('path') ?? '';
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(ancestors(selected)));
  const root = useAsync((signal) => listArtifacts(runId, '', signal), [runId]);
  const [sizes] = useState(() => new Map<string, number | undefined>());

  const toggle = (dir: string) => {
    const next = new Set(expanded);
    if (next.has(dir)) next.delete(dir);
    else next.add(dir);
    setExpanded(next);
  };
  const select = (f: ArtifactFile) => {
    sizes.set(f.path, f.file_size);
    setQuery({ tab: 'artifacts', path: f.path });
  };

  if (root.error) return <ErrorBox message={root.error} onRetry={root.reload} />;
  if (!root.data) return <Loading label="Loading artifacts…" />;
  if (!root.data.length) {
    return (
      <div className="panel">
        <EmptyState title="No artifacts">
          <p>
            Files logged with <code>mlflow.log_artifact("model.pkl")</code> or{' '}
            <code>cairn artifacts log</code> appear here.
          </p>
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="artifacts" data-testid="artifact-browser">
      <div className="panel tree" data-testid="artifact-tree">
        <Entries
          runId={runId}
          files={root.data}
          depth={0}
          expanded={expanded}
          selected={selected}
          onToggle={toggle}
          onSelect={select}
        />
      </div>
      <div className="panel preview">
        <ModelFolderActions runId={runId} selected={selected} />
        {selected ? (
          <ArtifactPreview runId={runId} path={selected} size={sizes.get(selected)} />
        ) : (
          <EmptyState title="Select a file">
            <p>Choose a file on the left to preview or download it.</p>
          </EmptyState>
        )}
      </div>
    </div>
  );
}

interface EntriesProps {
  runId: string;
  files: ArtifactFile[];
  depth: number;
  expanded: Set<string>;
  selected: string;
  onToggle(dir: string): void;
  onSelect(f: ArtifactFile): void;
}

function Entries(props: EntriesProps) {
  const sorted = [...props.files].sort(
    (a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path),
  );
  return (
    <>
      {sorted.map((f) => {
        const name = f.path.slice(f.path.lastIndexOf('/') + 1);
        const open = props.expanded.has(f.path);
        return (
          <div key={f.path}>
            <div
              className={`tree-item ${props.selected === f.path ? 'on' : ''}`}
              style={{ paddingLeft: 6 + props.depth * 16 }}
              onClick={() => (f.is_dir ? props.onToggle(f.path) : props.onSelect(f))}
              data-path={f.path}
              data-testid="artifact-item"
            >
              <span className="icon">{f.is_dir ? (open ? '▾' : '▸') : '·'}</span>
              <span className="ellipsis" style={{ flex: 1 }}>
                {f.is_dir ? `${name}/` : name}
              </span>
              {!f.is_dir && <span className="muted small">{formatBytes(f.file_size)}</span>}
            </div>
            {f.is_dir && open && <Folder {...props} dir={f.path} depth={props.depth + 1} />}
          </div>
        );
      })}
    </>
  );
}

function Folder(props: Omit<EntriesProps, 'files'> & { dir: string }) {
  const list = useAsync((signal) => listArtifacts(props.runId, props.dir, signal), [props.runId, props.dir]);
  if (list.error) return <div className="error small">{list.error}</div>;
  if (!list.data)
    return (
      <div className="muted small" style={{ paddingLeft: 22 + props.depth * 16 }}>
        Loading…
      </div>
    );
  if (!list.data.length)
    return (
      <div className="muted small" style={{ paddingLeft: 22 + props.depth * 16 }}>
        Empty folder
      </div>
    );
  return <Entries {...props} files={list.data} />;
}
