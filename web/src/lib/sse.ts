// Server-sent events over fetch() (so the Authorization header can be sent): an incremental parser of
// the text/event-stream format and a follower that reconnects with Last-Event-ID and never delivers a
// log line twice.

export interface SSEEvent { event: string; data: string; id?: string }

export class SSEParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  lastEventId: string | undefined;

  /** Feeds a chunk of text; returns the events it completed. */
  feed(chunk: string): SSEEvent[] {
    this.buf += chunk;
    const out: SSEEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // a lone \r at the very end may be the first half of \r\n: wait for more
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === '') {
        if (this.data.length) {
          const ev: SSEEvent = { event: this.event || 'message', data: this.data.join('\n') };
          if (this.id !== undefined) ev.id = this.id;
          out.push(ev);
        }
        this.data = []; this.event = ''; this.id = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id' && !value.includes('\0')) { this.id = value; this.lastEventId = value; }
    }
    return out;
  }
}

export interface LogLine { seq: number; time?: number; timeMs?: number; step: string; line: string }
export interface RunHandlers {
  log(l: LogLine): void;
  run(state: Record<string, unknown>): void;
  end(state: Record<string, unknown>): void;
  status(s: 'connecting' | 'live' | 'reconnecting' | 'ended' | 'unsupported', detail?: string): void;
}

export class HttpError extends Error { constructor(public status: number, msg: string) { super(msg); } }

/** Follows one run's events; resumes after the last seq on every reconnect. Returns a stop function. */
export function followRun(url: string, token: string, h: RunHandlers,
  opts: { fetchFn?: typeof fetch; retryMs?: number; maxRetries?: number } = {}): () => void {
  const f = opts.fetchFn ?? fetch.bind(globalThis);
  let lastSeq = 0, stopped = false, failures = 0;
  const ctl = { abort: () => {} };
  const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

  async function once(): Promise<'end' | 'retry'> {
    const ac = new AbortController();
    ctl.abort = () => ac.abort();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
    if (lastSeq) headers['Last-Event-ID'] = String(lastSeq);
    const r = await f(url, { headers, signal: ac.signal });
    if (r.status === 404 && !(r.headers.get('content-type') || '').includes('json')) throw new HttpError(404, 'no live updates here');
    if (!r.ok || !r.body) {
      let msg = `HTTP ${r.status}`;
      try { const j = await r.json(); msg = j.error || j.message || j.errors?.[0]?.message || msg; } catch { /* keep */ }
      throw new HttpError(r.status, msg);
    }
    h.status('live');
    failures = 0;
    const p = new SSEParser();
    const rd = r.body.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await rd.read();
      if (done) return 'retry';
      for (const ev of p.feed(dec.decode(value, { stream: true }))) {
        let d: any;
        try { d = JSON.parse(ev.data); } catch { continue; }
        if (ev.event === 'log') {
          const seq = Number(d.seq ?? ev.id);
          if (seq > lastSeq) { lastSeq = seq; h.log({ ...d, seq }); }
        } else if (ev.event === 'run') h.run(d);
        else if (ev.event === 'end') { h.end(d); ac.abort(); return 'end'; }
      }
    }
  }

  (async () => {
    h.status('connecting');
    while (!stopped) {
      try {
        if (await once() === 'end') { h.status('ended'); return; }
      } catch (e) {
        if (stopped) return;
        if (e instanceof HttpError && (e.status === 404 || e.status === 401 || e.status === 403)) {
          h.status('unsupported', e.message); return;
        }
      }
      if (stopped) return;
      if (++failures > (opts.maxRetries ?? 1000)) { h.status('unsupported', 'the server stopped answering'); return; }
      h.status('reconnecting');
      await sleep(Math.min((opts.retryMs ?? 1000) * failures, 10000));
    }
  })();
  return () => { stopped = true; ctl.abort(); };
}
