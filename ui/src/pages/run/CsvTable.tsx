/** A CSV/TSV file shown as a table (first rows only). */

const MAX_ROWS = 500;

/** RFC 4180-style parsing: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string, sep = ',', maxRows = MAX_ROWS + 1): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (rows.length >= maxRows) return rows;
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function CsvTable({ text, separator }: { text: string; separator: string }) {
  const rows = parseCsv(text, separator);
  if (!rows.length) return <p className="muted">Empty file.</p>;
  const [head, ...body] = rows;
  const shown = body.slice(0, MAX_ROWS);
  return (
    <div>
      <div style={{ overflow: 'auto', maxHeight: '70vh' }} className="panel">
        <table className="data" data-testid="csv-table">
          <thead>
            <tr>
              {head!.map((h, i) => (
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={i}>
                {head!.map((_h, j) => (
                  <td key={j} className="mono small">
                    {r[j] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {body.length > MAX_ROWS && (
        <p className="muted small">Showing the first {MAX_ROWS} rows. Download the file for the rest.</p>
      )}
    </div>
  );
}
