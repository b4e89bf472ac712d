import { useState } from 'preact/hooks';
import { gql, pid } from '../api';
import { Empty, ErrorBox, Spinner, useAsync } from '../ui';
import type { Fault } from '../lib/manifest';

export const HUB_Q = `query($p: ID!) { listChaosFaults(hubID: "rift", projectID: $p) { name category description platform
  tunables { name type default unit min max description } } }`;

export function rangeOf(t: { min?: number | null; max?: number | null; unit?: string | null; type: string }): string {
  if (t.type.startsWith('enum:')) return t.type.slice(5).split(',').join(' | ');
  if ((t.min ?? 0) === 0 && (t.max ?? 0) === 0) return t.type;
  return `${t.type} ${t.min}–${t.max}${t.unit ? ' ' + t.unit : ''}`;
}

export default function Hub() {
  const { data, error, loading, reload } = useAsync(() => gql(HUB_Q, { p: pid() }), []);
  const [cat, setCat] = useState('');
  const [open, setOpen] = useState('');
  const faults: Fault[] = data?.listChaosFaults || [];
  const cats = [...new Set(faults.map(f => f.category))].sort();
  const shown = faults.filter(f => !cat || f.category === cat);
  return <div>
    <h2>Chaos hub</h2>
    <ErrorBox error={error} onRetry={reload} />
    {loading ? <Spinner /> : faults.length === 0 ? <Empty title="The hub has no faults" /> : <>
      <div class="tabs">{['', ...cats].map(c => <button class={c === cat ? 'active' : ''} onClick={() => setCat(c)}>{c || 'All'} ({faults.filter(f => !c || f.category === c).length})</button>)}</div>
      <div class="faults">{shown.map(f => <div class="card fault" data-fault={f.name}>
        <h3><button class="link" onClick={() => setOpen(open === f.name ? '' : f.name)}>{f.name}</button> <span class="badge">{f.category}</span></h3>
        <p>{f.description}</p>
        {open === f.name && <table class="tunables"><thead><tr><th>Tunable</th><th>Default</th><th>Allowed</th><th>Meaning</th></tr></thead><tbody>
          {f.tunables.map(t => <tr><td><code>{t.name}</code></td><td>{t.default ?? '—'}{t.unit && t.default ? ' ' + t.unit : ''}</td><td>{rangeOf(t)}</td><td>{t.description}</td></tr>)}
        </tbody></table>}
        {open !== f.name && <small class="muted">{f.tunables.length} tunables</small>}
      </div>)}</div></>}
  </div>;
}
