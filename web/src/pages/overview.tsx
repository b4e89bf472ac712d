import { gql, pid } from '../api';
import { Empty, ErrorBox, fmtTime, Phase, Spinner, useAsync } from '../ui';

const Q = `query($p: ID!) {
  getExperimentStats(projectID: $p) { totalExperiments }
  getExperimentRunStats(projectID: $p) { totalExperimentRuns totalCompletedExperimentRuns totalRunningExperimentRuns totalStoppedExperimentRuns totalErroredExperimentRuns }
  listInfras(projectID: $p, request: {pagination: {page: 0, limit: 100}}) { totalNoOfInfras infras { name isActive isInfraConfirmed } }
  listExperimentRun(projectID: $p, request: {pagination: {page: 0, limit: 100}}) { totalNoOfExperimentRuns
    experimentRuns { experimentRunID experimentName phase resiliencyScore createdAt updatedAt } } }`;

/** Resilience score over time: one point per finished run, oldest to newest (hand-drawn SVG). */
export function ScoreChart({ points }: { points: { t: number; score: number; label: string }[] }) {
  if (points.length === 0) return <Empty title="No finished run yet">Scores appear here after the first run ends.</Empty>;
  const W = 640, H = 200, L = 36, B = 24, T = 10, R = 10;
  const t0 = points[0].t, t1 = points[points.length - 1].t;
  const x = (t: number) => L + (t1 > t0 ? ((t - t0) / (t1 - t0)) * (W - L - R) : (W - L - R) / 2);
  const y = (s: number) => T + (1 - s / 100) * (H - T - B);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ');
  return <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Resilience score over time" data-testid="score-chart">
    {[0, 25, 50, 75, 100].map(v => <g><line x1={L} x2={W - R} y1={y(v)} y2={y(v)} class="grid" /><text x={L - 6} y={y(v) + 4} text-anchor="end">{v}</text></g>)}
    <text x={L} y={H - 6}>{new Date(t0).toLocaleDateString()}</text>
    <text x={W - R} y={H - 6} text-anchor="end">{new Date(t1).toLocaleString()}</text>
    <path d={path} class="line" />
    {points.map(p => <circle cx={x(p.t)} cy={y(p.score)} r={3.5}><title>{p.label}: {Math.round(p.score)}%</title></circle>)}
  </svg>;
}

const FINAL = ['Completed', 'Completed_With_Error', 'Completed_With_Probe_Failure', 'Stopped', 'Error', 'Timeout'];

export default function Overview() {
  const { data, error, loading, reload } = useAsync(() => gql(Q, { p: pid() }), [], 10000);
  if (loading && !data) return <Spinner />;
  const runs: any[] = data?.listExperimentRun?.experimentRuns || [];
  const es = data?.getExperimentStats, rs = data?.getExperimentRunStats;
  // infrastructure health from the list (any member may read it; getInfraStats needs Executor)
  const infras: any[] = data?.listInfras?.infras || [];
  const is = { totalInfrastructures: data?.listInfras?.totalNoOfInfras ?? 0, activeInfrastructures: infras.filter(i => i.isActive).length,
    inactiveInfrastructures: infras.filter(i => i.isInfraConfirmed && !i.isActive).length };
  const num = (v: string | number) => typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  const points = runs.filter(r => FINAL.includes(r.phase) && r.resiliencyScore != null)
    .map(r => ({ t: num(r.updatedAt || r.createdAt), score: r.resiliencyScore, label: r.experimentName })).sort((a, b) => a.t - b.t);
  return <div>
    <h2>Overview</h2>
    <ErrorBox error={error} onRetry={reload} />
    {data && <>
      <div class="stats">
        <a class="card stat" href="#/experiments"><b>{es?.totalExperiments ?? 0}</b>experiments</a>
        <div class="card stat"><b>{rs?.totalExperimentRuns ?? 0}</b>runs ({rs?.totalRunningExperimentRuns ?? 0} running)</div>
        <div class="card stat"><b>{rs?.totalCompletedExperimentRuns ?? 0}</b>completed · {rs?.totalErroredExperimentRuns ?? 0} errors · {rs?.totalStoppedExperimentRuns ?? 0} stopped</div>
        <a class="card stat" href="#/infrastructures"><b>{is?.activeInfrastructures ?? 0}/{is?.totalInfrastructures ?? 0}</b>infrastructures active
          {is?.inactiveInfrastructures ? <span class="bad"> · {is.inactiveInfrastructures} inactive</span> : null}</a>
      </div>
      <div class="card"><h3>Resilience score over time</h3><ScoreChart points={points} /></div>
      <div class="card"><h3>Recent runs</h3>
        {runs.length === 0 ? <Empty title="No runs yet"><a href="#/experiments">Run an experiment.</a></Empty> :
          <table class="list"><thead><tr><th>Experiment</th><th>Phase</th><th>Score</th><th>Started</th></tr></thead><tbody>
            {runs.slice(0, 10).map(r => <tr><td><a href={`#/runs/${r.experimentRunID}`}>{r.experimentName}</a></td><td><Phase phase={r.phase} /></td>
              <td>{r.resiliencyScore != null ? Math.round(r.resiliencyScore) + '%' : '—'}</td><td>{fmtTime(r.createdAt)}</td></tr>)}</tbody></table>}</div>
    </>}
  </div>;
}
