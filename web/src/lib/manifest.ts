// The experiment builder's model and Rift's manifest format (docs/backend.md "Experiments"): groups run
// one after another, the steps of a group in parallel; probes are defined once and named by steps.
import { Tunable, validateDuration, validateTunable, validateWeight } from './tunables';

export interface Step {
  name: string; fault: string; duration: string; weight: number;
  tunables: Record<string, string>; probes: string[];
  /** modes of saved probes of the project named in `probes` ({name, mode} in the manifest) */
  probeModes?: Record<string, string>;
}
export interface Group { steps: Step[] }
export type Probe = Record<string, unknown> & { name: string; type: string; mode: string };
export interface Model { groups: Group[]; probes: Probe[] }
export interface Fault { name: string; category: string; description: string; tunables: Tunable[] }
export interface Problem { path: string; message: string }

export const PROBE_MODES = ['SOT', 'EOT', 'Edge', 'Continuous', 'OnChaos'];

export function httpProbe(p: { name: string; mode: string; url: string; code: string; timeout: string; interval: string }): Probe {
  return {
    name: p.name, type: 'httpProbe', mode: p.mode,
    runProperties: { probeTimeout: p.timeout, interval: p.interval, probePollingInterval: p.interval, attempt: 1 },
    'httpProbe/inputs': { url: p.url, method: { get: { criteria: '==', responseCode: p.code } } },
  };
}

export function newStep(fault: Fault, taken: string[]): Step {
  const base = fault.name.replace(/^linux-/, '');
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base}-${i}`;
  return { name, fault: fault.name, duration: '30s', weight: 10, tunables: {}, probes: [] };
}

export function stepNames(m: Model): string[] {
  return m.groups.flatMap(g => g.steps.map(s => s.name));
}

/** The manifest object rift-backend stores: empty tunables are left out (the fault's default applies). */
export function buildManifest(m: Model): Record<string, unknown> {
  const out: Record<string, unknown> = {
    groups: m.groups.filter(g => g.steps.length).map(g => ({
      steps: g.steps.map(s => {
        const t: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.tunables)) if (v.trim() !== '') t[k] = v.trim();
        const o: Record<string, unknown> = { name: s.name, fault: s.fault, duration: s.duration, weight: s.weight };
        if (Object.keys(t).length) o.tunables = t;
        if (s.probes.length) o.probes = s.probes.map(p => s.probeModes?.[p] ? { name: p, mode: s.probeModes[p] } : p);
        return o;
      }),
    })),
  };
  if (m.probes.length) out.probes = m.probes;
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A manifest object (from JSON or YAML) back into the builder's model; throws naming the field. */
export function parseManifest(doc: unknown): Model {
  if (!isObj(doc)) throw new Error('the manifest must be a mapping with "groups"');
  if (!Array.isArray(doc.groups)) throw new Error('groups: must be a list of groups');
  const groups = doc.groups.map((g, gi): Group => {
    const at = `groups[${gi}]`;
    if (!isObj(g) || !Array.isArray(g.steps)) throw new Error(`${at}.steps: must be a list of steps`);
    return {
      steps: g.steps.map((s, si): Step => {
        const sp = `${at}.steps[${si}]`;
        if (!isObj(s)) throw new Error(`${sp}: must be a mapping`);
        if (typeof s.name !== 'string' || !s.name) throw new Error(`${sp}.name: must be a non-empty string`);
        if (typeof s.fault !== 'string' || !s.fault) throw new Error(`${sp}.fault: must be a fault name`);
        const tunables: Record<string, string> = {};
        if (s.tunables !== undefined) {
          if (!isObj(s.tunables)) throw new Error(`${sp}.tunables: must be a mapping`);
          for (const [k, v] of Object.entries(s.tunables)) {
            if (!scalar(v)) throw new Error(`${sp}.tunables.${k}: must be a string, number or boolean`);
            tunables[k] = String(v);
          }
        }
        const probes: string[] = [], probeModes: Record<string, string> = {};
        if (s.probes !== undefined) {
          if (!Array.isArray(s.probes)) throw new Error(`${sp}.probes: must be a list of probe names`);
          s.probes.forEach((p, pi) => {
            if (typeof p === 'string') probes.push(p);
            else if (isObj(p) && typeof p.name === 'string' && (p.mode === undefined || typeof p.mode === 'string')) {
              probes.push(p.name);
              if (p.mode) probeModes[p.name] = p.mode as string;
            } else throw new Error(`${sp}.probes[${pi}]: must be a probe name or {name, mode}`);
          });
        }
        const weight = s.weight === undefined ? 10 : Number(s.weight);
        const step: Step = {
          name: s.name, fault: s.fault, duration: s.duration === undefined ? '30s' : String(s.duration),
          weight, tunables, probes,
        };
        if (Object.keys(probeModes).length) step.probeModes = probeModes;
        return step;
      }),
    };
  });
  const probes = doc.probes === undefined ? [] : doc.probes;
  if (!Array.isArray(probes)) throw new Error('probes: must be a list');
  probes.forEach((p, i) => {
    if (!isObj(p) || typeof p.name !== 'string' || typeof p.type !== 'string')
      throw new Error(`probes[${i}]: needs a name and a type`);
  });
  return { groups, probes: probes as Probe[] };
}

/** Every problem the backend would refuse, found before saving, each with the field's path. */
export function validateModel(m: Model, hub: Fault[], savedProbes: string[] = []): Problem[] {
  const out: Problem[] = [];
  const names = new Set<string>();
  const inline = new Set(m.probes.map(p => p.name));
  let steps = 0;
  m.groups.forEach((g, gi) => g.steps.forEach((s, si) => {
    steps++;
    const at = `groups[${gi}].steps[${si}]`;
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s.name)) out.push({ path: `${at}.name`, message: 'use lowercase letters, digits and dashes' });
    if (names.has(s.name)) out.push({ path: `${at}.name`, message: `"${s.name}" is used by another step` });
    names.add(s.name);
    const f = hub.find(x => x.name === s.fault);
    if (!f) { out.push({ path: `${at}.fault`, message: `unknown fault "${s.fault}"` }); return; }
    const d = validateDuration(s.duration);
    if (d) out.push({ path: `${at}.duration`, message: d });
    const w = validateWeight(s.weight);
    if (w) out.push({ path: `${at}.weight`, message: w });
    for (const [k, v] of Object.entries(s.tunables)) {
      const t = f.tunables.find(x => x.name === k);
      if (!t) { out.push({ path: `${at}.tunables.${k}`, message: `${f.name} has no tunable ${k}` }); continue; }
      const e = validateTunable(t, v);
      if (e) out.push({ path: `${at}.tunables.${k}`, message: `"${v}" ${e}` });
    }
    for (const p of s.probes)
      if (!inline.has(p) && !savedProbes.includes(p))
        out.push({ path: `${at}.probes`, message: `probe "${p}" is not defined in probes nor saved in the project` });
    for (const [p, mode] of Object.entries(s.probeModes || {}))
      if (!PROBE_MODES.includes(mode)) out.push({ path: `${at}.probes`, message: `probe "${p}": mode must be one of ${PROBE_MODES.join(', ')}` });
  }));
  if (!steps) out.push({ path: 'groups', message: 'add at least one fault' });
  const seen = new Set<string>();
  m.probes.forEach((p, i) => {
    if (seen.has(p.name)) out.push({ path: `probes[${i}].name`, message: `"${p.name}" is defined twice` });
    seen.add(p.name);
    if (!PROBE_MODES.includes(p.mode)) out.push({ path: `probes[${i}].mode`, message: `must be one of ${PROBE_MODES.join(', ')}` });
  });
  return out;
}
