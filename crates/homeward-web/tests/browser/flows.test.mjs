// Browser flows against a running `homeward serve` (see run.sh): each takes a screenshot
// and runs axe-core, which must find no serious or critical violation. Every request the
// page makes must go to the server itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.env.HOMEWARD_URL;
const shots = process.env.HOMEWARD_SHOTS;
const origin = new URL(base).origin;

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
});
after(async () => { await browser?.close(); });

async function newPage(locale = 'en-GB') {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const foreign = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'data:' && u.origin !== origin) foreign.push(r.url());
  });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, foreign, errors, context };
}

async function checkAxe(page, name) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe on ${name}`,
  );
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function json(path) {
  const r = await fetch(base + path);
  assert.equal(r.status, 200, path);
  return r.json();
}

test('dashboard renders with its chart and passes axe', async () => {
  const { page, foreign, errors, context } = await newPage();
  await page.goto(base + '/');
  await page.waitForSelector('figure.chart svg');
  await shot(page, 'dashboard');
  await checkAxe(page, 'dashboard');
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('search a person by their name in another script and open them', async () => {
  // An Armenian-script person, searched by the Latin reading of the name.
  // Persons are listed by name, so Armenian script (after Latin and Cyrillic) comes last.
  const first = await json('/api/v1/persons?per_page=200');
  let target;
  for (let page = Math.ceil(first.total / 200); page >= 1 && !target; page--) {
    const list = await json(`/api/v1/persons?per_page=200&page=${page}`);
    const p = list.persons.find((x) => /^[\u0530-\u058F ]+$/.test(x.name) && x.name.includes(' '));
    if (p) {
      const detail = await json(`/api/v1/persons/${p.id}`);
      target = { id: p.id, name: p.name, latin: detail.names[0].latin };
    }
  }
  assert.ok(target, 'an Armenian-script name in the demo');
  const { page, foreign, context } = await newPage();
  await page.goto(base + '/persons');
  await page.getByLabel('Name, in any script').fill(target.latin);
  await page.getByRole('button', { name: 'Search' }).click();
  const link = page.locator(`a[href="/persons/${target.id}"]`);
  await link.waitFor();
  await shot(page, 'search-latin-finds-armenian');
  await checkAxe(page, 'persons search');
  await link.click();
  await page.waitForURL(`**/persons/${target.id}`);
  assert.equal(await page.locator('h1').innerText(), target.name);
  await shot(page, 'person');
  await checkAxe(page, 'person');
  assert.deepEqual(foreign, []);
  await context.close();
});

test('import a spreadsheet with one bad row, see it reported and nothing imported, fix and import', async () => {
  const before = await json('/api/v1/status');
  const { page, context } = await newPage();
  const bad = 'Фамилия;Имя;Дата рождения\nБраузерян;Арам;01.02.1991\nБраузерова;Анна;30.02.1992\n';
  const upload = async (csv) => {
    await page.goto(base + '/imports');
    await page.getByLabel('File (CSV, XLSX or ODS)').setInputFiles({ name: 'browser-list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#new-source').fill('Browser test list');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('#mapping');
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
  };
  await upload(bad);
  await page.waitForSelector('#bad-rows');
  assert.match(await page.locator('#bad-rows').innerText(), /30\.02\.1992/);
  await shot(page, 'import-bad-row');
  await checkAxe(page, 'import with a bad row');
  assert.equal(await page.getByRole('button', { name: 'Import' }).count(), 0);
  const middle = await json('/api/v1/status');
  assert.deepEqual(middle, before, 'nothing imported');

  await upload(bad.replace('30.02.1992', '29.02.1992'));
  await page.getByText('2 rows are valid').waitFor();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText('Imported 2 records.').waitFor();
  await shot(page, 'import-done');
  const after = await json('/api/v1/status');
  assert.equal(after.records, before.records + 2);
  await context.close();
});

test('switch the language to Armenian and to Russian', async () => {
  const { page, context } = await newPage();
  await page.goto(base + '/persons');
  await page.getByRole('button', { name: 'Հայերեն' }).click();
  await page.waitForURL('**/persons');
  assert.equal(await page.locator('html').getAttribute('lang'), 'hy');
  assert.equal(await page.locator('h1').innerText(), 'Անձինք');
  // The Armenian text is drawn with the served Noto Sans Armenian, not a fallback box.
  const armenianFont = await page.evaluate(async () => {
    await document.fonts.ready;
    return document.fonts.check('16px "Noto Sans Armenian"', 'Անձինք');
  });
  assert.ok(armenianFont, 'Noto Sans Armenian loaded');
  await shot(page, 'persons-hy');
  await checkAxe(page, 'persons in Armenian');
  await page.getByRole('button', { name: 'Русский' }).click();
  await page.waitForURL('**/persons');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
  assert.equal(await page.locator('h1').innerText(), 'Лица');
  await page.goto(base + '/');
  await shot(page, 'dashboard-ru');
  await checkAxe(page, 'dashboard in Russian');
  await context.close();
});

test('pages work on a phone-sized screen without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await page.goto(base + '/persons');
  await page.getByLabel('Name, in any script').fill('Vardanyan');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL('**/persons?q=Vardanyan');
  await page.locator('#results').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375 + 1, `no sideways scrolling of the page (${width}px)`);
  await shot(page, 'phone-no-js');
  await context.close();
});
