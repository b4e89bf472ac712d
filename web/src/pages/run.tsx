import { useEffect, useRef, useState } from 'preact/hooks';
import { API_BASE, canRun, gql, pid, session } from '../api';
import { dryRunReport } from '../lib/safety';
import { followRun, LogLine } from '../lib/sse';
import { Action, ErrorBox, fmtTime, Phase, Spinner } from '../ui';

const GET = `query($p: ID!, $r: ID, $after: Int) { getExperimentRun(projectID: $p, experimentRunID: $r) {
  experimentRunID experimentID experimentName dryRun phase resiliencyScore message createdAt updatedAt runSequence
  faultsPassed faultsFailed faultsAwaited totalFaults infra { name isActive }
  faults { step fault verdict weight probeSuccessPercentage message probes { name verdict successPercent message } }
  logs(afterSeq: $after, limit: 100) { seq timeMs step line } } }`;
const SPEC = `query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails { experimentManifest } } }`;
const STOP = `mutation($p: ID!, $e: String!, $r: String) { stopExperimentRuns(projectID: $p, experimentID: $e, experimentRunID: $r) }`;
const FINAL = ['Completed', 'Completed_With_Error', 'Completed_With_Probe_Failure', 'Stopped', 'Error', 'Timeout', 'Terminated', 'Skipped'];

export default function RunDetail({ id }: { id: string }) {
  const [run, setRun] = useState<any>(null);
  const [groups, setGroups] = useState<string[][]>([]);
  const [modes, setModes] = useState<Record<string, string>>({});
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [err, setErr] = useState('');
  const [live, setLive] = useState('connecting');
  const seq = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const addLogs = (ls: LogLine[]) => {
    const fresh = ls.filter(l => l.seq > seq.current).sort((a, b) => a.seq - b.seq);
    if (!fresh.length) return;
    seq.current = fresh[fresh.length - 1].seq;
    setLogs(old => [...old, ...fresh].slice(-5000));
  };

  useEffect(() => {
    let stop = () => {}, timer = 0, gone = false;
    const refresh = async () => {
      const r = (await gql(GET, { p: pid(), r: id, after: seq.current })).getExperimentRun;
      if (gone) return r;
      setRun(r); addLogs(r.logs);
      // more than one page of lines waiting: read on
      if (r.logs.length === 100) return refresh();
      return r;
    };
    const poll = async () => {
      try {
        const r = await refresh();
        setLive(FINAL.includes(r.phase) ? 'ended' : 'polling');
        if (!FINAL.includes(r.phase) && !gone) timer = window.setTimeout(poll, 1500);
      } catch (e) { setErr((e as Error).message); if (!gone) timer = window.setTimeout(poll, 5000); }
    };
    refresh().then(r => {
      gql(SPEC, { p: pid(), e: r.experimentID }).then(s => {
        try {
          const m = JSON.parse(s.getExperiment.experimentDetails.experimentManifest);
          setGroups((m.groups || []).map((g: any) => (g.steps || []).map((x: any) => x.name)));
          setModes(Object.fromEntries((m.probes || []).map((p: any) => [p.name, p.mode])));
        } catch { /* YAML manifests: the timeline falls back to the run's faults */ }
      }).catch(() => {});
      if (FINAL.includes(r.phase)) { setLive('ended'); return; }
      stop = followRun(`${API_BASE}sse/runs/${encodeURIComponent(id)}?projectID=${encodeURIComponent(pid())}`, session.get()!.token, {
        log: l => addLogs([{ ...l, timeMs: l.timeMs ?? l.time }]),
        run: st => setRun((old: any) => ({ ...old, ...st })),
        end: () => { setLive('ended'); refresh().catch(() => {}); },
        status: (s) => {
          if (s === 'unsupported') poll(); // no live stream here: read the run every 1.5 s instead
          else setLive(s);
        },
      });
    }).catch(e => setErr((e as Error).message));
    return () => { gone = true; stop(); clearTimeout(timer); };
  }, [id]);

  useEffect(() => { const b = box.current; if (b) b.scrollTop = b.scrollHeight; }, [logs.length]);

  if (!run) return err ? <ErrorBox error={err} /> : <Spinner label="Loading the run…" />;
  const faults: any[] = run.faults || [];
  const lanes = groups.length ? groups : [faults.map(f => f.step)];
  const span = (step: string) => {
    const ls = logs.filter(l => l.step === step);
    if (!ls.length) return null;
    const done = faults.find(x => x.step === step && x.verdict !== 'Awaited');
    return [ls[0].timeMs!, running && !done ? Date.now() : ls[ls.length - 1].timeMs!];
  };
  const running = !FINAL.includes(run.phase);
  const t0 = logs.length ? Math.min(...logs.map(l => l.timeMs || Infinity)) : 0;
  const t1 = logs.length ? Math.max(Date.now() * (running ? 1 : 0), ...logs.map(l => l.timeMs || 0)) : 0;
  const score = run.resiliencyScore;
  return <div class="run">
    <div class="row"><h2>{run.experimentName} <small class="muted">run #{run.runSequence}</small>{run.dryRun && <span class="badge dry" data-testid="dry-badge">dry run</span>}</h2>
      <span data-testid="phase"><Phase phase={run.phase} /></span><span class="grow" />
      <span class={'live ' + live} data-testid="live">{{ connecting: 'connecting…', live: '● live', reconnecting: 'reconnecting…', polling: 'refreshing every 1.5 s', ended: 'finished' }[live] || live}</span>
      {canRun() && !FINAL.includes(run.phase) && <Action cls="danger" testid="stop-run" onError={setErr} run={() => gql(STOP, { p: pid(), e: run.experimentID, r: id })}>Stop</Action>}</div>
    <ErrorBox error={err} />
    {run.message && <p class="muted">{run.message}</p>}
    {run.dryRun && <DryReport faults={faults} logs={logs} done={!running} />}
    <div class="grid3">
      <div class="card score"><h3>Resilience score</h3><div class="big" data-testid="score">{score != null && FINAL.includes(run.phase) && !run.dryRun ? Math.round(score) + '%' : '—'}</div>
        {run.dryRun && <small>A dry run is not scored. </small>}
        <small>{run.faultsPassed ?? 0} passed · {run.faultsFailed ?? 0} failed · {run.faultsAwaited ?? 0} awaited of {run.totalFaults ?? faults.length}</small></div>
      <div class="card"><h3>Run</h3><p>Infrastructure: {run.infra?.name || '—'}<br />Started: {fmtTime(run.createdAt)}<br />Updated: {fmtTime(run.updatedAt)}</p></div>
      <div class="card"><h3>Timeline</h3><div class="timeline" data-testid="timeline">
        {lanes.map((g, gi) => <div class="lane"><small>group {gi + 1}</small>{g.map(st => {
          const f = faults.find(x => x.step === st); const s = span(st);
          const left = s && t1 > t0 ? ((s[0] - t0) / (t1 - t0)) * 100 : 0;
          const width = s && t1 > t0 ? Math.max(3, ((s[1] - s[0]) / (t1 - t0)) * 100) : 100;
          return <div class="bar-row"><span>{st}</span><div class="track"><div class={'bar v-' + (f?.verdict || 'Awaited').toLowerCase()} style={`margin-left:${left}%;width:${Math.min(width, 100 - left)}%`} title={f?.verdict} /></div></div>;
        })}</div>)}</div></div>
    </div>
    <div class="card"><h3>Faults and probes</h3>
      {faults.length === 0 ? <p class="muted">No fault has reported yet.</p> :
        <table class="list" data-testid="verdicts"><thead><tr><th>Step</th><th>Fault</th><th>Verdict</th><th>Weight</th><th>Probe success</th><th>Probes (verdict per mode)</th></tr></thead><tbody>
          {faults.map(f => <tr><td>{f.step}</td><td>{f.fault}</td><td><span class={'badge v-' + f.verdict.toLowerCase()} data-testid="fault-verdict">{f.verdict}</span>{f.message && <div class="muted">{f.message}</div>}</td>
            <td>{f.weight}</td><td>{f.probeSuccessPercentage != null ? f.probeSuccessPercentage + '%' : '—'}</td>
            <td>{(f.probes || []).length === 0 ? '—' : f.probes.map((p: any) => <div data-testid="probe-verdict"><b>{p.name}</b>{modes[p.name] ? ` (${modes[p.name]})` : ''}: <span class={'badge v-' + p.verdict.toLowerCase()}>{p.verdict}</span>
              {p.successPercent != null ? ` ${p.successPercent}%` : ''}{p.message ? <span class="muted"> {p.message}</span> : null}</div>)}</td></tr>)}
        </tbody></table>}</div>
    <div class="card"><h3>Logs <small class="muted">{logs.length} lines</small></h3>
      <div class="logs" ref={box} data-testid="logs">{logs.length === 0 ? <span class="muted">Waiting for the agent's first line…</span> :
        logs.map(l => <div><span class="t">{l.timeMs ? new Date(l.timeMs).toLocaleTimeString() : ''}</span> <span class="s">{l.step}</span> {l.line}</div>)}</div></div>
  </div>;
}

/** What the agent checked and would have done, per step (nothing was changed). */
function DryReport({ faults, logs, done }: { faults: any[]; logs: LogLine[]; done: boolean }) {
  const r = dryRunReport(faults, logs);
  return <div class="card" data-testid="dry-report"><h3>Dry run report</h3>
    <p class="muted">Targets resolved, probes run once and each fault's needs checked on the machine; nothing was injected.</p>
    {r.probes.map(p => <div data-testid="dry-probe">Probe {p.replace(/^probe /, '')}</div>)}
    {r.steps.length === 0 ? <p class="muted">{done ? 'No step reported.' : 'Waiting for the agent…'}</p> : r.steps.map(st =>
      <div class="dry-step" data-testid="dry-step" data-step={st.step}>
        <b>{st.step}</b> <span class="muted">{st.fault}</span> <span class={'badge v-' + st.verdict.toLowerCase()}>{st.verdict === 'Pass' ? 'ready' : st.verdict === 'Awaited' ? 'checking…' : 'not ready'}</span>
        {st.would && <div>{st.would.replace(/^would /, 'Would ')}</div>}
        <ul>{st.checks.map(c => <li>{c}</li>)}</ul>
        {st.verdict !== 'Pass' && st.message && <div class="bad">{st.message}</div>}
      </div>)}
  </div>;
}
