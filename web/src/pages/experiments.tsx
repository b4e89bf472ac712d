import { useEffect, useState } from 'preact/hooks';
import { canRun, gql, isOwner, pid } from '../api';
import { changed } from '../estop';
import { cronToWords } from '../lib/cron';
import { useSignal } from '../state';
import { Action, Empty, ErrorBox, fmtTime, Phase, Spinner, useAsync } from '../ui';

export const LIST_EXP = `query($p: ID!, $r: ListExperimentRequest!) { listExperiment(projectID: $p, request: $r) { totalNoOfExperiments
  experiments { experimentID name description cronSyntax infraID updatedAt infra { name isActive } schedule { disabled nextSlotMs } } } }`;
const RUN = `mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }`;
const DRY = `mutation($p: ID!, $e: String!) { dryRunChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }`;
const STOP = `mutation($p: ID!, $e: String!) { stopExperimentRuns(projectID: $p, experimentID: $e) }`;
const DEL = `mutation($p: ID!, $e: String!) { deleteChaosExperiment(projectID: $p, experimentID: $e) }`;
const CRON = `mutation($p: ID!, $e: String!, $d: Boolean!) { updateCronExperimentState(projectID: $p, experimentID: $e, disable: $d) }`;
const ACTIVE = ['Queued', 'Running'];

/** The first page is asked for as soon as this module runs when the address is the list (before the
 * first render and its effects), so the request overlaps the page's start-up. */
let early: { key: string; at: number; p: Promise<any> } | null = null;
const FIRST = (project: string) => `${project}/0/25///`;
if (typeof location !== 'undefined' && /^#\/experiments\/?$/.test(location.hash) && pid()) {
  early = { key: FIRST(pid()), at: Date.now(), p: gql(LIST_EXP, { p: pid(), r: { pagination: { page: 0, limit: 25 }, sort: { field: 'TIME', ascending: false }, filter: {} } }) };
  early.p.catch(() => {});
}

/** One page of the list, filtered by the API (name part in any case, latest run's phase, schedule type). */
async function fetchPage(page: number, limit: number, name: string, status: string, sched: string) {
  const e = early;
  early = null;
  if (e && e.key === `${pid()}/${page}/${limit}/${name}/${status}/${sched}` && Date.now() - e.at < 2000) return e.p;
  const filter: Record<string, string> = {};
  if (name) filter.experimentName = name;
  if (status) filter.status = status;
  if (sched) filter.scheduleType = sched;
  return gql(LIST_EXP, { p: pid(), r: { pagination: { page, limit }, sort: { field: 'TIME', ascending: false }, filter } });
}

/** The newest run of each experiment, in one request (one aliased field per experiment); the rows show
 * before it answers. */
async function lastRuns(ids: string[]): Promise<Record<string, any>> {
  if (!ids.length) return {};
  const fields = ids.map((id, i) => `e${i}: listExperimentRun(projectID: $p, request: {experimentIDs: ["${id.replace(/["\\]/g, '')}"],
    pagination: {page: 0, limit: 1}}) { experimentRuns { experimentRunID phase resiliencyScore runSequence dryRun } }`);
  const r = await gql(`query($p: ID!) { ${fields.join('\n')} }`, { p: pid() });
  return Object.fromEntries(ids.map((id, i) => [id, r[`e${i}`]?.experimentRuns?.[0]]));
}

function words(c: string) {
  try { return cronToWords(c); } catch { return c; }
}

export function Experiments() {
  const [page, setPage] = useState(0);
  const [limit, setLimit] = useState(25);
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const [sched, setSched] = useState('');
  const [q, setQ] = useState({ name: '', status: '' });
  const [err, setErr] = useState('');
  const stops = useSignal(changed);
  useEffect(() => setErr(''), [stops]); // an emergency stop pressed or released: an old refusal no longer holds
  useEffect(() => { const t = setTimeout(() => { setQ({ name, status }); setPage(0); }, 250); return () => clearTimeout(t); }, [name, status]);
  const { data, error, loading, reload } = useAsync(() => fetchPage(page, limit, q.name, q.status, sched), [page, limit, q.name, q.status, sched], 5000);
  const list: any[] = data?.listExperiment?.experiments || [];
  const ids = list.map(x => x.experimentID);
  const runs = useAsync(() => lastRuns(ids), [ids.join()], 5000);
  const total: number = data?.listExperiment?.totalNoOfExperiments || 0;
  const pages = Math.max(1, Math.ceil(total / limit));
  const act = (m: string, v: any) => async () => { setErr(''); await gql(m, { p: pid(), ...v }); await Promise.all([reload(true), runs.reload(true)]); };
  return <div>
    <div class="row"><h2>Experiments</h2><span class="grow" />
      {isOwner() && <a class="button primary" href="#/experiments/new" data-testid="new-experiment">New experiment</a>}</div>
    <div class="row filters">
      <input class="search" placeholder="Filter by name" aria-label="Filter by name" value={name} onInput={e => setName(e.currentTarget.value)} />
      <select aria-label="Filter by status" value={status} onChange={e => setStatus(e.currentTarget.value)}>
        <option value="">Any status</option>
        {['Completed', 'Completed_With_Error', 'Running', 'Queued', 'Stopped', 'Error', 'Timeout'].map(s => <option value={s}>{s.replace(/_/g, ' ')}</option>)}
      </select>
      <select aria-label="Filter by schedule" value={sched} onChange={e => { setSched(e.currentTarget.value); setPage(0); }}>
        <option value="">Scheduled or not</option><option value="cron">Scheduled (cron)</option><option value="non_cron">Not scheduled</option>
      </select>
    </div>
    <ErrorBox error={err || error} onRetry={() => { setErr(''); reload(); }} />
    {loading && !data ? <Spinner /> : list.length === 0 ? <Empty title={q.name || q.status || sched ? 'No experiment matches these filters' : 'No experiments yet'}>
      {isOwner() && !q.name && !q.status && !sched ? <a href="#/experiments/new">Build your first experiment.</a> : null}</Empty> :
      <table class="list" data-testid="experiment-list"><thead><tr><th>Name</th><th>Infrastructure</th><th>Last run</th><th>Score</th><th>Schedule</th><th>Updated</th><th></th></tr></thead>
        <tbody>{list.map(x => {
          const last = runs.data?.[x.experimentID];
          const busy = last && ACTIVE.includes(last.phase);
          const disabled = !!x.schedule?.disabled;
          return <tr data-experiment={x.name}>
            <td><a href={`#/experiments/${x.experimentID}/edit`}>{x.name}</a></td>
            <td>{x.infra?.name || x.infraID}{x.infra && !x.infra.isActive && <span class="muted"> (inactive)</span>}</td>
            <td>{last ? <a href={`#/runs/${last.experimentRunID}`}><Phase phase={last.phase} /></a> : runs.data ? <Phase /> : <span class="muted">…</span>}</td>
            <td>{last?.dryRun ? <span class="badge dry">dry run</span> : last?.resiliencyScore != null ? Math.round(last.resiliencyScore) + '%' : '—'}</td>
            <td>{x.cronSyntax ? <span title={x.cronSyntax} data-testid="schedule">{words(x.cronSyntax)} (UTC){disabled ? <span class="badge">paused</span> : x.schedule?.nextSlotMs ? <small class="muted"><br />next {fmtTime(x.schedule.nextSlotMs)}</small> : null}</span> : <span class="muted">not scheduled</span>}</td>
            <td>{fmtTime(x.updatedAt)}</td>
            <td class="actions">
              {canRun() && !busy && <Action testid="run" onError={setErr} run={async () => {
                const r = await gql(RUN, { p: pid(), e: x.experimentID });
                location.hash = `#/runs/${r.runChaosExperiment.experimentRunID}`;
              }}>Run</Action>}
              {canRun() && !busy && <Action testid="dry-run" label={`Dry run of ${x.name}: check everything, change nothing`} onError={setErr} run={async () => {
                const r = await gql(DRY, { p: pid(), e: x.experimentID });
                location.hash = `#/runs/${r.dryRunChaosExperiment.experimentRunID}`;
              }}>Dry run</Action>}
              {canRun() && busy && <Action testid="stop" cls="danger" onError={setErr} run={act(STOP, { e: x.experimentID })}>Stop</Action>}
              {canRun() && x.cronSyntax && <Action onError={setErr} run={act(CRON, { e: x.experimentID, d: !disabled })}>{disabled ? 'Enable schedule' : 'Disable schedule'}</Action>}
              {isOwner() && <a class="button" href={`#/experiments/${x.experimentID}/clone`}>Clone</a>}
              {isOwner() && <Action testid="delete" cls="danger" confirm={`Delete experiment "${x.name}"?`} onError={setErr} run={act(DEL, { e: x.experimentID })}>Delete</Action>}
            </td></tr>;
        })}</tbody></table>}
    {total > 0 && <div class="row pager">
      <button disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
      <span>Page {page + 1} of {pages} ({total} experiments)</span>
      <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next</button>
      <select aria-label="Per page" value={limit} onChange={e => { setLimit(Number(e.currentTarget.value)); setPage(0); }}>
        {[10, 25, 50, 100].map(n => <option value={n}>{n} per page</option>)}</select>
    </div>}
  </div>;
}
