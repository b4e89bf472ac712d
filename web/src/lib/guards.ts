// The blast-radius guards form of an environment (docs/safety.md) and its inline validation: the same
// rules lib/guard.c applies, checked before the server is asked. Loaded only by the guards editor.

/** The guards form: lists as text (one entry per comma or line), numbers and the duration as text. */
export interface GuardsForm {
  allowedFaults: string; forbiddenFaults: string; allowedCIDRs: string; allowedHosts: string;
  allowedPorts: string; allowedProcessNames: string; allowedPaths: string;
  maxDuration: string; maxConcurrentFaults: string; maxCpuLoad: string; maxDiskFill: string;
}
export type GuardField = keyof GuardsForm;

export const LIST_FIELDS = ['allowedFaults', 'forbiddenFaults', 'allowedCIDRs', 'allowedHosts', 'allowedPorts',
  'allowedProcessNames', 'allowedPaths'] as const;
/** Integer guards with the server's bounds (services/backend/safety.c). */
export const NUMBER_FIELDS: Record<string, [number, number]> = { maxConcurrentFaults: [0, 64], maxCpuLoad: [0, 100], maxDiskFill: [0, 100] };

export const splitList = (s: string): string[] => s.split(/[\s,]+/).map(x => x.trim()).filter(Boolean);

export function emptyGuards(): GuardsForm {
  return { allowedFaults: '', forbiddenFaults: '', allowedCIDRs: '', allowedHosts: '', allowedPorts: '',
    allowedProcessNames: '', allowedPaths: '', maxDuration: '', maxConcurrentFaults: '', maxCpuLoad: '', maxDiskFill: '' };
}

/** The form for guards as getEnvironmentGuards returns them (null: none set). */
export function guardsToForm(g: Record<string, any> | null | undefined): GuardsForm {
  const f = emptyGuards();
  if (!g) return f;
  for (const k of LIST_FIELDS) f[k] = (g[k] || []).join(', ');
  f.maxDuration = g.maxDuration || '';
  for (const k of Object.keys(NUMBER_FIELDS)) f[k as GuardField] = g[k] != null ? String(g[k]) : '';
  return f;
}

/** EnvironmentGuardsInput: empty lists and numbers are left out (no limit). */
export function formToInput(f: GuardsForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of LIST_FIELDS) { const l = splitList(f[k]); if (l.length) out[k] = l; }
  if (f.maxDuration.trim()) out.maxDuration = f.maxDuration.trim();
  for (const k of Object.keys(NUMBER_FIELDS)) { const v = f[k as GuardField].trim(); if (v) out[k] = Number(v); }
  return out;
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
export const isIPv4 = (s: string) => IPV4.test(s);

export function cidrProblem(s: string): string | null {
  const [ip, len, extra] = s.split('/');
  if (extra !== undefined || !isIPv4(ip)) return `"${s}" is not an IPv4 address or CIDR (like 10.0.0.0/8)`;
  if (len !== undefined && (!/^\d{1,2}$/.test(len) || Number(len) > 32)) return `"${s}": the prefix length must be 0 to 32`;
  return null;
}
export function portProblem(s: string): string | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  const lo = m ? Number(m[1]) : 0, hi = m ? Number(m[2] ?? m[1]) : 0;
  if (!m || lo < 1 || hi > 65535) return `"${s}" is not a port or a range (like 80 or 8000-8100) within 1..65535`;
  if (lo > hi) return `"${s}": the range starts after it ends`;
  return null;
}
export function pathProblem(s: string): string | null {
  if (!s.startsWith('/')) return `"${s}" is not an absolute path`;
  if (s.split('/').includes('..')) return `"${s}" contains ".."`;
  return null;
}
export const hostProblem = (s: string) =>
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(s) ? null : `"${s}" is not a host name`;
export const faultProblem = (s: string) => /^[a-z0-9][a-z0-9-]*$/.test(s) ? null : `"${s}" is not a fault name (like linux-network-latency)`;
export const processProblem = (s: string) => /^[^\s/]{1,15}$/.test(s) ? null : `"${s}" is not a process name (up to 15 characters, no "/")`;

/** ms of a duration as rift_parse_duration_ms reads it ("90s", "5m", "1h"; a bare number is seconds), or null. */
export function durationMs(s: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 }[(m[2] || 's') as 'ms']!;
}

const ENTRY_CHECK: Partial<Record<GuardField, (s: string) => string | null>> = {
  allowedFaults: faultProblem, forbiddenFaults: faultProblem, allowedCIDRs: cidrProblem, allowedPorts: portProblem,
  allowedPaths: pathProblem, allowedProcessNames: processProblem,
  allowedHosts: s => isIPv4(s) ? null : hostProblem(s),
};

/** The first problem of each field, in words (an empty object when the form can be saved). */
export function guardProblems(f: GuardsForm): Partial<Record<GuardField, string>> {
  const out: Partial<Record<GuardField, string>> = {};
  for (const k of LIST_FIELDS) {
    const l = splitList(f[k]);
    if (l.length > 256) { out[k] = 'At most 256 entries.'; continue; }
    const bad = l.map(x => x.length > 255 ? `"${x.slice(0, 20)}…" is longer than 255 characters` : ENTRY_CHECK[k]!(x)).find(Boolean);
    if (bad) out[k] = bad.charAt(0).toUpperCase() + bad.slice(1) + '.';
  }
  const both = splitList(f.allowedFaults).filter(x => splitList(f.forbiddenFaults).includes(x));
  if (both.length && !out.forbiddenFaults) out.forbiddenFaults = `${both.join(', ')} cannot be both allowed and forbidden.`;
  const d = f.maxDuration.trim();
  if (d && !durationMs(d)) out.maxDuration = 'A duration such as 90s, 5m or 1h.';
  for (const [k, [lo, hi]] of Object.entries(NUMBER_FIELDS)) {
    const v = f[k as GuardField].trim();
    if (v && (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi)) out[k as GuardField] = `A whole number from ${lo} to ${hi}.`;
  }
  return out;
}

/** How many rules the guards set (0: no limit at all). */
export const guardCount = (g: Record<string, any> | null | undefined) =>
  g ? Object.entries(g).filter(([k, v]) => k !== 'maxDurationMs' && v != null && !(Array.isArray(v) && !v.length)).length : 0;
