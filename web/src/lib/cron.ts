// 5-field cron (minute hour day-of-month month day-of-week), as Litmus's cronSyntax: validation and a
// sentence in words for the schedule field of the experiment builder.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

interface Part { star: boolean; all: boolean; lo: number; hi: number; step: number }
export interface Cron { fields: Part[][]; text: string }

function num(s: string, f: typeof FIELDS[number]): number {
  const up = s.toUpperCase();
  if (f.names) {
    const i = f.names.indexOf(up);
    if (i >= 0) return f.name === 'month' ? i + 1 : i;
  }
  if (!/^\d+$/.test(s)) throw new Error(`${f.name}: "${s}" is not a number`);
  const n = Number(s);
  if (n < f.min || n > f.max) throw new Error(`${f.name}: ${n} is outside ${f.min}..${f.max}`);
  return n;
}

/** Parses a cron expression; throws an Error whose message names the faulty field. */
export function parseCron(expr: string): Cron {
  const text = expr.trim().replace(/\s+/g, ' ');
  const full = MACROS[text.toLowerCase()] ?? text;
  const raw = full.split(' ');
  if (raw.length !== 5) throw new Error(`a schedule has 5 fields (minute hour day month weekday), got ${raw.length}`);
  const fields = raw.map((r, i) => {
    const f = FIELDS[i];
    return r.split(',').map((item): Part => {
      if (item === '') throw new Error(`${f.name}: empty list item`);
      const [range, stepS, extra] = item.split('/');
      if (extra !== undefined) throw new Error(`${f.name}: "${item}" has two steps`);
      let step = 1;
      if (stepS !== undefined) {
        if (!/^\d+$/.test(stepS) || Number(stepS) < 1) throw new Error(`${f.name}: step "${stepS}" must be a positive number`);
        step = Number(stepS);
      }
      if (range === '*') return { star: stepS === undefined, all: true, lo: f.min, hi: i === 4 ? 6 : f.max, step };
      const [a, b, c] = range.split('-');
      if (c !== undefined) throw new Error(`${f.name}: "${range}" is not a range`);
      const lo = num(a, f);
      const hi = b === undefined ? (stepS !== undefined ? (i === 4 ? 6 : f.max) : lo) : num(b, f);
      if (hi < lo) throw new Error(`${f.name}: range ${lo}-${hi} goes backwards`);
      return { star: false, all: false, lo, hi, step };
    });
  });
  return { fields, text: full };
}

const pad = (n: number) => String(n).padStart(2, '0');
const ordinal = (n: number) => n + (n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th');

function listWords(parts: Part[], name: (n: number) => string, unit: string): string {
  const items = parts.map(p => {
    if (p.step > 1) return `every ${p.step} ${unit}s` + (p.all ? '' : ` from ${name(p.lo)} through ${name(p.hi)}`);
    if (p.lo === p.hi) return name(p.lo);
    return `${name(p.lo)} through ${name(p.hi)}`;
  });
  return items.length === 1 ? items[0] : items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
}

const single = (ps: Part[]) => ps.length === 1 && !ps[0].star && ps[0].step === 1 && ps[0].lo === ps[0].hi;
const isStar = (ps: Part[]) => ps.length === 1 && ps[0].star;

/** "At 02:30 on Monday through Friday", "Every 15 minutes", ... Throws like parseCron. */
export function cronToWords(expr: string): string {
  const { fields: [mi, ho, dom, mo, dow] } = parseCron(expr);
  let time: string;
  if (single(mi) && single(ho)) time = `At ${pad(ho[0].lo)}:${pad(mi[0].lo)}`;
  else if (isStar(mi) && isStar(ho)) time = 'Every minute';
  else if (mi.length === 1 && mi[0].step > 1 && mi[0].all && isStar(ho)) time = `Every ${mi[0].step} minutes`;
  else if (single(mi) && isStar(ho)) time = mi[0].lo === 0 ? 'Every hour' : `At minute ${mi[0].lo} of every hour`;
  else if (single(mi) && ho.length === 1 && ho[0].step > 1 && ho[0].all) time = `At minute ${mi[0].lo} every ${ho[0].step} hours`;
  else {
    const m = isStar(mi) ? 'Every minute' : `At minute ${listWords(mi, String, 'minute')}`;
    const h = isStar(ho) ? '' : ` past hour ${listWords(ho, String, 'hour')}`;
    time = m + h;
  }
  const parts = [time];
  if (!isStar(dom)) parts.push(`on the ${listWords(dom, ordinal, 'day')} day of the month`);
  if (!isStar(dow)) parts.push(`${isStar(dom) ? 'on' : 'or on'} ${listWords(dow, n => DAYS[n], 'day')}`);
  if (!isStar(mo)) parts.push(`in ${listWords(mo, n => MONTHS[n - 1], 'month')}`);
  if (isStar(dom) && isStar(dow) && isStar(mo) && single(mi) && single(ho)) parts.push('every day');
  return parts.join(' ');
}
