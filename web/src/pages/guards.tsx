// The blast-radius guards of one environment (docs/safety.md): every rule with inline validation; Owners
// save, others read. An empty field means no limit.
import { useEffect, useState } from 'preact/hooks';
import { gql, isOwner, pid } from '../api';
import { formToInput, guardProblems, GuardField, GuardsForm, guardsToForm } from '../lib/guards';
import { Action, ErrorBox, Field, Spinner, useAsync } from '../ui';

const G = 'allowedFaults forbiddenFaults allowedCIDRs allowedHosts allowedPorts allowedProcessNames allowedPaths maxDuration maxConcurrentFaults maxCpuLoad maxDiskFill';
const GET = `query($p: ID!, $e: ID!) { getEnvironmentGuards(projectID: $p, environmentID: $e) { ${G} } }`;
const SET = `mutation($p: ID!, $e: ID!, $g: EnvironmentGuardsInput!) { setEnvironmentGuards(projectID: $p, environmentID: $e, guards: $g) { ${G} } }`;

const RULES: [GuardField, string, string][] = [
  ['allowedFaults', 'Allowed faults', 'Only these faults may run (e.g. linux-network-latency). Empty: any fault.'],
  ['forbiddenFaults', 'Forbidden faults', 'These faults never run here.'],
  ['maxDuration', 'Longest fault', 'e.g. 90s, 5m, 1h.'],
  ['maxConcurrentFaults', 'Faults at once per infrastructure', 'Counts the faults of runs already running. 0 to 64.'],
  ['allowedCIDRs', 'Allowed target networks', 'Network faults must name their destinations, inside these (e.g. 10.20.0.0/16).'],
  ['allowedHosts', 'Allowed target hosts', 'Host names network faults may target.'],
  ['allowedPorts', 'Allowed destination ports', 'e.g. 80, 8000-8100.'],
  ['allowedProcessNames', 'Allowed process names', 'Process faults must name their targets among these.'],
  ['allowedPaths', 'Allowed paths', 'Disk faults only at or below these directories (e.g. /tmp).'],
  ['maxCpuLoad', 'Highest CPU load (%)', 'For linux-cpu-stress. 0 to 100.'],
  ['maxDiskFill', 'Highest disk fill (%)', 'For linux-disk-fill. 0 to 100.'],
];

export default function Guards({ env, close }: { env: { environmentID: string; name: string; type: string }; close: () => void }) {
  const { data, error, loading } = useAsync(() => gql(GET, { p: pid(), e: env.environmentID }), [env.environmentID]);
  const [f, setF] = useState<GuardsForm | null>(null);
  const [err, setErr] = useState('');
  const [ok, setOk] = useState('');
  useEffect(() => { if (data) setF(guardsToForm(data.getEnvironmentGuards)); }, [data]);
  if (!f) return <div class="card">{loading ? <Spinner label="Loading the guards…" /> : <ErrorBox error={error} />}</div>;
  const owner = isOwner();
  const bad = guardProblems(f);
  const save = async () => {
    setErr(''); setOk('');
    if (Object.keys(bad).length) throw new Error('Correct the fields marked in red first.');
    const r = await gql(SET, { p: pid(), e: env.environmentID, g: formToInput(f) });
    setF(guardsToForm(r.setEnvironmentGuards));
    setOk('Guards saved. They apply when an experiment is saved and again whenever a run starts.');
  };
  return <form class="card guards" data-testid="guards" onSubmit={e => e.preventDefault()}>
    <div class="row"><h3>Guards of "{env.name}" <small class="muted">({env.type === 'PROD' ? 'production' : 'non-production'})</small></h3>
      <span class="grow" /><button type="button" class="link" onClick={close}>close</button></div>
    <p class="muted">Experiments on this environment's infrastructures must stay inside these limits. Empty means no limit.
      Lists take one entry per comma or line.</p>
    <ErrorBox error={err} />{ok && <div class="ok">{ok}</div>}
    <div class="grid2">{RULES.map(([k, label, hint]) => <Field label={label} error={bad[k]} hint={hint}>
      <input name={k} value={f[k]} disabled={!owner} onInput={e => { setOk(''); setF({ ...f, [k]: e.currentTarget.value }); }} /></Field>)}</div>
    {owner ? <Action cls="primary" testid="save-guards" disabled={Object.keys(bad).length > 0} onError={setErr} run={save}>Save guards</Action>
      : <p class="muted">Only Owners change guards.</p>}
  </form>;
}
