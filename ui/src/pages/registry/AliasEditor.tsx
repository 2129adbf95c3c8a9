/**
 * Aliases of a registered model: list, set (or move) and remove, each confirmed. On a version page
 * it shows and assigns only that version's aliases.
 */
import { useState } from 'react';
import { deleteAlias, setAlias, type RegisteredModelAlias } from '../../api/registry';
import { ConfirmDialog, FormDialog } from '../../components/Modal';
import { SuggestInput } from '../../components/SuggestInput';
import { Link } from '../../app/router';
import { AliasChip, versionPath } from './Badges';

interface Props {
  modelName: string;
  aliases: RegisteredModelAlias[];
  /** Versions offered in the "set alias" dialog, newest first. */
  versions: string[];
  /** When given, only aliases of this version are listed and new ones point here. */
  version?: string;
  onChanged(): void;
  /** Why the user may not change aliases (the buttons are disabled with this tooltip). */
  denied?: string;
}

export function AliasEditor({ modelName, aliases, versions, version, onChanged, denied }: Props) {
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<RegisteredModelAlias | null>(null);
  const shown = version === undefined ? aliases : aliases.filter((a) => a.version === version);
  return (
    <div className="panel pad" data-testid="registry-aliases">
      <div className="row" style={{ marginBottom: 10 }}>
        <h2 style={{ margin: 0, flex: 1 }}>Aliases</h2>
        <button
          className="small"
          onClick={() => setAdding(true)}
          disabled={!!denied}
          title={denied}
          data-testid="add-alias"
        >
          {version === undefined ? 'Set alias' : 'Add alias'}
        </button>
      </div>
      {shown.length === 0 ? (
        <p className="muted small" style={{ margin: 0 }}>
          No aliases. An alias such as <code>champion</code> names the version deployment tools should use:
          they load <code>models:/{modelName}@champion</code> and follow it when you move the alias.
        </p>
      ) : (
        <table className="data">
          <tbody>
            {shown.map((a) => (
              <tr key={a.alias} data-testid="alias-row" data-alias={a.alias}>
                <td>
                  <AliasChip alias={a.alias} />
                </td>
                <td>
                  {version === undefined ? (
                    <Link to={versionPath(modelName, a.version)}>Version {a.version}</Link>
                  ) : (
                    <span className="mono small muted">
                      models:/{modelName}@{a.alias}
                    </span>
                  )}
                </td>
                <td style={{ width: 1 }}>
                  <button
                    className="small ghost"
                    onClick={() => setRemoving(a)}
                    disabled={!!denied}
                    title={denied}
                    data-testid="remove-alias"
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && (
        <SetAliasDialog
          modelName={modelName}
          aliases={aliases}
          versions={versions}
          fixedVersion={version}
          onClose={() => setAdding(false)}
          onDone={onChanged}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove alias “${removing.alias}”?`}
          confirmLabel="Remove alias"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await deleteAlias(modelName, removing.alias);
            onChanged();
          }}
        >
          {`Version ${removing.version} keeps its files; anything loading models:/${modelName}@${removing.alias} will fail until the alias is set again.`}
        </ConfirmDialog>
      )}
    </div>
  );
}

interface DialogProps {
  modelName: string;
  aliases: RegisteredModelAlias[];
  versions: string[];
  fixedVersion?: string;
  onClose(): void;
  onDone(): void;
}

function SetAliasDialog({ modelName, aliases, versions, fixedVersion, onClose, onDone }: DialogProps) {
  const [alias, setAliasName] = useState('');
  const [target, setTarget] = useState(fixedVersion ?? versions[0] ?? '');
  const existing = aliases.find((a) => a.alias === alias.trim());
  return (
    <FormDialog
      title={fixedVersion ? `Add an alias to version ${fixedVersion}` : 'Set alias'}
      submitLabel={existing && existing.version !== target ? 'Move alias' : 'Set alias'}
      onClose={onClose}
      testId="alias-dialog"
      onSubmit={async () => {
        const name = alias.trim();
        if (!name) throw new Error('Please enter an alias name.');
        if (!target) throw new Error('Please choose a version.');
        await setAlias(modelName, name, target);
        onDone();
      }}
    >
      <label className="field" htmlFor="alias-name">
        Alias
      </label>
      <SuggestInput
        id="alias-name"
        value={alias}
        onChange={(e) => setAliasName(e.target.value)}
        placeholder="e.g. champion"
        autoFocus
        listId="alias-names"
        suggestions={aliases.map((a) => a.alias)}
        data-testid="alias-input"
      />
      {!fixedVersion && (
        <>
          <label className="field" htmlFor="alias-version">
            Version
          </label>
          <select
            id="alias-version"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            data-testid="alias-version"
          >
            {versions.map((v) => (
              <option key={v} value={v}>
                Version {v}
              </option>
            ))}
          </select>
        </>
      )}
      {existing && existing.version !== target && (
        <p className="notice" style={{ marginTop: 10, marginBottom: 0 }}>
          @{existing.alias} points at version {existing.version} now; it will move to version {target}.
        </p>
      )}
    </FormDialog>
  );
}
