// The portal's end-to-end flow in Debian's Chromium (playwright-core), driven by
// tests/integration/test_portal.py against real rift-auth, rift-backend and rift-agent processes.
// Settings come as JSON in RIFT_E2E; the script prints "STEP <name>" as it goes, "INSTALL <command>"
// when the install command is shown (the test then starts the agent), and exits non-zero on failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const cfg = JSON.parse(process.env.RIFT_E2E);
mkdirSync(cfg.shots, { recursive: true });
const say = (s) => console.log(s);
function check(cond, msg) { if (!cond) throw new Error('check failed: ' + msg); }

async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

const browser = await launch();
const errors = [];
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(cfg.base).origin });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => d.accept());
  return page;
}
const shot = (page, name) => page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage: true });
const text = (page, sel) => page.locator(sel).first().innerText();

async function login(page, user, pass) {
  await page.goto(cfg.base + '#/login');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', pass);
  await page.click('[data-testid=login]');
}

try {
  const page = await newPage();
  // ---- login, with a wrong password first: the error is in words
  say('STEP login');
  await login(page, 'admin', 'Wrong@Pass1');
  await page.getByText('Wrong username or password.').waitFor();
  await shot(page, '01-login-error');
  await login(page, 'admin', cfg.initialPassword);
  // ---- forced password change
  say('STEP change-password');
  await page.waitForURL(/#\/change-password/);
  await page.fill('input[name=oldPassword]', cfg.initialPassword);
  await page.fill('input[name=newPassword]', 'short');
  await page.getByText('Use 8 to 64 characters.').first().waitFor();
  await page.fill('input[name=newPassword]', cfg.newPassword);
  await page.fill('input[name=newPassword2]', cfg.newPassword);
  await shot(page, '02-change-password');
  await page.click('[data-testid=change-password]');
  await page.waitForURL(/#\/overview/);
  await page.locator('[data-testid=who]').getByText('admin').waitFor();

  // ---- a project, switched to
  say('STEP project');
  await page.goto(cfg.base + '#/projects');
  await page.fill('input[name=projectName]', 'e2e-portal');
  await page.click('[data-testid=create-project]');
  await page.locator('tr.current', { hasText: 'e2e-portal' }).waitFor();
  check((await page.locator('[data-testid=project-switch] option:checked').innerText()) === 'e2e-portal', 'switched to the new project');
  await shot(page, '03-projects');

  // ---- environment + infrastructure, install command, copy, live status
  say('STEP infrastructure');
  await page.click('nav >> text=Infrastructures');
  await page.getByText('No infrastructures yet').waitFor();
  await page.fill('input[name=envName]', 'E2E');
  await page.click('[data-testid=create-env]');
  await page.locator('select[name=environment] option', { hasText: 'E2E' }).waitFor({ state: 'attached' });
  await page.fill('input[name=infraName]', 'e2e-box');
  await page.click('[data-testid=register-infra]');
  const cmd = (await text(page, '[data-testid=install-command]')).trim();
  check(/--infra-id '[^']+'/.test(cmd) && cmd.includes('--access-key-file -'), 'install command shown: ' + cmd);
  await page.click('[data-testid=copy-install]');
  await page.getByText('Copied').waitFor();
  check((await page.evaluate(() => navigator.clipboard.readText())).trim() === cmd, 'the copy button put the command on the clipboard');
  await page.locator('tr[data-infra=e2e-box] [data-testid=infra-status]', { hasText: 'waiting for the agent' }).waitFor();
  await shot(page, '04-infrastructure-registered');
  say('INSTALL ' + cmd);
  // the test starts rift-agent now; the row turns active without a reload
  await page.locator('tr[data-infra=e2e-box] [data-testid=infra-status]', { hasText: 'active' }).waitFor({ timeout: 45000 });
  await shot(page, '05-infrastructure-active');

  // ---- the hub
  say('STEP hub');
  await page.click('nav >> text=Chaos hub');
  await page.locator('[data-fault=linux-network-latency] button.link').click();
  await page.locator('[data-fault=linux-network-latency] code', { hasText: 'NETWORK_LATENCY' }).waitFor();
  await shot(page, '06-hub');

  // ---- experiment builder: latency fault + HTTP probe
  say('STEP builder');
  await page.goto(cfg.base + '#/experiments');
  await page.getByText('No experiments yet').waitFor();
  await shot(page, '07-experiments-empty');
  // a probe saved in the project (addProbe, as riftctl would) can be attached with a mode
  const added = await page.evaluate(async (url) => {
    const s = JSON.parse(localStorage.getItem('rift.session'));
    const r = await fetch('query', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + s.token },
      body: JSON.stringify({ query: 'mutation($p: ID!, $r: ProbeRequest!) { addProbe(projectID: $p, request: $r) { name } }', variables: { p: s.projectID,
        r: { name: 'saved-web', type: 'httpProbe', infrastructureType: 'Linux', kubernetesHTTPProperties: { probeTimeout: '2s', interval: '1s', url, method: { get: { criteria: '==', responseCode: '200' } } } } } }) });
    return r.json();
  }, cfg.probeURL);
  check(added.data?.addProbe?.name === 'saved-web', 'probe saved: ' + JSON.stringify(added));
  await page.click('[data-testid=new-experiment]');
  await page.fill('input[name=experimentName]', 'e2e-latency');
  await page.click('[data-add=linux-network-latency]');
  // a second fault joins the same group (parallel), moves to a group of its own (serial), then goes
  await page.click('[data-add=linux-cpu-stress]');
  await page.locator('.group', { hasText: 'these run in parallel' }).waitFor();
  await page.locator('.step[data-step=cpu-stress] button[title="Move to the next group"]').click();
  check(await page.locator('.group').count() === 2, 'two step groups');
  check(await page.locator('.group').nth(1).locator('.step[data-step=cpu-stress]').count() === 1, 'cpu-stress in group 2');
  await page.locator('.step[data-step=cpu-stress] button[title="Remove"]').click();
  await page.locator('.group').nth(1).getByText('remove group').click();
  check(await page.locator('.group').count() === 1, 'back to one group');
  await page.locator('.step[data-step=network-latency]').click();
  await page.fill('input[name=NETWORK_LATENCY]', '99999999');
  await page.locator('.field-error', { hasText: 'must be (0 to 3600000 ms)' }).waitFor();
  await page.fill('input[name=NETWORK_LATENCY]', '200');
  check(await page.locator('.field-error').count() === 0, 'the inline error goes away');
  await page.fill('input[name=NETWORK_INTERFACES]', cfg.iface);
  await page.fill('input[name=DESTINATION_IPS]', cfg.targetIP);
  await page.fill('input[name=duration]', cfg.duration);
  await page.fill('input[name=cron]', '0 2 * * 1-5');
  await page.getByText('At 02:00 on Monday through Friday').waitFor();
  await page.fill('input[name=cron]', '61 * * * *');
  await page.locator('.field-error', { hasText: 'minute: 61 is outside 0..59' }).waitFor();
  await page.fill('input[name=cron]', '');
  await page.fill('input[name=probeName]', 'web');
  await page.selectOption('select[name=probeMode]', 'Continuous');
  await page.fill('input[name=probeURL]', cfg.probeURL);
  await page.fill('input[name=probeTimeout]', '2s');
  await page.click('[data-testid=add-probe]');
  await page.locator('.step[data-step=network-latency]').click();
  await page.check('input[name=probe-web]');
  await page.check('input[name=probe-saved-web]');
  await page.selectOption('select[name=probe-mode-saved-web]', 'Edge');
  await page.locator('.step[data-step=network-latency]', { hasText: 'web' }).waitFor();
  check(await page.locator('[data-testid=problems]').count() === 0, 'no problems left');
  await shot(page, '08-builder');
  // YAML view of the same experiment: edit, validate, back to the visual editor
  await page.click('[data-testid=yaml-tab]');
  const yaml = await page.inputValue('textarea[name=yaml]');
  check(/- name: saved-web\s+mode: Edge/.test(yaml), 'the saved probe is named with its mode: ' + yaml);
  check(yaml.includes('fault: linux-network-latency') && yaml.includes('NETWORK_LATENCY: "200"') && yaml.includes('httpProbe/inputs'), 'YAML view: ' + yaml);
  await page.fill('textarea[name=yaml]', yaml.replace('NETWORK_LATENCY: "200"', 'NETWORK_LATENCY: "soon"'));
  await page.click('[data-testid=yaml-validate]');
  await page.locator('[data-testid=yaml-error]', { hasText: 'groups[0].steps[0].tunables.NETWORK_LATENCY' }).waitFor();
  await page.fill('textarea[name=yaml]', yaml.replace('weight: 10', 'weight: 20'));
  await page.click('[data-testid=yaml-validate]');
  await page.getByText('Valid: 1 step, 1 probe.').waitFor();
  await shot(page, '09-builder-yaml');
  await page.click('text=Visual');
  await page.locator('.step[data-step=network-latency]', { hasText: 'weight 20' }).waitFor();
  await page.locator('.step[data-step=network-latency]').click();
  check(await page.inputValue('select[name=probe-mode-saved-web]') === 'Edge', 'mode kept through the YAML view');
  await page.uncheck('input[name=probe-saved-web]');

  // ---- save and run; logs arrive live; verdicts and score
  say('STEP run');
  await page.click('[data-testid=save-run]');
  await page.waitForURL(/#\/runs\//);
  const runURL = page.url();
  const firstLine = page.locator('[data-testid=logs] div', { hasText: 'injected' });
  await firstLine.waitFor({ timeout: 45000 });
  const phaseAtFirstLine = await text(page, '[data-testid=phase]');
  const liveState = await text(page, '[data-testid=live]');
  check(/running|queued/i.test(phaseAtFirstLine), 'a log line arrived while the run was still going: ' + phaseAtFirstLine);
  check(liveState.includes('live'), 'the run page follows the run over SSE: ' + liveState);
  await shot(page, '10-run-live');
  // the connection drops mid-run (the test cuts it): the page reconnects and resumes after the last line
  await page.evaluate(() => {
    window.__liveStates = [];
    const el = document.querySelector('[data-testid=live]');
    new MutationObserver(() => window.__liveStates.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  });
  say('CUT');
  await page.locator('[data-testid=fault-verdict]', { hasText: 'Pass' }).waitFor({ timeout: 60000 });
  await page.locator('[data-testid=score]', { hasText: '100%' }).waitFor({ timeout: 20000 });
  await page.locator('[data-testid=probe-verdict]', { hasText: 'Passed' }).waitFor();
  check((await text(page, '[data-testid=logs]')).includes('reverted'), 'the revert line is in the logs');
  const states = await page.evaluate(() => window.__liveStates);
  check(states.some((x) => /reconnecting/.test(x)), 'the stream broke and was resumed: ' + JSON.stringify(states));
  // every line exactly once, in order: the page's lines equal the run's lines read through the API
  const shown = await page.locator('[data-testid=logs] > div').evaluateAll((ds) => ds.map((d) => d.textContent.replace(/^\S+\s+\S+\s+/, '')));
  const stored = await page.evaluate(async (id) => {
    const s = JSON.parse(localStorage.getItem('rift.session'));
    const r = await fetch('query', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + s.token },
      body: JSON.stringify({ query: 'query($p: ID!, $r: ID) { getExperimentRun(projectID: $p, experimentRunID: $r) { logs { seq step line } } }', variables: { p: s.projectID, r: id } }) });
    return (await r.json()).data.getExperimentRun.logs;
  }, runURL.split('/').pop());
  check(shown.length === stored.length && stored.length >= 5, `lines shown ${shown.length}, stored ${stored.length}`);
  stored.forEach((l, i) => check(shown[i].endsWith(l.line), `line ${i}: ${shown[i]} vs ${l.line}`));
  check((await text(page, '[data-testid=phase]')).includes('Completed'), 'run completed');
  await shot(page, '11-run-done');

  // ---- overview chart and the list
  say('STEP overview');
  await page.click('nav >> text=Overview');
  await page.locator('[data-testid=score-chart] circle').first().waitFor();
  await shot(page, '12-overview');
  await page.click('nav >> text=Experiments');
  await page.locator('tr[data-experiment=e2e-latency]', { hasText: '100%' }).waitFor();
  check(await page.locator('tr[data-experiment=e2e-latency] [data-testid=run]').count() === 1, 'owner sees Run');
  // clone with a schedule, pause it, filter, delete
  await page.locator('tr[data-experiment=e2e-latency]').getByText('Clone').click();
  await page.waitForURL(/\/clone$/);
  check(await page.inputValue('input[name=experimentName]') === 'e2e-latency-copy', 'clone is named after the original');
  await page.fill('input[name=cron]', '0 3 * * *');
  await page.getByText('At 03:00 every day').waitFor();
  await page.click('[data-testid=save]');
  await page.waitForURL(/#\/experiments$/);
  const copy = page.locator('tr[data-experiment=e2e-latency-copy]');
  await copy.locator('[data-testid=schedule]', { hasText: 'At 03:00 every day' }).waitFor();
  await copy.getByText('Disable schedule').click();
  await copy.locator('.badge', { hasText: 'paused' }).waitFor();
  await copy.getByText('Enable schedule').waitFor();
  await page.fill('input[aria-label="Filter by name"]', 'COPY');
  await page.locator('tr[data-experiment=e2e-latency]').waitFor({ state: 'detached' });
  check(await page.locator('tr[data-experiment]').count() === 1, 'name filter');
  await page.fill('input[aria-label="Filter by name"]', '');
  await page.selectOption('select[aria-label="Filter by status"]', 'Completed');
  await page.locator('tr[data-experiment=e2e-latency-copy]').waitFor({ state: 'detached' });
  await page.locator('tr[data-experiment=e2e-latency]').waitFor();
  await page.selectOption('select[aria-label="Filter by status"]', '');
  await shot(page, '13-experiments');
  await copy.locator('[data-testid=delete]').click();
  await copy.waitFor({ state: 'detached' });

  // ---- admin: a user, invited as Viewer
  say('STEP viewer');
  await page.click('nav >> text=Users');
  await page.fill('input[name=newUsername]', 'viewer1');
  await page.fill('input[name=newUserPassword]', cfg.viewerPassword);
  await page.click('[data-testid=create-user]');
  await page.locator('tr[data-user=viewer1]').waitFor();
  await shot(page, '14-users');
  await page.click('nav >> text=Members');
  await page.selectOption('select[name=invitee]', { label: 'viewer1' });
  await page.selectOption('select[name=inviteRole]', 'Viewer');
  await page.click('[data-testid=invite]');
  await page.locator('tr[data-member=viewer1]', { hasText: 'Pending' }).waitFor();
  await shot(page, '15-members');
  await page.click('nav >> text=Account');
  await page.fill('input[name=tokenName]', 'ci');
  await page.click('[data-testid=create-token]');
  await page.locator('[data-testid=new-token]').waitFor();
  await shot(page, '16-account');

  const v = await newPage();
  await login(v, 'viewer1', cfg.viewerPassword);
  await v.waitForURL(/#\/overview/);
  await v.goto(cfg.base + '#/projects');
  await v.locator('.card', { hasText: 'Invitations' }).getByText('Accept').click();
  await v.locator('tr', { hasText: 'e2e-portal' }).getByText('Switch').click();
  await v.locator('[data-testid=who]', { hasText: 'Viewer' }).waitFor();
  await v.click('nav >> text=Experiments');
  const row = v.locator('tr[data-experiment=e2e-latency]');
  await row.waitFor();
  check(await row.locator('button').count() === 0, 'a Viewer sees no run, stop, clone or delete buttons');
  check(await v.locator('[data-testid=new-experiment]').count() === 0, 'a Viewer sees no New experiment');
  await shot(v, '17-viewer-experiments');
  await v.goto(runURL);
  await v.locator('[data-testid=score]', { hasText: '100%' }).waitFor();
  check(await v.locator('[data-testid=stop-run]').count() === 0, 'a Viewer sees no Stop');
  // forced through the API with the Viewer's own token: refused
  const forced = await v.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem('rift.session'));
    const q = (query, variables) => fetch('query', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + s.token },
      body: JSON.stringify({ query, variables }) }).then((r) => r.json());
    const list = await q('query($p: ID!) { listExperiment(projectID: $p, request: {}) { experiments { experimentID } } }', { p: s.projectID });
    const e = list.data.listExperiment.experiments[0].experimentID;
    return Promise.all([
      q('mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }', { p: s.projectID, e }),
      q('mutation($p: ID!, $e: String!) { deleteChaosExperiment(projectID: $p, experimentID: $e) }', { p: s.projectID, e }),
    ]);
  });
  for (const r of forced) check(r.data === null || Object.values(r.data || {}).every((x) => x === null), 'refused: ' + JSON.stringify(r));
  for (const r of forced) check(/permission/i.test(r.errors?.[0]?.message || ''), 'permission error: ' + JSON.stringify(r));
  say('FORCED ' + JSON.stringify(forced.map((r) => r.errors[0].message)));
  await v.close();

  // ---- stop a run from its page
  say('STEP stop');
  await page.click('nav >> text=Experiments');
  await page.locator('tr[data-experiment=e2e-latency] [data-testid=run]').click();
  await page.waitForURL(/#\/runs\//);
  check(page.url() !== runURL, 'a new run');
  await page.locator('[data-testid=stop-run]').click();
  await page.locator('[data-testid=phase]', { hasText: 'Stopped' }).waitFor({ timeout: 30000 });
  check(await page.locator('[data-testid=stop-run]').count() === 0, 'no Stop once stopped');
  await shot(page, '19-run-stopped');

  // ---- members: change the role, remove; admin: deactivate, reset a password; profile
  say('STEP admin');
  await page.click('nav >> text=Members');
  await page.selectOption('select[aria-label="Role of viewer1"]', 'Executor');
  await page.click('nav >> text=Overview');
  await page.click('nav >> text=Members');
  check(await page.inputValue('select[aria-label="Role of viewer1"]') === 'Executor', 'role changed');
  await page.locator('tr[data-member=viewer1]').getByText('Remove').click();
  await page.locator('tr[data-member=viewer1]').waitFor({ state: 'detached' });
  await page.click('nav >> text=Users');
  await page.locator('tr[data-user=viewer1]').getByText('Deactivate').click();
  await page.locator('tr[data-user=viewer1]', { hasText: 'deactivated' }).waitFor();
  await page.locator('tr[data-user=viewer1]').getByText('Reset password').click();
  await page.fill('tr[data-user=viewer1] input[aria-label="New password"]', 'weak');
  await page.locator('tr[data-user=viewer1]').getByText('Set').click();
  await page.getByText('Use 8 to 64 characters.').waitFor();
  await page.fill('tr[data-user=viewer1] input[aria-label="New password"]', 'Reset@2024x');
  await page.locator('tr[data-user=viewer1]').getByText('Set').click();
  await page.getByText('Password of viewer1 reset.').waitFor();
  await page.click('nav >> text=Account');
  await page.fill('input[name=name]', 'The Admin');
  await page.click('text=Save profile');
  await page.getByText('Profile saved.').waitFor();
  // ---- projects: create, rename, delete, back to the first one
  await page.click('nav >> text=Projects');
  await page.fill('input[name=projectName]', 'tmp-proj');
  await page.click('[data-testid=create-project]');
  const tmpRow = page.locator('tr.current[data-project=tmp-proj]');
  await tmpRow.waitFor();
  await tmpRow.getByText('Rename').click();
  await tmpRow.locator('input[aria-label="Project name"]').fill('tmp-renamed');
  await tmpRow.getByText('Save').click();
  const renamed = page.locator('tr[data-project=tmp-renamed]');
  await renamed.waitFor();
  await renamed.getByText('Delete').click();
  await renamed.waitFor({ state: 'detached' });
  await page.locator('tr', { hasText: 'e2e-portal' }).getByText('Switch').click();
  await page.locator('tr.current', { hasText: 'e2e-portal' }).waitFor();
  // an invitation declined: viewer1 (reactivated) is invited again and says no
  await page.click('nav >> text=Users');
  await page.locator('tr[data-user=viewer1]').getByRole('button', { name: 'Activate', exact: true }).click();
  await page.locator('tr[data-user=viewer1]').getByRole('button', { name: 'Deactivate', exact: true }).waitFor();
  await page.click('nav >> text=Members');
  await page.selectOption('select[name=invitee]', { label: 'viewer1' });
  await page.click('[data-testid=invite]');
  await page.locator('tr[data-member=viewer1]', { hasText: 'Pending' }).waitFor();
  const v2 = await newPage();
  await login(v2, 'viewer1', 'Reset@2024x');
  await v2.waitForURL(/#\/overview/);
  await v2.goto(cfg.base + '#/projects');
  await v2.locator('.card', { hasText: 'Invitations' }).getByText('Decline').click();
  await v2.locator('.card', { hasText: 'Invitations' }).waitFor({ state: 'detached' });
  await v2.close();
  await page.click('nav >> text=Overview');
  await page.click('nav >> text=Members');
  await page.locator('tr[data-member=viewer1]', { hasText: 'Declined' }).waitFor();

  // ---- logout
  say('STEP logout');
  await page.click('[data-testid=logout]');
  await page.locator('[data-testid=login]').waitFor();
  check(await page.evaluate(() => localStorage.getItem('rift.session')) === null, 'session dropped');
  await page.goto(cfg.base + '#/experiments');
  await page.locator('[data-testid=login]').waitFor();
  await shot(page, '18-logged-out');
  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
  say('DONE');
} catch (e) {
  console.error(e.stack || String(e));
  try { for (const c of browser.contexts()) for (const p of c.pages()) await shot(p, 'failure-' + Math.random().toString(36).slice(2, 6)); } catch { /* best effort */ }
  process.exitCode = 1;
} finally {
  await browser.close();
}
