/** The "Group by" choice of the runs table and the charts: a param or tag (`param:lr`, `tag:team`). */
export function GroupBySelect({
  value,
  choices,
  onChange,
}: {
  value: string | null;
  choices: string[];
  onChange(next: string | null): void;
}) {
  return (
    <label className="check">
      Group by
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || null)} data-testid="group-by">
        <option value="">None</option>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c.replace(':', 's.')}
          </option>
        ))}
      </select>
    </label>
  );
}
