// The portal served under a sub-path by a reverse proxy (tests/integration/test_portal.py): the page,
// its assets and its GraphQL calls all stay under the prefix; login and the first pages work.
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.RIFT_E2E);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
const urls = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(20000);
  page.on('request', (r) => urls.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(cfg.base);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', cfg.initialPassword);
  await page.click('[data-testid=login]');
  await page.waitForURL(/#\/change-password/);
  await page.fill('input[name=oldPassword]', cfg.initialPassword);
  await page.fill('input[name=newPassword]', cfg.newPassword);
  await page.fill('input[name=newPassword2]', cfg.newPassword);
  await page.click('[data-testid=change-password]');
  await page.waitForURL(/#\/overview/);
  await page.getByText('infrastructures active').waitFor();
  await page.click('nav >> text=Experiments');
  await page.getByText('No experiments yet').waitFor();
  await page.screenshot({ path: `${cfg.shots}/subpath-experiments.png`, fullPage: true });
  if (errors.length) throw new Error('page errors: ' + errors.join('; '));
  console.log('URLS ' + JSON.stringify(urls));
  console.log('DONE');
} catch (e) {
  console.error(e.stack || String(e));
  console.log('URLS ' + JSON.stringify(urls));
  process.exitCode = 1;
} finally {
  await browser.close();
}
