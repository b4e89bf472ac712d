// Inline validation of a fault's tunables against the hub's description (type, unit, min, max): the
// same rules rift-backend applies when the experiment is saved (services/backend/hub.c), so a user sees
// the problem next to the field instead of after saving.

export interface Tunable {
  name: string; type: string; default?: string | null; unit?: string | null;
  min?: number | null; max?: number | null; description: string;
}

const DUR = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?$/i;

function range(t: Tunable): [number, number] | null {
  const lo = t.min ?? 0, hi = t.max ?? 0;
  return lo === 0 && hi === 0 ? null : [lo, hi];
}
function inRange(t: Tunable, v: number): boolean {
  const r = range(t);
  return !r || (v >= r[0] && v <= r[1]);
}
function rangeText(t: Tunable): string {
  const r = range(t);
  return r ? ` (${r[0]} to ${r[1]}${t.unit ? ' ' + t.unit : ''})` : '';
}

/** Milliseconds of "150", "150ms", "2s", "1.5m", "1h", or NaN. */
export function durationMs(v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const m = DUR.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms'];
}

/** null when the value is acceptable (empty = the fault's default), else a sentence saying why not. */
export function validateTunable(t: Tunable, raw: string): string | null {
  const v = raw.trim();
  if (v === '') return null;
  if (t.type.startsWith('enum:')) {
    const allowed = t.type.slice(5).split(',');
    return allowed.some(a => a.toLowerCase() === v.toLowerCase()) ? null : `must be one of ${allowed.join(', ')}`;
  }
  switch (t.type) {
    case 'int':
      if (!/^-?\d+$/.test(v)) return 'must be a whole number' + rangeText(t);
      return inRange(t, Number(v)) ? null : 'must be' + rangeText(t);
    case 'float': {
      const n = Number(v);
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) || !isFinite(n)) return 'must be a number' + rangeText(t);
      return inRange(t, n) ? null : 'must be' + rangeText(t);
    }
    case 'duration': {
      const ms = durationMs(v);
      if (isNaN(ms)) return 'must be a duration in milliseconds, or with a unit: 150ms, 2s';
      return inRange(t, ms) ? null : 'must be' + rangeText(t);
    }
    case 'bool':
      return /^(true|false|1|0|yes|no|on|off)$/i.test(v) ? null : 'must be true or false';
    case 'size_or_pct':
      if (v.endsWith('%')) {
        const n = Number(v.slice(0, -1));
        return v.length > 1 && isFinite(n) && n > 0 && n <= 100 ? null : 'a percentage must be more than 0 and at most 100';
      }
      return SIZE.test(v) ? null : 'must be a size (256m, 1G) or a percentage (50%)';
    case 'list':
      return v.split(',').some(x => x.trim() === '') ? 'has an empty item in the comma-separated list' : null;
    default:
      return null;
  }
}

/** The step duration field of the builder ("30s", "2m", at most 24 h). */
export function validateDuration(v: string): string | null {
  const ms = durationMs(v.trim());
  if (isNaN(ms) || ms <= 0) return 'must be a duration such as 30s, 2m or 1h';
  return ms > 24 * 3600000 ? 'must be at most 24h' : null;
}

export function validateWeight(v: number): string | null {
  return Number.isInteger(v) && v >= 0 && v <= 100 ? null : 'must be a whole number from 0 to 100';
}
