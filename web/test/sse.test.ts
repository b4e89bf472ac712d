import { describe, expect, it } from 'vitest';
import { followRun, SSEParser } from '../src/lib/sse';

describe('SSE parser', () => {
  it('parses events split anywhere, with CRLF, comments and multi-line data', () => {
    const p = new SSEParser();
    const text = ': ping\r\nevent: log\r\nid: 1\r\ndata: {"seq":1,\r\ndata: "line":"a"}\r\n\r\nevent: run\ndata: {"phase":"Running"}\n\n';
    const out = [];
    for (const ch of text) out.push(...p.feed(ch));
    expect(out).toEqual([
      { event: 'log', id: '1', data: '{"seq":1,\n"line":"a"}' },
      { event: 'run', data: '{"phase":"Running"}' },
    ]);
    expect(p.lastEventId).toBe('1');
  });
  it('an event without a blank line is not finished; default type is message; field without colon', () => {
    const p = new SSEParser();
    expect(p.feed('data: x\n')).toEqual([]);
    expect(p.feed('\n')).toEqual([{ event: 'message', data: 'x' }]);
    expect(p.feed('data\n\n')).toEqual([{ event: 'message', data: '' }]);  // an empty data line still makes an event
    expect(p.feed('data:no-space\n\n')).toEqual([{ event: 'message', data: 'no-space' }]);
  });
});

/** A fake fetch: each call answers the next scripted stream and records the Last-Event-ID it got. */
function fakeFetch(streams: string[][]) {
  const seen: (string | null)[] = [];
  const f = async (_url: string, init: any) => {
    seen.push(init.headers['Last-Event-ID'] ?? null);
    const chunks = streams.shift();
    if (!chunks) return new Response('gone', { status: 404 });
    const body = new ReadableStream({
      start(c) { for (const x of chunks) c.enqueue(new TextEncoder().encode(x)); c.close(); },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  return { f: f as unknown as typeof fetch, seen };
}
const log = (seq: number) => `event: log\nid: ${seq}\ndata: {"seq":${seq},"time":${seq},"step":"s","line":"l${seq}"}\n\n`;

describe('followRun', () => {
  it('resumes after a dropped connection with Last-Event-ID and delivers no line twice', async () => {
    const { f, seen } = fakeFetch([
      ['event: run\ndata: {"phase":"Running"}\n\n', log(1), log(2)],            // connection drops here
      [log(2), log(3), 'event: end\ndata: {"phase":"Completed"}\n\n'],        // server repeats 2: ignored
    ]);
    const got: number[] = [], states: string[] = [];
    await new Promise<void>((done) => {
      followRun('http://x/sse/runs/r', 'tok', {
        log: l => got.push(l.seq), run: s => states.push(String(s.phase)),
        end: s => states.push('end:' + s.phase), status: s => { if (s === 'ended') done(); },
      }, { fetchFn: f, retryMs: 1 });
    });
    expect(got).toEqual([1, 2, 3]);
    expect(states).toEqual(['Running', 'end:Completed']);
    expect(seen).toEqual([null, '2']);
  });

  it('says unsupported when the server has no stream (404), so the page can poll instead', async () => {
    const { f } = fakeFetch([]);
    const st = await new Promise<string>((done) => {
      followRun('http://x/sse/runs/r', 'tok', { log() {}, run() {}, end() {}, status: (s, d) => { if (s === 'unsupported') done(d || ''); } }, { fetchFn: f });
    });
    expect(st).toMatch(/no live updates/);
  });

  it('stops cleanly when asked', async () => {
    const { f, seen } = fakeFetch([[log(1)], [log(2)], [log(3)]]);
    const got: number[] = [];
    const stop = followRun('u', 't', { log: l => { got.push(l.seq); stop(); }, run() {}, end() {}, status() {} }, { fetchFn: f, retryMs: 1 });
    await new Promise(r => setTimeout(r, 50));
    expect(got).toEqual([1]);
    expect(seen.length).toBe(1);
  });
});
