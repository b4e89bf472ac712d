import { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export function useAsync<T>(fn: () => Promise<T>, deps: unknown[] = [], pollMs = 0) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const alive = useRef(true);
  const load = useCallback(async (quiet = false) => {
    if (!quiet) setState(s => ({ ...s, loading: true }));
    try {
      const data = await fn();
      if (alive.current) setState({ data, loading: false });
    } catch (e) {
      if (alive.current) setState(s => ({ ...s, error: (e as Error).message, loading: false }));
    }
  }, deps);
  useEffect(() => {
    alive.current = true;
    load();
    const t = pollMs ? setInterval(() => load(true), pollMs) : 0;
    return () => { alive.current = false; if (t) clearInterval(t); };
  }, [load]);
  return { ...state, reload: load };
}

export const Spinner = ({ label = 'Loading…' }: { label?: string }) =>
  <div class="spinner" role="status"><span class="dot" />{label}</div>;

export const ErrorBox = ({ error, onRetry }: { error?: string | null; onRetry?: () => void }) =>
  error ? <div class="error" role="alert">{error}{onRetry && <button class="link" onClick={onRetry}>Try again</button>}</div> : null;

export const Empty = ({ title, children }: { title: string; children?: ComponentChildren }) =>
  <div class="empty"><strong>{title}</strong><div>{children}</div></div>;

/** A button that shows progress while its action runs and reports the action's error. */
export function Action({ run, children, cls = '', confirm: ask, onError, label, disabled, testid }: {
  run: () => Promise<unknown>; children: ComponentChildren; cls?: string; confirm?: string;
  onError?: (m: string) => void; label?: string; disabled?: boolean; testid?: string;
}) {
  const [busy, setBusy] = useState(false);
  return <button class={cls} disabled={busy || disabled} aria-busy={busy} aria-label={label} data-testid={testid}
    onClick={async (e) => {
      e.preventDefault();
      if (ask && !window.confirm(ask)) return;
      setBusy(true);
      try { await run(); } catch (err) { onError ? onError((err as Error).message) : alert((err as Error).message); }
      finally { setBusy(false); }
    }}>{busy ? <span class="dot" /> : null}{children}</button>;
}

export function Field({ label, error, hint, children }: { label: string; error?: string | null; hint?: string; children: ComponentChildren }) {
  return <label class={'field' + (error ? ' invalid' : '')}><span>{label}</span>{children}
    {error ? <small class="field-error">{error}</small> : hint ? <small>{hint}</small> : null}</label>;
}

export function fmtTime(v?: string | number | null): string {
  if (v === undefined || v === null || v === '') return '—';
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!isFinite(n) || n <= 0) return '—';
  return dateFmt().format(n < 1e11 ? n * 1000 : n); // some APIs give epoch seconds, others milliseconds
}
let fmt: Intl.DateTimeFormat | null = null;
/** One formatter for every date (toLocaleString builds a new one per call, slow for long lists). */
function dateFmt() {
  return fmt || (fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' }));
}
export function ago(v?: string | number | null): string {
  const n = typeof v === 'number' ? v : v && /^\d+$/.test(v) ? Number(v) : v ? Date.parse(v) : NaN;
  if (!isFinite(n) || n <= 0) return 'never';
  const s = Math.max(0, Math.round((Date.now() - n) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
}

export const Phase = ({ phase }: { phase?: string | null }) =>
  <span class={'badge ph-' + (phase || 'none').toLowerCase()}>{(phase || 'never run').replace(/_/g, ' ')}</span>;

export function copyText(t: string): Promise<void> {
  if (navigator.clipboard?.writeText) return navigator.clipboard.writeText(t).catch(() => fallbackCopy(t));
  fallbackCopy(t);
  return Promise.resolve();
}
function fallbackCopy(t: string) {
  const a = document.createElement('textarea');
  a.value = t; document.body.appendChild(a); a.select(); document.execCommand('copy'); a.remove();
}
