// The portal's safety controls in Debian's Chromium (playwright-core), driven by
// tests/integration/test_portal_safety.py against real rift-auth, rift-backend and rift-agent processes:
// guards with inline validation and refusals at save and dispatch time, a dry run and its report, the
// emergency stop pressed during a running experiment (run Stopped, new runs refused, released), the
// global stop, and the Audit page. Settings come as JSON in RIFT_E2E. The script prints "STEP <name>",
// "INSTALL <command>" (the test starts the agent), "INJECTED" (it then waits for the file
// <ackDir>/injected, written once the test has seen the fault on the machine) and "STOPPED".
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';

const cfg = JSON.parse(process.env.RIFT_E2E);
mkdirSync(cfg.shots, { recursive: true });
const say = (s) => console.log(s);
function check(cond, msg) { if (!cond) throw new Error('check failed: ' + msg); }
const shot = (page, name) => page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});
const errors = [];
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20000);
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('dialog', (d) => d.accept());
  return p;
}
const page = await newPage();

async function login(user, pass, p = page) {
  await p.goto(cfg.base + '#/login');
  await p.fill('input[name=username]', user);
  await p.fill('input[name=password]', pass);
  await p.click('[data-testid=login]');
}
async function waitFile(path, ms) {
  const end = Date.now() + ms;
  while (!existsSync(path)) { check(Date.now() < end, 'the test acknowledged ' + path); await sleep(100); }
}
const guardField = (name) => page.locator('.field', { has: page.locator(`input[name=${name}]`) });
async function setGuards(values) {
  await page.click('nav >> text=Infrastructures');
  await page.click('[data-testid=guards-staging]');
  await page.locator('[data-testid=guards]').waitFor();
  for (const [k, v] of Object.entries(values)) await page.fill(`[data-testid=guards] input[name=${k}]`, v);
  await page.click('[data-testid=save-guards]');
  await page.getByText('Guards saved.').waitFor();
}
const row = () => page.locator('tr[data-experiment=safety-latency]');

try {
  // ---- a failed login first (the Audit page shows it), then the forced password change
  say('STEP login');
  await login('admin', 'Wrong@Pass1');
  await page.getByText('Wrong username or password.').waitFor();
  await login('admin', cfg.initialPassword);
  await page.waitForURL(/#\/change-password/);
  await page.fill('input[name=oldPassword]', cfg.initialPassword);
  await page.fill('input[name=newPassword]', cfg.newPassword);
  await page.fill('input[name=newPassword2]', cfg.newPassword);
  await page.click('[data-testid=change-password]');
  await page.waitForURL(/#\/overview/);
  await page.goto(cfg.base + '#/projects');
  await page.fill('input[name=projectName]', 'e2e-safety');
  await page.click('[data-testid=create-project]');
  await page.locator('tr.current', { hasText: 'e2e-safety' }).waitFor();
  check(await page.locator('[data-testid=estop]').isVisible(), 'the emergency stop button is in the header');

  // ---- environment, infrastructure, the agent
  say('STEP infrastructure');
  await page.click('nav >> text=Infrastructures');
  await page.fill('input[name=envName]', 'Staging');
  await page.click('[data-testid=create-env]');
  await page.locator('select[name=environment] option', { hasText: 'Staging' }).waitFor({ state: 'attached' });
  await page.fill('input[name=infraName]', 'safety-box');
  await page.click('[data-testid=register-infra]');
  say('INSTALL ' + (await page.locator('[data-testid=install-command]').innerText()).trim());
  await page.locator('tr[data-infra=safety-box] [data-testid=infra-status]', { hasText: 'active' }).waitFor({ timeout: 45000 });
  say('ACTIVE');

  // ---- guards: inline validation, then saved
  say('STEP guards');
  await page.click('[data-testid=guards-staging]');
  await page.locator('[data-testid=guards]').waitFor();
  await page.fill('[data-testid=guards] input[name=allowedCIDRs]', '10.0.0.0/33');
  await guardField('allowedCIDRs').locator('.field-error', { hasText: 'the prefix length must be 0 to 32' }).waitFor();
  await page.fill('[data-testid=guards] input[name=allowedPorts]', '9000-8000');
  await guardField('allowedPorts').locator('.field-error', { hasText: 'the range starts after it ends' }).waitFor();
  await page.fill('[data-testid=guards] input[name=maxDuration]', 'soon');
  await guardField('maxDuration').locator('.field-error', { hasText: 'A duration such as 90s, 5m or 1h.' }).waitFor();
  await page.fill('[data-testid=guards] input[name=maxCpuLoad]', '150');
  await guardField('maxCpuLoad').locator('.field-error', { hasText: 'A whole number from 0 to 100.' }).waitFor();
  check(await page.locator('[data-testid=save-guards]').isDisabled(), 'cannot save while a field is wrong');
  await shot(page, 's01-guards-invalid');
  await page.fill('[data-testid=guards] input[name=allowedCIDRs]', cfg.targetIP + '/32, 10.0.0.0/8');
  await page.fill('[data-testid=guards] input[name=allowedPorts]', '');
  await page.fill('[data-testid=guards] input[name=maxDuration]', '1m');
  await page.fill('[data-testid=guards] input[name=maxCpuLoad]', '50');
  await page.fill('[data-testid=guards] input[name=allowedFaults]', 'linux-network-latency, linux-network-loss');
  check(await page.locator('[data-testid=guards] .field-error').count() === 0, 'the inline errors go away');
  await page.click('[data-testid=save-guards]');
  await page.getByText('Guards saved.').waitFor();
  await shot(page, 's02-guards-saved');
  // read back from the server
  await page.reload();
  await page.click('[data-testid=guards-staging]');
  check(await page.inputValue('[data-testid=guards] input[name=allowedCIDRs]') === cfg.targetIP + '/32, 10.0.0.0/8', 'guards read back');

  // ---- the builder: refused at save time while the fault is longer than the guard allows
  say('STEP builder');
  await page.goto(cfg.base + '#/experiments/new');
  await page.fill('input[name=experimentName]', 'safety-latency');
  await page.click('[data-add=linux-network-latency]');
  await page.locator('.step[data-step=network-latency]').click();
  await page.fill('input[name=NETWORK_LATENCY]', '200');
  await page.fill('input[name=NETWORK_INTERFACES]', cfg.iface);
  await page.fill('input[name=DESTINATION_IPS]', cfg.targetIP);
  await page.fill('input[name=duration]', '2m');
  await page.click('[data-testid=save]');
  await page.locator('.error', { hasText: /^Guard maxDuration: .*network-latency.*exceeds/ }).waitFor();
  await shot(page, 's03-builder-guard-refused');
  await page.fill('input[name=duration]', cfg.duration);
  await page.click('[data-testid=save]');
  await page.waitForURL(/#\/experiments$/);
  await row().waitFor();

  // ---- refused at dispatch time after the guards were tightened
  say('STEP dispatch-guard');
  await setGuards({ maxDuration: '5s' });
  await page.click('nav >> text=Experiments');
  await row().locator('[data-testid=dry-run]').click();
  await page.locator('.error', { hasText: /^Guard maxDuration: .*exceeds/ }).waitFor();
  await shot(page, 's04-dispatch-guard-refused');
  await setGuards({ maxDuration: '1m' });

  // ---- dry run: the report, nothing changed
  say('STEP dry-run');
  await page.click('nav >> text=Experiments');
  await row().locator('[data-testid=dry-run]').click();
  await page.waitForURL(/#\/runs\//);
  await page.locator('[data-testid=dry-badge]').waitFor();
  await page.locator('[data-testid=phase]', { hasText: 'Completed' }).waitFor({ timeout: 45000 });
  const step = page.locator('[data-testid=dry-step][data-step=network-latency]');
  await step.getByText('ready').waitFor();
  const report = await step.innerText();
  check(/Would inject linux-network-latency for \d+ ms/.test(report), 'the report says what it would do: ' + report);
  check(report.includes(`interface ${cfg.iface} exists`) && /netem available|NFQUEUE fallback available/.test(report), 'the checks are listed: ' + report);
  await shot(page, 's05-dry-run-report');
  say('DRYRUN');

  // ---- a Viewer of the project (any member may press the emergency stop)
  say('STEP viewer');
  await page.click('nav >> text=Users');
  await page.fill('input[name=newUsername]', 'viewer1');
  await page.fill('input[name=newUserPassword]', cfg.viewerPassword);
  await page.click('[data-testid=create-user]');
  await page.locator('tr[data-user=viewer1]').waitFor();
  await page.click('nav >> text=Members');
  await page.selectOption('select[name=invitee]', { label: 'viewer1' });
  await page.selectOption('select[name=inviteRole]', 'Viewer');
  await page.click('[data-testid=invite]');
  await page.locator('tr[data-member=viewer1]', { hasText: 'Pending' }).waitFor();
  const v = await newPage();
  await login('viewer1', cfg.viewerPassword, v);
  await v.waitForURL(/#\/overview/);
  await v.goto(cfg.base + '#/projects');
  await v.locator('.card', { hasText: 'Invitations' }).getByText('Accept').click();
  await v.locator('tr', { hasText: 'e2e-safety' }).getByText('Switch').click();
  await v.locator('[data-testid=who]', { hasText: 'Viewer' }).waitFor();
  await v.click('nav >> text=Experiments');
  await v.locator('tr[data-experiment=safety-latency]').waitFor();
  check(await v.locator('[data-testid=dry-run]').count() === 0, 'a Viewer has no Dry run');
  check(await v.locator('nav >> text=Audit').count() === 0, 'a Viewer has no Audit page');

  // ---- a real run, stopped by the Viewer's emergency stop
  say('STEP run');
  await page.click('nav >> text=Experiments');
  await row().locator('[data-testid=run]').click();
  await page.waitForURL(/#\/runs\//);
  await page.locator('[data-testid=logs] div', { hasText: 'injected' }).waitFor({ timeout: 45000 });
  check(/running/i.test(await page.locator('[data-testid=phase]').innerText()), 'the run is running');
  say('INJECTED');
  await waitFile(cfg.ackDir + '/injected', 30000);
  say('STEP emergency-stop');
  await v.click('[data-testid=estop]');
  await v.locator('[role=dialog]').waitFor();
  check(await v.locator('[data-testid=estop-all]').count() === 0, 'only an admin may stop every project');
  await v.fill('input[name=estopReason]', 'e2e: customers see errors');
  await shot(v, 's06-estop-confirm');
  await v.click('[data-testid=estop-confirm]');
  const said = /Emergency stop in force for this project: pressed by viewer1 at .*e2e: customers see errors.*No run starts until it is released/;
  await v.locator('[data-testid=estop-banner]').getByText(said).waitFor();
  check(await v.locator('[data-testid=estop-release]').count() === 0, 'a Viewer cannot release the stop');
  // the Owner's page, on the running run, sees the stop and the run Stopped
  const banner = page.locator('[data-testid=estop-banner]');
  await banner.getByText(said).waitFor();
  await page.locator('[data-testid=phase]', { hasText: 'Stopped' }).waitFor({ timeout: 30000 });
  await shot(page, 's07-run-stopped');
  say('STOPPED');

  // ---- new runs are refused while the stop is in force, in words
  say('STEP refused');
  await page.click('nav >> text=Experiments');
  await row().locator('[data-testid=run]').click();
  await page.locator('.error', { hasText: 'Emergency stop in force (this project, by viewer1): no run starts until it is released' }).waitFor();
  check(/#\/experiments$/.test(page.url()), 'no run page opened');
  await shot(page, 's08-run-refused');
  await banner.locator('[data-testid=estop-release]').click();
  await banner.waitFor({ state: 'detached' });
  await page.locator('.error', { hasText: 'Emergency stop in force' }).waitFor({ state: 'detached' });

  // ---- an admin stops every project, then releases it
  say('STEP stop-all');
  await page.click('[data-testid=estop]');
  await page.click('[data-testid=estop-all]');
  await banner.getByText('Emergency stop in force for every project: pressed by admin').waitFor();
  await shot(page, 's09-stop-all');
  await banner.locator('[data-testid=estop-release-all]').click();
  await banner.waitFor({ state: 'detached' });

  // ---- released: runs start again (a dry run)
  await row().locator('[data-testid=dry-run]').click();
  await page.waitForURL(/#\/runs\//);
  await page.locator('[data-testid=phase]', { hasText: 'Completed' }).waitFor({ timeout: 45000 });

  // ---- the Audit page
  say('STEP audit');
  await page.click('nav >> text=Audit');
  const list = page.locator('[data-testid=audit-list]');
  await list.waitFor();
  for (const a of ['emergency_stop', 'release_emergency_stop', 'dry_run', 'run', 'create'])
    await list.locator(`tr[data-action=${a}]`).first().waitFor();
  check(await list.locator('tr[data-action=run]', { hasText: 'failure' }).count() >= 1, 'the refused run is recorded as a failure');
  const stopRow = await list.locator('tr[data-action=emergency_stop]').first().innerText();
  check(stopRow.includes('viewer1') && stopRow.includes('success') && stopRow.includes('emergencyStop'), 'who and what: ' + stopRow);
  await page.locator('[data-testid=auth-audit-list] tr[data-action=login]', { hasText: 'failure' }).first().waitFor();
  check(await page.locator('[data-testid=auth-audit-list] tr[data-action=login]', { hasText: 'success' }).count() >= 1, 'successful logins listed');
  await shot(page, 's10-audit');
  // pagination
  await page.selectOption('select[aria-label="Per page"]', '10');
  await page.locator('[data-testid=audit-pages]', { hasText: /^Page 1 of [2-9]/ }).waitFor();
  await page.click('button:has-text("Next")');
  await page.locator('[data-testid=audit-pages]', { hasText: /^Page 2 of/ }).waitFor();
  // filters: one action, then a user with no event (the empty state)
  await page.selectOption('select[name=auditAction]', 'emergency_stop');
  await page.locator('[data-testid=audit-pages]', { hasText: /^Page 1 of 1 / }).waitFor();
  const actions = await list.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.action));
  check(actions.length >= 1 && actions.every((a) => a === 'emergency_stop'), 'filtered by action: ' + actions);
  await page.fill('input[name=auditUser]', 'nobody');
  await page.getByText('No event matches these filters').waitFor();
  await shot(page, 's11-audit-empty');

  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
  say('DONE');
} catch (e) {
  await shot(page, 'safety-failure').catch(() => {});
  console.log('FAIL ' + (e.stack || e));
  console.log('URL ' + page.url());
  process.exitCode = 1;
} finally {
  await browser.close();
}
