// Safety controls in the portal (docs/safety.md): the emergency stop banner's words, the dry-run report
// read from a run's faults and log lines, and the audit filter. The guards form is in guards.ts.

export interface StopStatus { active: boolean; scope?: string; reason?: string; stoppedBy?: string; stoppedAt?: string; runsStopped?: number }

/** The banner's sentence for an active stop. */
export function stopWords(s: StopStatus, when: string): string {
  const scope = s.scope === 'global' ? 'every project' : 'this project';
  const runs = s.runsStopped ? ` ${s.runsStopped} run${s.runsStopped === 1 ? '' : 's'} stopped.` : '';
  return `Emergency stop in force for ${scope}: pressed by ${s.stoppedBy || 'someone'} at ${when}` +
    `${s.reason ? ` (“${s.reason}”)` : ''}.${runs} No run starts until it is released.`;
}
/** Who may release it: an Owner the project's own stop, a global admin the global one. */
export const canRelease = (s: StopStatus, projectRole: string, globalRole: string) =>
  s.scope === 'global' ? globalRole === 'admin' : projectRole === 'Owner';

export interface DryStep { step: string; fault: string; verdict: string; would: string; checks: string[]; message: string }
/** The report of a dry run: per step the agent's "dry run: would inject ...; check; check" line split
 * into its parts, and the probe lines ("dry run: probe NAME ran once: ..."). */
export function dryRunReport(faults: any[], logs: { step?: string; line: string }[]): { steps: DryStep[]; probes: string[] } {
  const said = (step: string) => logs.filter(l => l.step === step && l.line.startsWith('dry run: ')).map(l => l.line.slice(9)).pop() || '';
  const steps = faults.map(f => {
    const parts = said(f.step).split('; ').filter(Boolean);
    const would = parts[0]?.startsWith('would ') ? parts.shift()! : '';
    return { step: f.step, fault: f.fault, verdict: f.verdict, would, checks: parts, message: f.message || '' };
  });
  const probes = logs.filter(l => !l.step && l.line.startsWith('dry run: probe ')).map(l => l.line.slice(9));
  return { steps, probes };
}

export const AUDIT_ACTIONS = ['create', 'save', 'update', 'delete', 'run', 'dry_run', 'stop', 'emergency_stop', 'release_emergency_stop'];
export const SINCE: [string, number][] = [['any time', 0], ['the last hour', 3600e3], ['the last day', 86400e3], ['the last 7 days', 7 * 86400e3]];

/** listAuditEvents' filter from the page's choices; now is injected for tests. */
export function auditFilter(action: string, username: string, sinceAgoMs: number, now = Date.now()): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (action) f.action = action;
  if (username.trim()) f.username = username.trim();
  if (sinceAgoMs > 0) f.sinceMs = now - sinceAgoMs;
  return f;
}
