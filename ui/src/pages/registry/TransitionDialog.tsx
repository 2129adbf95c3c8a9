/** Moves a model version to another stage, optionally archiving the versions already in it. */
import { useState } from 'react';
import { STAGES, transitionStage, type ModelVersion, type ModelVersionStage } from '../../api/registry';
import { FormDialog } from '../../components/Modal';

interface Props {
  mv: ModelVersion;
  /** The model's other versions, to say which ones an archive would move. */
  others: ModelVersion[];
  onClose(): void;
  onDone(): void;
}

export function TransitionDialog({ mv, others, onClose, onDone }: Props) {
  const choices = STAGES.filter((s) => s !== mv.current_stage);
  const [stage, setStage] = useState<ModelVersionStage>(
    choices.includes('Production') && mv.current_stage === 'Staging' ? 'Production' : choices[0]!,
  );
  const [archive, setArchive] = useState(false);
  // Archiving others only means something for the two deployment stages.
  const canArchive = stage === 'Staging' || stage === 'Production';
  const occupants = others.filter((o) => o.current_stage === stage);
  return (
    <FormDialog
      title={`Transition version ${mv.version}`}
      submitLabel="Transition"
      onClose={onClose}
      testId="transition-dialog"
      onSubmit={async () => {
        await transitionStage(mv.name, mv.version, stage, canArchive && archive);
        onDone();
      }}
    >
      <p>
        Version {mv.version} is in{' '}
        <strong>{mv.current_stage === 'None' ? 'no stage' : mv.current_stage}</strong>. Stages are kept for
        older tools; new deployments usually follow an alias instead.
      </p>
      <label className="field" htmlFor="transition-stage">
        New stage
      </label>
      <select
        id="transition-stage"
        value={stage}
        onChange={(e) => setStage(e.target.value as ModelVersionStage)}
        data-testid="stage-select"
      >
        {choices.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      {canArchive && (
        <label className="check" style={{ marginTop: 12, display: 'flex', gap: 8, alignItems: 'flex-start' }}>
          <input
            type="checkbox"
            checked={archive}
            onChange={(e) => setArchive(e.target.checked)}
            data-testid="archive-existing"
          />
          <span>
            Archive the versions now in {stage}
            {occupants.length > 0 ? (
              <span className="muted">
                {' '}
                (version{occupants.length > 1 ? 's' : ''} {occupants.map((o) => o.version).join(', ')})
              </span>
            ) : (
              <span className="muted"> (none at the moment)</span>
            )}
          </span>
        </label>
      )}
    </FormDialog>
  );
}
