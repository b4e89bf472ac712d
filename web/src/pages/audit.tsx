// The audit trail (docs/safety.md): the project's events from rift-backend (Owners; filters by action,
// user and time, pagination) and rift-auth's events (logins for an admin, role changes for Owners).
import { useEffect, useState } from 'preact/hooks';
import { auth, gql, pid, session } from '../api';
import { AUDIT_ACTIONS, auditFilter, SINCE } from '../lib/safety';
import { Empty, ErrorBox, fmtTime, Spinner, useAsync } from '../ui';

const LIST = `query($p: ID!, $f: AuditFilterInput, $g: Pagination) { listAuditEvents(projectID: $p, filter: $f, pagination: $g) {
  totalNoOfEvents events { eventID timeMs action operation username source resource outcome detail } } }`;

const Outcome = ({ o }: { o: string }) => <span class={'badge ' + (o === 'success' ? 'ph-completed' : 'ph-error')}>{o}</span>;

function ProjectEvents() {
  const [action, setAction] = useState('');
  const [user, setUser] = useState('');
  const [since, setSince] = useState(0);
  const [page, setPage] = useState(0);
  const [limit, setLimit] = useState(25);
  const [q, setQ] = useState('');
  useEffect(() => { const t = setTimeout(() => { setQ(user); setPage(0); }, 250); return () => clearTimeout(t); }, [user]);
  const { data, error, loading, reload } = useAsync(() => gql(LIST, { p: pid(), f: auditFilter(action, q, since), g: { page, limit } }),
    [action, q, since, page, limit], 5000);
  const list: any[] = data?.listAuditEvents?.events || [];
  const total: number = data?.listAuditEvents?.totalNoOfEvents || 0;
  const pages = Math.max(1, Math.ceil(total / limit));
  const filtered = action || q || since;
  return <section>
    <h3>What happened in {session.get()?.projectName || 'this project'}</h3>
    <div class="row filters">
      <select aria-label="Filter by action" name="auditAction" value={action} onChange={e => { setAction(e.currentTarget.value); setPage(0); }}>
        <option value="">Any action</option>{AUDIT_ACTIONS.map(a => <option value={a}>{a.replace(/_/g, ' ')}</option>)}</select>
      <input class="search" name="auditUser" placeholder="Filter by username" aria-label="Filter by username" value={user} onInput={e => setUser(e.currentTarget.value)} />
      <select aria-label="Since" value={since} onChange={e => { setSince(Number(e.currentTarget.value)); setPage(0); }}>
        {SINCE.map(([t, ms]) => <option value={ms}>{t}</option>)}</select>
    </div>
    <ErrorBox error={error} onRetry={reload} />
    {loading && !data ? <Spinner /> : list.length === 0 ? <Empty title={filtered ? 'No event matches these filters' : 'No events yet'}>
      {filtered ? 'Change or clear the filters.' : 'Creating, running, stopping or deleting anything in this project is recorded here.'}</Empty> :
      <table class="list" data-testid="audit-list"><thead><tr><th>Time</th><th>User</th><th>Action</th><th>Operation</th><th>Resource</th><th>Outcome</th><th>From</th></tr></thead>
        <tbody>{list.map(e => <tr data-action={e.action}>
          <td>{fmtTime(e.timeMs)}</td><td>{e.username || '—'}</td><td>{e.action.replace(/_/g, ' ')}</td><td><code>{e.operation}</code></td>
          <td class="muted">{e.resource || '—'}</td><td><Outcome o={e.outcome} />{e.detail && <div class="muted">{e.detail}</div>}</td><td>{e.source || '—'}</td>
        </tr>)}</tbody></table>}
    {total > 0 && <div class="row pager">
      <button disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
      <span data-testid="audit-pages">Page {page + 1} of {pages} ({total} events)</span>
      <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next</button>
      <select aria-label="Per page" value={limit} onChange={e => { setLimit(Number(e.currentTarget.value)); setPage(0); }}>
        {[10, 25, 50, 100].map(n => <option value={n}>{n} per page</option>)}</select>
    </div>}
  </section>;
}

/** rift-auth's events: every login for an admin, this project's role changes for its Owners. */
function AuthEvents({ admin }: { admin: boolean }) {
  const [action, setAction] = useState(admin ? 'login' : '');
  const path = '/audit_events?' + new URLSearchParams({ ...(admin ? {} : { projectID: pid() }), ...(action ? { action } : {}) });
  const { data, error, loading, reload } = useAsync(() => auth('GET', path), [path], 10000);
  const list: any[] = data?.events || [];
  return <section>
    <div class="row"><h3>{admin ? 'Logins and role changes (every project)' : 'Role changes in this project'}</h3><span class="grow" />
      {admin && <select aria-label="Sign-in events" name="authAction" value={action} onChange={e => setAction(e.currentTarget.value)}>
        <option value="login">Logins</option><option value="role_change">Role changes</option><option value="">Both</option></select>}</div>
    <ErrorBox error={error} onRetry={reload} />
    {loading && !data ? <Spinner /> : list.length === 0 ? <Empty title="No events yet" /> :
      <table class="list" data-testid="auth-audit-list"><thead><tr><th>Time</th><th>User</th><th>Action</th><th>Outcome</th><th>From</th><th>Detail</th></tr></thead>
        <tbody>{list.map(e => <tr data-action={e.action}><td>{fmtTime(e.timeMs)}</td><td>{e.username || '—'}</td><td>{e.action.replace(/_/g, ' ')}</td>
          <td><Outcome o={e.outcome} /></td><td>{e.source || '—'}</td><td class="muted">{e.detail || '—'}</td></tr>)}</tbody></table>}
    {list.length >= 100 && <p class="muted">The newest 100 events are shown.</p>}
  </section>;
}

export default function Audit() {
  const s = session.get()!;
  const owner = s.projectRole === 'Owner' && !!s.projectID;
  return <div>
    <h2>Audit trail</h2>
    {owner ? <ProjectEvents /> : <p class="muted">Only the project's Owners see its events.</p>}
    {(owner || s.role === 'admin') && <AuthEvents admin={s.role === 'admin'} />}
  </div>;
}
