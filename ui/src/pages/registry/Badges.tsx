/** Small visual atoms of the registry pages: stage badges, alias chips and model links. */
import './registry.css';
import { Link } from '../../app/router';

export const modelPath = (name: string): string => `/models/${encodeURIComponent(name)}`;
export const versionPath = (name: string, version: string): string =>
  `${modelPath(name)}/versions/${encodeURIComponent(version)}`;

export function StageBadge({ stage }: { stage: string }) {
  return (
    <span className={`badge stage-${stage}`} data-testid="stage-badge">
      {stage === 'None' ? 'No stage' : stage}
    </span>
  );
}

export function AliasChip({ alias, onRemove }: { alias: string; onRemove?: () => void }) {
  return (
    <span className="alias-chip" data-testid="alias-chip" data-alias={alias}>
      @{alias}
      {onRemove && (
        <button type="button" onClick={onRemove} title={`Remove alias ${alias}`} data-testid="remove-alias">
          ×
        </button>
      )}
    </span>
  );
}

export function VersionLink({ name, version }: { name: string; version: string }) {
  return (
    <Link to={versionPath(name, version)} data-testid="version-link">
      Version {version}
    </Link>
  );
}

/** Run page link for a version's source run (`runs:/<id>/<path>` also opens the model folder). */
export function runLink(runId: string, artifactPath?: string): string {
  const base = `/runs/${encodeURIComponent(runId)}`;
  return artifactPath ? `${base}?tab=artifacts&path=${encodeURIComponent(`${artifactPath}/MLmodel`)}` : base;
}
