/** Administration: the audit log of state-changing requests, by user, resource and time range, paged. */
import { useState, type FormEvent } from 'react';
import { searchAudit } from '../../api/auth';
import { formatTime } from '../../app/format';
import { useAsync } from '../../app/hooks';
import { useQuery, useSetQuery } from '../../app/router';
import { RequireAdmin } from '../../auth/RequireAdmin';
import { ListStates } from '../../components/ListStates';
import { EmptyState } from '../../components/States';
import '../../auth/auth.css';

const PAGE_SIZE = 50;

export function AuditPage() {
  return (
    <RequireAdmin>
      <Audit />
    </RequireAdmin>
  );
}

/** `datetime-local` value (local time) <-> epoch milliseconds. */
const toMillis = (local: string): number | undefined => {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? t : undefined;
};

function Audit() {
  const query = useQuery();
  const setQuery = useSetQuery();
  const filters = {
    user: query.get('user') ?? '',
    kind: query.get('kind') ?? '',
    resource: query.get('resource') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
  const filterKey = JSON.stringify(filters);
  // Tokens of the pages before the current one (the first page has none).
  const [pages, setPages] = useState<{ key: string; tokens: (string | undefined)[] }>({
    key: filterKey,
    tokens: [undefined],
  });
  const tokens = pages.key === filterKey ? pages.tokens : [undefined];
  const pageToken = tokens[tokens.length - 1];
  const records = useAsync(
    (signal) =>
      searchAudit(
        {
          username: filters.user,
          resourceKind: filters.kind,
          resourceId: filters.resource,
          startTime: toMillis(filters.from),
          endTime: toMillis(filters.to),
          maxResults: PAGE_SIZE,
          pageToken,
        },
        signal,
      ),
    [filterKey, pageToken],
  );
  const [draft, setDraft] = useState(filters);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setQuery(draft, true);
  };
  const list = records.data?.records ?? [];
  const field = (name: keyof typeof draft) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }),
  });

  return (
    <div data-testid="audit-page">
      <div className="page-head">
        <h1>Audit log</h1>
        <span className="muted small">Every state-changing request: who, when, what and the outcome.</span>
      </div>
      <form className="panel section form-row" onSubmit={apply} data-testid="audit-filters">
        <label>
          User
          <input {...field('user')} placeholder="any" data-testid="audit-user" />
        </label>
        <label>
          Resource kind
          <select {...field('kind')} data-testid="audit-kind">
            <option value="">any</option>
            <option value="experiment">experiment</option>
            <option value="registered_model">registered model</option>
          </select>
        </label>
        <label>
          Resource id
          <input
            {...field('resource')}
            placeholder="experiment id or model name"
            data-testid="audit-resource"
          />
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} data-testid="audit-from" />
        </label>
        <label>
          To
          <input type="datetime-local" {...field('to')} data-testid="audit-to" />
        </label>
        <button type="submit" className="primary" data-testid="audit-apply">
          Search
        </button>
      </form>
      <ListStates
        state={records}
        loadingLabel="Loading audit records…"
        isEmpty={list.length === 0 && tokens.length === 1}
        empty={<EmptyState title="No matching records" />}
      >
        <div className="panel section" style={{ overflow: 'auto' }}>
          <table className="data" data-testid="audit-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>User</th>
                <th>Request</th>
                <th>Resource</th>
                <th>Status</th>
                <th>Client</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr
                  key={String(r.event_id)}
                  data-testid="audit-row"
                  data-route={r.route}
                  data-status={r.status}
                >
                  <td className="nowrap">{formatTime(r.time)}</td>
                  <td>{r.username ?? <span className="muted">anonymous</span>}</td>
                  <td className="mono small">
                    {r.method} {r.route}
                  </td>
                  <td className="small">
                    {r.resource_kind
                      ? `${r.resource_kind === 'registered_model' ? 'model' : r.resource_kind} `
                      : ''}
                    {r.resource_id ?? ''}
                  </td>
                  <td className={r.status >= 400 ? 'num error-text' : 'num'}>{r.status}</td>
                  <td className="muted small">{r.client ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button
              disabled={tokens.length === 1}
              onClick={() => setPages({ key: filterKey, tokens: tokens.slice(0, -1) })}
              data-testid="audit-prev"
            >
              Previous
            </button>
            <span className="muted small" data-testid="audit-page-number">
              Page {tokens.length}
            </span>
            <button
              disabled={!records.data?.nextPageToken}
              onClick={() => setPages({ key: filterKey, tokens: [...tokens, records.data?.nextPageToken] })}
              data-testid="audit-next"
            >
              Next
            </button>
          </div>
        </div>
      </ListStates>
    </div>
  );
}
