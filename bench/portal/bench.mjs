// bench/portal/run.sh's browser side: seeds N experiments through the public APIs, then measures in
// headless Chromium (a) gzipped JS + CSS loaded by the login page and by the experiment list,
// (b) navigation -> experiment list rendered (median of ROUNDS, 25 and 100 rows per page).
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = createRequire(path.join(root, 'web/package.json'))('playwright-core');
const [base, authURL, N, ROUNDS] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const PASS = 'Bench@2024x';

async function j(url, body, token) {
  const r = await fetch(url, { method: body ? 'POST' : 'GET', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) }, body: body && JSON.stringify(body) });
  const t = await r.json();
  if (!r.ok || t.errors) throw new Error(url + ' ' + JSON.stringify(t));
  return t;
}
const gql = (token, query, variables) => j(base + 'query', { query, variables }, token).then((r) => r.data);

// ---- seed
let l = await j(authURL + '/login', { username: 'admin', password: 'Litmus@123' });
await j(authURL + '/update/password', { username: 'admin', oldPassword: 'Litmus@123', newPassword: PASS }, l.accessToken);
l = await j(authURL + '/login', { username: 'admin', password: PASS });
const token = l.accessToken, p = l.projectID;
await gql(token, 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "bench", name: "bench", type: NON_PROD}) { environmentID } }', { p });
const infra = (await gql(token, 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "bench-box", environmentID: "bench", infrastructureType: Linux, platformName: "linux"}) { infraID } }', { p })).registerInfra.infraID;
const manifest = JSON.stringify({ groups: [{ steps: [{ name: 'lat', fault: 'linux-network-latency', tunables: { NETWORK_LATENCY: '100' } }] }] });
const t0 = Date.now();
for (let i = 0; i < N; i++)
  await gql(token, 'mutation($p: ID!, $r: ChaosExperimentRequest!) { createChaosExperiment(projectID: $p, request: $r) { experimentID } }',
    { p, r: { experimentName: `exp-${String(i).padStart(4, '0')}`, experimentManifest: manifest, infraID: infra, cronSyntax: i % 5 ? '' : '0 3 * * *' } });
console.log(`seeded ${N} experiments in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });

// ---- (a) bytes of JS and CSS, gzipped (-9) as a server would send them
async function assets(page, fn) {
  const seen = new Map();
  const h = async (r) => {
    const u = r.url();
    if (/\.(js|css)$/.test(new URL(u).pathname) && !u.endsWith('/config.js')) seen.set(u, (await r.body()).length ? gzipSync(await r.body(), { level: 9 }).length : 0);
  };
  page.on('response', h);
  await fn();
  await page.waitForTimeout(300);
  page.off('response', h);
  return seen;
}
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await ctx.newPage();
const login = await assets(page, async () => { await page.goto(base); await page.locator('[data-testid=login]').waitFor(); });
await page.fill('input[name=username]', 'admin');
await page.fill('input[name=password]', PASS);
await page.click('[data-testid=login]');
await page.locator('[data-testid=who]').waitFor();
const list = await assets(page, async () => { await page.goto(base + '#/experiments'); await page.locator('tr[data-experiment]').first().waitFor(); });
const kb = (m) => ([...m.values()].reduce((a, b) => a + b, 0) / 1024).toFixed(1);
const all = new Map([...login, ...list]);
console.log(`login page: ${login.size} files, ${kb(login)} KB gzipped JS+CSS`);
console.log(`experiment list after login: ${list.size} more files, ${kb(list)} KB; login + list total ${kb(all)} KB gzipped`);
const session = await page.evaluate(() => localStorage.getItem('rift.session'));
await ctx.close();

// ---- (b) navigation -> rows on screen, in a fresh page each round (cold JS parse, warm HTTP cache off)
async function round(rows, floor) {
  const c = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await c.addInitScript(([s, n]) => {
    localStorage.setItem('rift.session', s);
    const seen = () => {
      if (window.__rendered === undefined && document.querySelectorAll('tr[data-experiment]').length >= n && /of \d+ \(/.test(document.body?.innerText || ''))
        window.__rendered = performance.now();
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
    addEventListener('DOMContentLoaded', seen);
  }, [session, rows]);
  const pg = await c.newPage();
  await pg.goto(base + '#/overview');
  await pg.goto('about:blank');
  await pg.goto(floor ? base + 'bench-floor.html' : base + '#/experiments');
  await pg.waitForFunction(() => window.__rendered !== undefined, null, { timeout: 30000 });
  const ms = await pg.evaluate(() => window.__rendered);
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify(await pg.evaluate(() => performance.getEntries().map((e) => [e.name.replace(/^.*\//, ''), Math.round(e.startTime), Math.round(e.startTime + e.duration)]))));
  const total = floor ? '' : await pg.locator('.pager span').innerText();
  await c.close();
  return { ms, total };
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const ms = [], fl = [];
let total = '';
for (let i = 0; i < ROUNDS; i++) {   // portal and floor alternate, so both see the same machine load
  const r = await round(25, false); ms.push(r.ms); total = r.total;
  fl.push((await round(25, true)).ms);
}
console.log(`navigation -> list rendered (25 rows shown, "${total}"): median ${med(ms).toFixed(0)} ms, ` +
  `min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)} over ${ROUNDS} rounds`);
console.log(`floor (static HTML page with the same 25 rows, same rounds): median ${med(fl).toFixed(0)} ms; ` +
  `portal - floor = ${(med(ms) - med(fl)).toFixed(0)} ms, ratio ${(med(ms) / med(fl)).toFixed(1)}x`);
await browser.close();
