import { lazy, Suspense } from 'preact/compat';
import { useState } from 'preact/hooks';
import { gql, isOwner, pid } from '../api';
import { Action, ago, copyText, Empty, ErrorBox, Field, Spinner, useAsync } from '../ui';

const LIST = `query($p: ID!) {
  listEnvironments(projectID: $p) { environments { environmentID name type infraIDs } }
  listInfras(projectID: $p, request: {pagination: {page: 0, limit: 100}}) { totalNoOfInfras
    infras { infraID name environmentID platformName isActive isInfraConfirmed version hostname lastHeartbeat } } }`;
const REGISTER = `mutation($p: ID!, $r: RegisterInfraRequest!) { registerInfra(projectID: $p, request: $r) { infraID name token installCommand } }`;
const CREATE_ENV = `mutation($p: ID!, $r: CreateEnvironmentRequest) { createEnvironment(projectID: $p, request: $r) { environmentID } }`;

const Guards = lazy(() => import('./guards'));

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export default function Infras() {
  const { data, error, loading, reload } = useAsync(() => gql(LIST, { p: pid() }), [], 3000);
  const [err, setErr] = useState('');
  const [envName, setEnvName] = useState('');
  const [name, setName] = useState('');
  const [env, setEnv] = useState('');
  const [reg, setReg] = useState<any>(null);
  const [copied, setCopied] = useState(false);
  const [guardEnv, setGuardEnv] = useState('');
  const envs: any[] = data?.listEnvironments?.environments || [];
  const infras: any[] = data?.listInfras?.infras || [];
  const envSel = env || envs[0]?.environmentID || '';
  const gEnv = envs.find(e => e.environmentID === guardEnv);
  return <div>
    <h2>Environments and infrastructures</h2>
    <ErrorBox error={err} />
    {isOwner() && <div class="grid2">
      <form class="card" onSubmit={e => e.preventDefault()}>
        <h3>New environment</h3>
        <Field label="Environment name" error={envName && !slug(envName) ? 'Use letters or digits.' : null}>
          <input name="envName" value={envName} onInput={e => setEnvName(e.currentTarget.value)} /></Field>
        <Action testid="create-env" onError={setErr} run={async () => {
          setErr('');
          if (!slug(envName)) throw new Error('Give the environment a name.');
          const r = await gql(CREATE_ENV, { p: pid(), r: { environmentID: slug(envName), name: envName.trim(), type: 'NON_PROD', tags: [] } });
          setEnv(r.createEnvironment.environmentID); setEnvName(''); reload(true);
        }}>Create environment</Action>
        {envs.length === 0 ? <p class="muted">No environment yet: an infrastructure belongs to one (e.g. staging).</p> :
          <ul class="envs" data-testid="env-list">{envs.map(e => <li>{e.name} <small class="muted">{e.type === 'PROD' ? 'production' : 'non-production'} · {(e.infraIDs || []).length} infrastructure(s)</small>
            <button type="button" class="link" data-testid={'guards-' + e.environmentID} onClick={() => setGuardEnv(e.environmentID)}>guards</button>
            <Action cls="link danger" confirm={`Delete environment "${e.name}"?`} onError={setErr} run={async () => {
              await gql(`mutation($p: ID!, $e: ID!) { deleteEnvironment(projectID: $p, environmentID: $e) }`, { p: pid(), e: e.environmentID }); reload(true);
            }}>delete</Action></li>)}</ul>}
      </form>
      <form class="card" onSubmit={e => e.preventDefault()}>
        <h3>Register a Linux infrastructure</h3>
        <Field label="Name"><input name="infraName" value={name} onInput={e => setName(e.currentTarget.value)} /></Field>
        <Field label="Environment" hint={envs.length ? undefined : 'Create an environment first.'}>
          <select name="environment" value={envSel} onChange={e => setEnv(e.currentTarget.value)}>
            {envs.map(e => <option value={e.environmentID}>{e.name}</option>)}</select></Field>
        <Action cls="primary" testid="register-infra" disabled={!envs.length} onError={setErr} run={async () => {
          setErr(''); setCopied(false);
          if (!name.trim()) throw new Error('Give the infrastructure a name.');
          const r = await gql(REGISTER, { p: pid(), r: { name: name.trim(), environmentID: envSel, infrastructureType: 'Linux', platformName: 'linux' } });
          setReg(r.registerInfra); setName(''); reload(true);
        }}>Register</Action>
      </form>
    </div>}
    {gEnv && <Suspense fallback={<Spinner />}><Guards key={gEnv.environmentID} env={gEnv} close={() => setGuardEnv('')} /></Suspense>}
    {!isOwner() && envs.length > 0 && <p class="muted">Environments: {envs.map(e => <button class="link" data-testid={'guards-' + e.environmentID}
      onClick={() => setGuardEnv(e.environmentID)}>{e.name} guards</button>)}</p>}
    {reg && <div class="card install" data-testid="install">
      <h3>Install rift-agent on "{reg.name}"</h3>
      <p>Run this once, as root, on the machine. The key in it works only once and is shown only now.</p>
      <pre data-testid="install-command">{reg.installCommand}</pre>
      <button class="primary" data-testid="copy-install" onClick={async () => { await copyText(reg.installCommand); setCopied(true); }}>{copied ? 'Copied' : 'Copy'}</button>
      <span class="muted"> The status below turns active when the agent connects.</span>
    </div>}
    <ErrorBox error={error} onRetry={reload} />
    {loading && !data ? <Spinner /> : infras.length === 0 ? <Empty title="No infrastructures yet">Register one to run experiments on it.</Empty> :
      <table class="list" data-testid="infra-list"><thead><tr><th>Name</th><th>Environment</th><th>Status</th><th>Version</th><th>Host</th><th>Last heartbeat</th><th></th></tr></thead><tbody>
        {infras.map(i => <tr data-infra={i.name}>
          <td>{i.name}</td><td>{envs.find(e => e.environmentID === i.environmentID)?.name || i.environmentID}</td>
          <td><span data-testid="infra-status" class={'badge ' + (i.isActive ? 'ph-completed' : i.isInfraConfirmed ? 'ph-error' : 'ph-queued')}>
            {i.isActive ? 'active' : i.isInfraConfirmed ? 'inactive' : 'waiting for the agent'}</span></td>
          <td>{i.version || '—'}</td><td>{i.hostname || '—'}</td><td>{ago(i.lastHeartbeat)}</td>
          <td class="actions">{isOwner() && <Action cls="danger" confirm={`Delete infrastructure "${i.name}"?`} onError={setErr}
            run={async () => { await gql(`mutation($p: ID!, $i: String!) { deleteInfra(projectID: $p, infraID: $i) }`, { p: pid(), i: i.infraID }); reload(true); }}>Delete</Action>}</td>
        </tr>)}</tbody></table>}
  </div>;
}
