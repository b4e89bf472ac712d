import { useEffect, useMemo, useState } from 'preact/hooks';
import { canRun, gql, isOwner, pid } from '../api';
import { cronToWords } from '../lib/cron';
import { Fault, Model, PROBE_MODES, Step, buildManifest, httpProbe, newStep, parseManifest, stepNames, validateModel } from '../lib/manifest';
import { validateDuration, validateTunable, validateWeight } from '../lib/tunables';
import { fromYAML, toYAML } from '../lib/yaml';
import { Action, ErrorBox, Field, Spinner, useAsync } from '../ui';
import { HUB_Q, rangeOf } from './hub';

const INFRAS = `query($p: ID!) { listInfras(projectID: $p, request: {pagination: {page: 0, limit: 100}}) { infras { infraID name isActive } } }`;
const GET = `query($p: ID!, $e: String!) { getExperiment(projectID: $p, experimentID: $e) { experimentDetails {
  experimentID name description cronSyntax infraID experimentManifest } } }`;
const CREATE = `mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }`;
const UPDATE = `mutation($p: ID!, $r: ChaosExperimentRequest!) { updateChaosExperiment(projectID: $p, request: $r) { experimentID } }`;
const RUN = `mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }`;
const SAVED_PROBES = `query($p: ID!) { listProbes(projectID: $p) { name type } }`;

function parseStored(text: string): Model {
  try { return parseManifest(JSON.parse(text)); } catch (e) { if (!(e instanceof SyntaxError)) throw e; }
  return fromYAML(text);
}

export default function Builder({ id, clone }: { id?: string; clone?: string }) {
  const hub = useAsync(() => gql(HUB_Q, { p: pid() }), []);
  const infras = useAsync(() => gql(INFRAS, { p: pid() }), []);
  const saved = useAsync(() => gql(SAVED_PROBES, { p: pid() }).catch(() => ({ listProbes: null })), []);
  const [model, setModel] = useState<Model>({ groups: [{ steps: [] }], probes: [] });
  const [meta, setMeta] = useState({ name: '', description: '', infraID: '', cron: '' });
  const [target, setTarget] = useState(0);
  const [sel, setSel] = useState<string>('');
  const [tab, setTab] = useState<'visual' | 'yaml'>('visual');
  const [yaml, setYaml] = useState('');
  const [yamlMsg, setYamlMsg] = useState<{ ok?: string; err?: string }>({});
  const [err, setErr] = useState('');
  const [loadErr, setLoadErr] = useState('');
  const [loading, setLoading] = useState(!!(id || clone));
  const [savedId, setSavedId] = useState(id || '');

  useEffect(() => {
    const src = id || clone;
    if (!src) return;
    gql(GET, { p: pid(), e: src }).then(r => {
      const d = r.getExperiment.experimentDetails;
      setModel(parseStored(d.experimentManifest));
      setMeta({ name: clone ? `${d.name}-copy` : d.name, description: d.description || '', infraID: d.infraID, cron: d.cronSyntax || '' });
    }).catch(e => setLoadErr((e as Error).message)).finally(() => setLoading(false));
  }, [id, clone]);

  const faults: Fault[] = hub.data?.listChaosFaults || [];
  const savedProbes: string[] = (saved.data?.listProbes || []).map((p: any) => p.name);
  const infraList: any[] = infras.data?.listInfras?.infras || [];
  const infraID = meta.infraID || infraList[0]?.infraID || '';
  const problems = useMemo(() => validateModel(model, faults, savedProbes), [model, faults, savedProbes.join()]);
  let cronWords = '', cronErr = '';
  if (meta.cron.trim()) { try { cronWords = cronToWords(meta.cron); } catch (e) { cronErr = (e as Error).message; } }

  const update = (f: (m: Model) => void) => { const m: Model = JSON.parse(JSON.stringify(model)); f(m); setModel(m); };
  const addFault = (f: Fault) => update(m => {
    const g = Math.min(target, m.groups.length - 1);
    const s = newStep(f, stepNames(m));
    m.groups[g].steps.push(s);
    setSel(s.name);
  });
  const selected = model.groups.flatMap((g, gi) => g.steps.map((s, si) => ({ s, gi, si }))).find(x => x.s.name === sel);

  const switchTab = (t: 'visual' | 'yaml') => {
    if (t === 'yaml') { setYaml(toYAML(model)); setYamlMsg({}); }
    else if (tab === 'yaml') {
      try { setModel(fromYAML(yaml)); } catch (e) { setYamlMsg({ err: (e as Error).message + ' (fix it or the visual editor keeps the last valid version)' }); return; }
    }
    setTab(t);
  };

  const save = async (run: boolean) => {
    setErr('');
    let m = model;
    if (tab === 'yaml') { m = fromYAML(yaml); setModel(m); }
    if (!meta.name.trim()) throw new Error('Give the experiment a name.');
    if (!infraID) throw new Error('Choose the infrastructure it runs on (register one first).');
    if (cronErr) throw new Error(`Schedule: ${cronErr}`);
    const p = validateModel(m, faults, savedProbes);
    if (p.length) throw new Error(`Fix these first: ${p.map(x => `${x.path}: ${x.message}`).join('; ')}`);
    const req = {
      experimentID: savedId || undefined, experimentName: meta.name.trim(), experimentDescription: meta.description,
      experimentManifest: JSON.stringify(buildManifest(m)), infraID, cronSyntax: meta.cron.trim(),
      isCustomExperiment: true, weightages: m.groups.flatMap(g => g.steps.map(s => ({ faultName: s.name, weightage: s.weight }))),
    };
    const r = savedId ? (await gql(UPDATE, { p: pid(), r: req })).updateChaosExperiment : (await gql(CREATE, { p: pid(), r: req })).createChaosExperiment;
    setSavedId(r.experimentID);
    if (run) {
      const x = await gql(RUN, { p: pid(), e: r.experimentID });
      location.hash = `#/runs/${x.runChaosExperiment.experimentRunID}`;
    } else location.hash = '#/experiments';
  };

  if (loading || hub.loading) return <Spinner label="Loading the experiment and the hub…" />;
  if (loadErr || hub.error) return <ErrorBox error={loadErr || hub.error} />;
  const mayEdit = savedId ? canRun() : isOwner();
  return <div class="builder">
    <div class="row"><h2>{savedId ? `Edit ${meta.name}` : 'New experiment'}</h2><span class="grow" />
      <div class="tabs"><button class={tab === 'visual' ? 'active' : ''} onClick={() => switchTab('visual')}>Visual</button>
        <button class={tab === 'yaml' ? 'active' : ''} data-testid="yaml-tab" onClick={() => switchTab('yaml')}>YAML</button></div></div>
    <div class="card grid3">
      <Field label="Name"><input name="experimentName" value={meta.name} onInput={e => setMeta({ ...meta, name: e.currentTarget.value })} /></Field>
      <Field label="Infrastructure" hint={infraList.length ? undefined : 'No infrastructure yet: register one first.'}>
        <select name="infra" value={infraID} onChange={e => setMeta({ ...meta, infraID: e.currentTarget.value })}>
          {infraList.map(i => <option value={i.infraID}>{i.name}{i.isActive ? '' : ' (inactive)'}</option>)}</select></Field>
      <Field label="Schedule (cron, optional)" error={cronErr || null} hint={cronWords || 'empty: run only when asked'}>
        <input name="cron" placeholder="e.g. 0 2 * * 1-5" value={meta.cron} onInput={e => setMeta({ ...meta, cron: e.currentTarget.value })} /></Field>
      <Field label="Description"><input name="description" value={meta.description} onInput={e => setMeta({ ...meta, description: e.currentTarget.value })} /></Field>
    </div>
    {tab === 'yaml' ? <div class="card">
      <p class="muted">The same experiment as YAML (Rift's manifest format). Edit it, validate, then go back to the visual editor or save.</p>
      <textarea class="yaml" name="yaml" spellcheck={false} value={yaml} onInput={e => { setYaml(e.currentTarget.value); setYamlMsg({}); }} rows={24} />
      <div class="row">
        <button data-testid="yaml-validate" onClick={() => {
          try {
            const m = fromYAML(yaml);
            const p = validateModel(m, faults, savedProbes);
            setYamlMsg(p.length ? { err: p.map(x => `${x.path}: ${x.message}`).join('\n') } : { ok: `Valid: ${stepNames(m).length} step${stepNames(m).length === 1 ? '' : 's'}, ${m.probes.length} probe${m.probes.length === 1 ? '' : 's'}.` });
          } catch (e) { setYamlMsg({ err: (e as Error).message }); }
        }}>Validate</button>
        {yamlMsg.ok && <span class="ok" data-testid="yaml-ok">{yamlMsg.ok}</span>}
      </div>
      {yamlMsg.err && <pre class="error" data-testid="yaml-error">{yamlMsg.err}</pre>}
    </div> : <div class="studio">
      <div class="palette card"><h3>Faults</h3>
        {[...new Set(faults.map(f => f.category))].sort().map(c => <div><h4>{c}</h4>
          {faults.filter(f => f.category === c).map(f => <button class="fault-add" title={f.description} data-add={f.name} onClick={() => addFault(f)}>+ {f.name.replace(/^linux-/, '')}</button>)}</div>)}
      </div>
      <div class="flow">
        {model.groups.map((g, gi) => <div class={'group card' + (gi === target ? ' target' : '')} onClick={() => setTarget(gi)}>
          <div class="row"><strong>Step group {gi + 1}</strong><span class="muted">{g.steps.length > 1 ? 'these run in parallel' : ''}</span><span class="grow" />
            {model.groups.length > 1 && g.steps.length === 0 && <button class="link" onClick={(e) => { e.stopPropagation(); update(m => m.groups.splice(gi, 1)); setTarget(0); }}>remove group</button>}</div>
          {g.steps.length === 0 && <p class="muted">{gi === target ? 'Add faults from the list on the left: they go into this group.' : 'Click to add faults here.'}</p>}
          {g.steps.map((s, si) => <div class={'step' + (s.name === sel ? ' sel' : '')} data-step={s.name} onClick={(e) => { e.stopPropagation(); setSel(s.name); setTarget(gi); }}>
            <span>{s.name}</span><small>{s.fault} · {s.duration} · weight {s.weight}{s.probes.length ? ' · ' + s.probes.join(', ') : ''}</small>
            {problems.some(p => p.path.startsWith(`groups[${gi}].steps[${si}]`)) && <span class="badge ph-error">fix</span>}
            <span class="grow" />
            {gi > 0 && <button title="Move to the previous group" onClick={e => { e.stopPropagation(); update(m => { m.groups[gi - 1].steps.push(m.groups[gi].steps.splice(si, 1)[0]); }); }}>↑</button>}
            <button title="Move to the next group" onClick={e => { e.stopPropagation(); update(m => { if (gi + 1 >= m.groups.length) m.groups.push({ steps: [] }); m.groups[gi + 1].steps.push(m.groups[gi].steps.splice(si, 1)[0]); }); }}>↓</button>
            <button title="Remove" onClick={e => { e.stopPropagation(); update(m => m.groups[gi].steps.splice(si, 1)); }}>✕</button>
          </div>)}
          {gi < model.groups.length - 1 && <div class="then">then ↓</div>}
        </div>)}
        <button onClick={() => { update(m => m.groups.push({ steps: [] })); setTarget(model.groups.length); }}>+ Add a step group (runs after the previous one)</button>
        <Probes model={model} update={update} saved={savedProbes} savedAvailable={saved.data?.listProbes != null} />
      </div>
      <div class="inspector card">{selected ? <StepEditor key={selected.s.name + selected.gi} step={selected.s} fault={faults.find(f => f.name === selected.s.fault)}
        probes={model.probes.map(p => p.name)} saved={savedProbes} taken={stepNames(model).filter(n => n !== selected.s.name)}
        change={(s) => { update(m => { m.groups[selected.gi].steps[selected.si] = s; }); setSel(s.name); }} /> : <p class="muted">Select a step to edit its tunables, duration, weight and probes.</p>}</div>
    </div>}
    {problems.length > 0 && tab === 'visual' && <ul class="problems" data-testid="problems">{problems.map(p => <li><code>{p.path}</code> {p.message}</li>)}</ul>}
    <ErrorBox error={err} />
    {mayEdit ? <div class="row">
      <Action cls="primary" testid="save" onError={setErr} run={() => save(false)}>Save</Action>
      {canRun() && <Action testid="save-run" onError={setErr} run={() => save(true)}>Save and run</Action>}
      <a href="#/experiments">Cancel</a></div> : <p class="muted">Your role in this project cannot save experiments.</p>}
  </div>;
}

function StepEditor({ step, fault, probes, saved, taken, change }: { step: Step; fault?: Fault; probes: string[]; saved: string[]; taken: string[]; change: (s: Step) => void }) {
  const set = (p: Partial<Step>) => change({ ...step, ...p });
  const nameErr = !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(step.name) ? 'use lowercase letters, digits and dashes' : taken.includes(step.name) ? 'another step has this name' : null;
  const [name, setName] = useState(step.name);
  return <div>
    <h3>{fault?.name || step.fault}</h3>
    <p class="muted">{fault?.description}</p>
    <Field label="Step name" error={nameErr}><input name="stepName" value={name} onInput={e => setName(e.currentTarget.value)} onBlur={() => name !== step.name && set({ name })} /></Field>
    <div class="grid2">
      <Field label="Duration" error={validateDuration(step.duration)}><input name="duration" value={step.duration} onInput={e => set({ duration: e.currentTarget.value })} /></Field>
      <Field label="Weight (0–100)" error={validateWeight(step.weight)}><input name="weight" type="number" min={0} max={100} value={step.weight} onInput={e => set({ weight: Number(e.currentTarget.value) })} /></Field>
    </div>
    <h4>Tunables</h4>
    {fault?.tunables.map(t => {
      const v = step.tunables[t.name] ?? '';
      return <Field label={t.name} error={validateTunable(t, v)} hint={`${t.description} · ${rangeOf(t)}${t.default ? ` · default ${t.default}` : ''}`}>
        {t.type === 'bool' || t.type.startsWith('enum:') ?
          <select name={t.name} value={v} onChange={e => set({ tunables: { ...step.tunables, [t.name]: e.currentTarget.value } })}>
            <option value="">default{t.default ? ` (${t.default})` : ''}</option>
            {(t.type === 'bool' ? ['true', 'false'] : t.type.slice(5).split(',')).map(o => <option value={o}>{o}</option>)}</select> :
          <input name={t.name} placeholder={t.default ?? ''} value={v} onInput={e => set({ tunables: { ...step.tunables, [t.name]: e.currentTarget.value } })} />}
      </Field>;
    })}
    <h4>Probes of this step</h4>
    {probes.length + saved.length === 0 ? <p class="muted">Define a probe below the step groups first, or save one in the project.</p> : <>
      {probes.map(p => <label class="check">
        <input type="checkbox" name={'probe-' + p} checked={step.probes.includes(p)} onChange={e => set({ probes: e.currentTarget.checked ? [...step.probes, p] : step.probes.filter(x => x !== p) })} /> {p}</label>)}
      {saved.filter(p => !probes.includes(p)).map(p => {
        const on = step.probes.includes(p);
        const modes = { ...(step.probeModes || {}) };
        return <div class="check row"><label><input type="checkbox" name={'probe-' + p} checked={on} onChange={e => {
          if (!e.currentTarget.checked) delete modes[p];
          set({ probes: e.currentTarget.checked ? [...step.probes, p] : step.probes.filter(x => x !== p), probeModes: modes });
        }} /> {p} <small class="muted">saved</small></label>
          {on && <select name={'probe-mode-' + p} aria-label={`Mode of ${p}`} value={modes[p] || 'Continuous'}
            onChange={e => set({ probeModes: { ...modes, [p]: e.currentTarget.value } })}>{PROBE_MODES.map(m => <option>{m}</option>)}</select>}</div>;
      })}</>}
  </div>;
}

function Probes({ model, update, saved, savedAvailable }: { model: Model; update: (f: (m: Model) => void) => void; saved: string[]; savedAvailable: boolean }) {
  const blank = { name: '', mode: 'Continuous', url: '', code: '200', timeout: '3s', interval: '1s' };
  const [p, setP] = useState(blank);
  const [err, setErr] = useState('');
  return <div class="card probes"><h3>Probes</h3>
    {model.probes.length === 0 ? <p class="muted">No probes: a fault's score then depends on its verdict only.</p> :
      <table><tbody>{model.probes.map((x, i) => <tr><td>{x.name}</td><td>{x.type}</td><td>{x.mode}</td>
        <td>{String((x as any)['httpProbe/inputs']?.url ?? '')}</td>
        <td><button onClick={() => update(m => { m.probes.splice(i, 1); m.groups.forEach(g => g.steps.forEach(s => { s.probes = s.probes.filter(n => n !== x.name); })); })}>Remove</button></td></tr>)}</tbody></table>}
    {savedAvailable && <p class="muted">Saved probes of this project: {saved.length ? saved.join(', ') : 'none'} (attach them to steps directly).</p>}
    <h4>New HTTP probe</h4>
    <ErrorBox error={err} />
    <div class="grid3">
      <Field label="Probe name"><input name="probeName" value={p.name} onInput={e => setP({ ...p, name: e.currentTarget.value })} /></Field>
      <Field label="Mode"><select name="probeMode" value={p.mode} onChange={e => setP({ ...p, mode: e.currentTarget.value })}>{PROBE_MODES.map(m => <option>{m}</option>)}</select></Field>
      <Field label="URL"><input name="probeURL" placeholder="http://service:8080/health" value={p.url} onInput={e => setP({ ...p, url: e.currentTarget.value })} /></Field>
      <Field label="Expected status code" error={/^\d{3}$/.test(p.code) ? null : 'three digits, e.g. 200'}><input name="probeCode" value={p.code} onInput={e => setP({ ...p, code: e.currentTarget.value })} /></Field>
      <Field label="Timeout" error={validateDuration(p.timeout)}><input name="probeTimeout" value={p.timeout} onInput={e => setP({ ...p, timeout: e.currentTarget.value })} /></Field>
      <Field label="Interval" error={validateDuration(p.interval)}><input name="probeInterval" value={p.interval} onInput={e => setP({ ...p, interval: e.currentTarget.value })} /></Field>
    </div>
    <button data-testid="add-probe" onClick={() => {
      setErr('');
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p.name)) return setErr('Probe name: use lowercase letters, digits and dashes.');
      if (model.probes.some(x => x.name === p.name) || saved.includes(p.name)) return setErr(`A probe named "${p.name}" already exists.`);
      if (!/^https?:\/\/\S+$/.test(p.url)) return setErr('URL: give an http:// or https:// address.');
      if (!/^\d{3}$/.test(p.code) || validateDuration(p.timeout) || validateDuration(p.interval)) return setErr('Fix the fields marked in red.');
      update(m => { m.probes.push(httpProbe(p)); });
      setP(blank);
    }}>Add probe</button>
  </div>;
}
