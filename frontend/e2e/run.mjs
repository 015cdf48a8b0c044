// Browser end-to-end test: the real Go backend (`wails dev`, real SQLCipher
// vault in a temp folder) driven through Debian's Chromium by playwright-core.
// Creates a vault, imports the five-person family, switches person, opens a
// lab result, searches, locks and unlocks — then checks that no health data
// reached browser storage or any file outside the encrypted vault.
// Then a person whose every string carries XSS payloads (e2e/fixtures/
// xss-corpus.mjs) is imported and every view is walked: nothing may run, no
// Go binding may be called by injected code, and the markup shows as text.
// axe-core checks each screen against WCAG 2.0/2.1/2.2 A and AA.
//
// Run from frontend/: node e2e/run.mjs   (make test-e2e does this)
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { corpusBundle, CORPUS_FAMILY, VISIBLE_MARKER } from './fixtures/xss-corpus.mjs';

const repo = resolve(import.meta.dirname, '../..');
const fixtures = resolve(repo, '../shared/fixtures/synthea/family');
const work = mkdtempSync(join(tmpdir(), 'fasten-e2e-'));
const vaultPath = join(work, 'vault', 'household.fasten');
const shots = process.env.E2E_SHOTS || join(work, 'shots');
mkdirSync(shots, { recursive: true });
const PASS = 'e2e family passphrase 42';
const display = `:${100 + Math.floor(Math.random() * 50)}`;
const wails = join(execFileSync('go', ['env', 'GOPATH']).toString().trim(), 'bin', 'wails');
const fastenBin = join(repo, 'build/bin/fasten');
const sandboxBin = join(repo, 'build/bin/fasten-sandbox');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let passed = 0;
let failed = 0;
const procs = [];
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`  ok   ${name}`);
  } else {
    failed++;
    console.log(`  FAIL ${name} ${detail}`);
  }
}

function start(cmd, args, opts, logName) {
  const p = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  p.stdout.on('data', (d) => (log += d));
  p.stderr.on('data', (d) => (log += d));
  p.log = () => log;
  p.logName = logName;
  procs.push(p);
  return p;
}

function stopAll() {
  for (const p of procs.reverse()) {
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {}
  }
}

async function waitFor(what, fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await fn()) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Every file the app could have written outside the vault: webview/browser
// storage, logs, caches, the vault folder's other files.
function walk(dir, out = []) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && statSync(p).size < 200 * 1024 * 1024) out.push(p);
  }
  return out;
}

const familyNames = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.split('_').slice(0, 2)); // [given, family] from the file names

let browser;
// What an executed XSS payload leaves behind (filled in by page listeners);
// printed when the run aborts too, since a payload may stop the app.
const traces = [];
const cspRefusals = [];
const env = {
  ...process.env,
  FASTEN_VAULT: vaultPath,
  DISPLAY: display,
  HOME: join(work, 'home'),
  XDG_CONFIG_HOME: join(work, 'home/.config'),
  XDG_DATA_HOME: join(work, 'home/.local/share'),
  XDG_CACHE_HOME: join(work, 'home/.cache'),
  GOPATH: execFileSync('go', ['env', 'GOPATH']).toString().trim(),
  GOCACHE: execFileSync('go', ['env', 'GOCACHE']).toString().trim(),
  GOMODCACHE: execFileSync('go', ['env', 'GOMODCACHE']).toString().trim(),
  npm_config_cache: execFileSync('npm', ['config', 'get', 'cache']).toString().trim(),
};
try {
  start('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {}, 'xvfb');
  await new Promise((r) => setTimeout(r, 1000));
  // A SMART/FHIR sandbox EHR on loopback (the development tool
  // build/bin/fasten-sandbox, not part of the installed app), auto-approving
  // sign-ins for Neva.
  const nevaFile = readdirSync(fixtures).find((f) => f.startsWith('Neva_'));
  const nevaPatientId = JSON.parse(readFileSync(join(fixtures, nevaFile), 'utf8')).entry.find((e) => e.resource.resourceType === 'Patient').resource.id;
  const sbx = start(sandboxBin, ['--port', '0', '--fixtures', fixtures, '--auto-approve', nevaPatientId, '--fault-control'], { env }, 'sandbox');
  await waitFor('the sandbox', async () => /FHIR base: (\S+)/.test(sbx.log()), 30_000);
  const sandboxBase = sbx.log().match(/FHIR base: (\S+)/)[1];
  console.log('e2e: starting wails dev (the real Go backend)…');
  const dev = start(
    'dbus-run-session',
    ['--', wails, 'dev', '-tags', 'webkit2_41 sqlite_fts5 sqlite_json', '-m', '-nosyncgomod', '-noreload', '-nogorebuild',
      '-skipbindings', '-nocolour', '-viteservertimeout', '120', '-loglevel', 'Warning', '-appargs', '--developer'],
    { cwd: repo, env },
    'wails dev',
  );
  await waitFor('wails dev on :34115', async () => {
    if (dev.exitCode !== null) throw new Error('wails dev exited:\n' + dev.log());
    if (/Build error/.test(dev.log())) throw new Error('the Go backend did not build');
    const r = await fetch('http://localhost:34115/');
    return r.ok;
  }, 600_000); // a cold build of the dev binary on a busy 2-core machine takes minutes

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  // axe-core is injected by the browser's debugging protocol before the
  // page's own scripts: the page's CSP (no inline script) stays untouched.
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  const consoleErrors = [];
  let step = 'start';
  page.on('pageerror', (e) => consoleErrors.push(`[during ${step}] ${e.stack || e}`));
  // Traces an executed payload would leave outside the page: a request with
  // "pwned" in it (to the loopback listener or anywhere), a navigation of the
  // main frame, a new window, a CSP refusal (markup reached the page live).
  const listener = createServer((req, res) => { traces.push(`loopback listener hit: ${req.url.slice(0, 60)}`); res.end(); });
  await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  const sentinelBase = `http://127.0.0.1:${listener.address().port}`;
  page.on('request', (r) => { if (/pwned/i.test(r.url())) traces.push(`request: ${r.url().slice(0, 80)}`); });
  page.on('framenavigated', (f) => { if (f === page.mainFrame() && !f.url().startsWith('http://localhost:34115/')) traces.push(`navigated to ${f.url().slice(0, 60)}`); });
  context.on('page', () => traces.push('a new window opened'));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspRefusals.push(`[during ${step}] ${m.text().slice(0, 160)}`); });
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.goto('http://localhost:34115/');
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.App, null, { timeout: 60_000 });
  const tid = (id) => page.getByTestId(id);

  // axe-core on the current screen: fails on serious or critical WCAG 2.x
  // A/AA violations, printing rule ids and element selectors only (attribute
  // values other than test ids are blanked: they could carry health data).
  const axeSeen = new Set();
  async function axe(view) {
    // A button just pressed is still fading to its new colours (.btn has a
    // 0.12 s transition): axe measuring mid-way reports a contrast that no
    // one sees. Let running transitions end first.
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
    const found = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 6).map((n) => n.target.join(' ')) }));
    }, AXE_TAGS);
    const safe = (t) => t.replace(/(\[[\w-]+=")([^"]*)(")/g, (m, a, v, b) => (/data-testid/.test(a) ? m : `${a}…${b}`)).replace(/#[^\s.>:[]+/g, (m) => (m.length > 30 ? '#…' : m));
    const detail = found.map((v) => `${v.id} (${v.impact}): ${v.targets.map(safe).join(' | ')}`).join('\n      ');
    // A violation already reported on an earlier screen is not repeated.
    const fresh = found.filter((v) => !axeSeen.has(v.id));
    found.forEach((v) => axeSeen.add(v.id));
    check(`axe WCAG 2.x A/AA: ${view} has no serious or critical violation`, found.length === 0, fresh.length || !found.length ? detail : `(same rules as before: ${found.map((v) => v.id).join(', ')})`);
  }

  step = 'welcome';
  // 0. A first run opens on the welcome: what Fasten is, and the folder the
  // records will live in, as Go reports it.
  await tid('welcome-folder').waitFor({ timeout: 30_000 });
  const shownFolder = (await tid('welcome-folder').innerText()).trim();
  check('welcome names the real vault folder', shownFolder === dirname(vaultPath), `${shownFolder} vs ${dirname(vaultPath)}`);
  const what = await tid('welcome-what').innerText();
  check('welcome says what Fasten is and that nothing goes to a server', /every hospital, clinic, lab and insurer/.test(what) && /Nothing goes to any server of ours/.test(what), what);
  await page.screenshot({ path: join(shots, '0-welcome.png') });
  await axe('welcome');
  // A new computer: the welcome offers to restore a backup instead.
  await tid('welcome-restore').click();
  await tid('restore-form').waitFor();
  check('the welcome leads to restoring a backup', (await tid('restore-choose').count()) === 1);
  await page.screenshot({ path: join(shots, '0a-restore-backup.png') });
  await axe('restore from a backup');
  await tid('restore-cancel').click();
  await tid('welcome-folder').waitFor();

  step = 'sample';
  // 0b. The sample family: a separate vault beside the real one, opened
  // without a passphrase, with a banner on every screen, and gone on leaving.
  const sampleVault = join(dirname(vaultPath), 'sample-family', 'sample-family.fasten');
  await tid('welcome-sample').click();
  await tid('sample-banner').waitFor({ timeout: 120_000 });
  await tid('household').waitFor({ timeout: 30_000 });
  const sampleCards = await tid('household-card').count();
  check('the sample family opens on its household: five people', sampleCards === 5, `cards=${sampleCards}`);
  check('the sample is its own vault file, and no real vault was created', statSync(sampleVault).size > 0 && !existsSync(vaultPath));
  await page.screenshot({ path: join(shots, '0b-sample-household.png') });
  await axe('sample family household (banner)');
  await page.locator('[data-testid^="person-"]').filter({ hasText: 'Neva' }).first().click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  check('the banner stays on a person\'s dashboard', await tid('sample-banner').isVisible());
  const sampleNeva = await page.locator('[data-testid^="person-"]').filter({ hasText: 'Neva' }).first().innerText();
  check('sample records are there (Neva has records)', Number((sampleNeva.match(/([\d,]+) records/) || [])[1]?.replace(/,/g, '') || 0) > 100, sampleNeva.replace(/\s+/g, ' '));
  await page.screenshot({ path: join(shots, '0c-sample-dashboard.png') });
  await tid('nav-import').click();
  await tid('import-sample').waitFor({ timeout: 15_000 });
  check('the sample\'s Import view refuses files and says why', /sample family/.test(await tid('import-sample').innerText()) && (await tid('import-dropzone').count()) === 0);
  const refused = await page.evaluate(() => window.go.app.App.ImportFileContent('x.json', btoa('{"resourceType":"Patient"}'), 0).then(() => 'imported', (e) => String(e.message || e)));
  check('Go refuses an import into the sample (kind sample)', /"kind":"sample"/.test(refused), refused.slice(0, 120));
  await page.screenshot({ path: join(shots, '0d-sample-import.png') });
  await axe('sample family import');
  await tid('sample-leave').click();
  await tid('welcome-folder').waitFor({ timeout: 30_000 });
  check('leaving the sample returns to the welcome and deletes it', !existsSync(dirname(sampleVault)) && !existsSync(vaultPath));
  const afterLeave = await page.evaluate(() => window.go.app.App.Status());
  check('after leaving, Go reports no sample and nothing unlocked', !afterLeave.sample && !afterLeave.unlocked, JSON.stringify({ sample: afterLeave.sample, unlocked: afterLeave.unlocked }));

  step = 'create';
  // 1. Create the vault.
  await tid('welcome-start').click();
  await tid('create-passphrase').waitFor({ timeout: 30_000 });
  check('the create form offers the way back to the welcome on a first run', await tid('create-back').isVisible());
  await page.screenshot({ path: join(shots, '0e-create.png') });
  // The checker itself: an image without a text alternative must be caught.
  const selfCheck = await page.evaluate(async (tags) => {
    const img = document.createElement('img');
    img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    document.body.append(img);
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    img.remove();
    return { rules: r.passes.length + r.violations.length + r.incomplete.length, caught: r.violations.some((v) => v.id === 'image-alt') };
  }, AXE_TAGS);
  check('axe runs in the page and catches a planted image without alt text', selfCheck.caught && selfCheck.rules > 20, JSON.stringify(selfCheck));
  await axe('create vault');
  await tid('create-passphrase').fill('short');
  await tid('create-confirm').fill('short');
  await tid('create-submit').click();
  check('too-short passphrase is refused with a message', await tid('create-error').isVisible().catch(() => false) || await tid('create-submit').isDisabled());
  await tid('create-passphrase').fill(PASS);
  await tid('create-confirm').fill(PASS);
  await tid('create-submit').click();
  await tid('recovery-key').waitFor({ timeout: 30_000 });
  await axe('recovery key');
  const recoveryKey = (await tid('recovery-key').innerText()).trim();
  check('recovery key shown once, 13 groups', recoveryKey.split('-').length === 13, recoveryKey.length + ' chars');
  await tid('recovery-key-ack').check();
  await tid('recovery-key-continue').click();
  await tid('empty-household').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(shots, '1-empty.png') });
  await axe('empty household');
  check('vault file created at FASTEN_VAULT', statSync(vaultPath).size > 0);

  step = 'import';
  // 2. Import the family through the file input (the browser path).
  await tid('nav-import').click();
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.json')).map((f) => join(fixtures, f));
  await tid('import-input').setInputFiles(files);
  await tid('import-done').waitFor({ timeout: 180_000 });
  const rows = await tid('import-report-row').count();
  check('import report lists all 5 files', rows === 5, `rows=${rows}`);
  const statuses = await tid('import-status').allInnerTexts();
  check('every file imported', statuses.length === 5 && statuses.every((s) => /imported/i.test(s)), statuses.join(','));
  // Patients new to the household: the report asks who they are.
  const unmatched = await tid('unmatched-row').count();
  for (let i = 0; i < unmatched; i++) {
    const row = tid('unmatched-row').first();
    await row.getByTestId('unmatched-assign').click();
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: join(shots, '2-imported.png') });
  await axe('import report');
  // "See records" leads a family home: everyone at a glance.
  await tid('import-done').click();
  await tid('household').waitFor({ timeout: 15_000 });
  const cards = await tid('household-card').count();
  check('"See records" opens the household view, a card per person', cards === 5, `cards=${cards}`);
  await page.screenshot({ path: join(shots, '2b-household.png') });
  await axe('household');
  const people = await page.locator('[data-testid^="person-"]').filter({ hasNotText: /^$/ }).evaluateAll((els) =>
    els.filter((e) => /^person-\d+$/.test(e.dataset.testid)).map((e) => ({ id: e.dataset.testid, text: e.innerText })));
  check('five household members after import', people.length === 5, JSON.stringify(people.map((p) => p.text)));

  step = 'switch';
  // 3. Switch person: Neva. Her dashboard is her home page; the timeline
  // groups her records by visit; then open a lab result from All records.
  const neva = people.find((p) => /Neva/.test(p.text));
  check('Neva is in the household', !!neva);
  await tid(neva.id).click();
  await tid('person-title').filter({ hasText: 'Neva' }).waitFor({ timeout: 15_000 });
  await tid('dashboard').waitFor({ timeout: 15_000 });
  check('dashboard shows latest vitals', (await tid('dashboard-vitals').getByTestId('record-item').count()) > 0);
  check('dashboard lists immunizations by vaccine', (await tid('dashboard-immunizations').getByTestId('vaccine-dose').count()) > 0);
  await page.screenshot({ path: join(shots, '3a-dashboard.png') });
  await axe('dashboard');
  // Insurance lives in its own tab, as what was billed, paid and owed.
  await tid('nav-insurance').click();
  await tid('insurance-claim').first().waitFor({ timeout: 15_000 });
  const bill = await tid('insurance-claim').first().innerText();
  check('insurance lists bills as billed / insurance paid / you owed', /Billed/.test(bill) && /\$\d/.test(bill) && /paid/i.test(bill), bill.replace(/\s+/g, ' ').slice(0, 120));
  await page.screenshot({ path: join(shots, '3c-insurance.png') });
  await axe('insurance');
  await tid('nav-dashboard').click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('nav-timeline').click();
  await tid('timeline-item').first().waitFor({ timeout: 15_000 });
  check('timeline groups records by visit', (await tid('timeline-visit').count()) > 0);
  if ((await tid('timeline-more').count()) > 0) {
    // The next page may already be loading by itself (near the end of the list): then there is nothing to click.
    const before = await tid('timeline-item').count();
    await tid('timeline-more').click({ timeout: 2_000 }).catch(() => {});
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline-item"]').length > n, before, { timeout: 15_000 });
    check('the next timeline page appends', (await tid('timeline-item').count()) > before);
  }
  await page.screenshot({ path: join(shots, '3b-timeline.png') });
  await axe('timeline');
  await tid('nav-overview').click();
  await tid('overview-labs').waitFor();
  await axe('all records');
  const labItems = tid('overview-labs').locator('button');
  check('overview shows latest labs', (await labItems.count()) > 0);
  check('overview shows vitals', (await tid('overview-vitals').locator('button').count()) > 0);
  const labName = (await labItems.first().innerText()).split('\n')[0];
  await labItems.first().click();
  await tid('detail-panel').waitFor();
  await tid('detail-fields').waitFor();
  const title = await tid('detail-title').innerText();
  check('lab detail opens with its name', title.length > 0 && labName.includes(title.split('\n')[0].slice(0, 10)), `${title} / ${labName}`);
  const fields = await tid('detail-fields').innerText();
  check('lab detail shows a result in plain words', /Result/.test(fields) && /\d/.test(fields) && !/Value quantity/i.test(fields), fields.slice(0, 200));
  await tid('detail-raw-toggle').click();
  const raw = await tid('detail-raw').innerText();
  check('raw FHIR JSON toggle shows the resource', raw.includes('"resourceType": "Observation"'));
  await page.screenshot({ path: join(shots, '3-lab-detail.png') });
  await axe('record detail (lab, raw JSON open)');
  await page.keyboard.press('Escape');

  step = 'list-search';
  // 4. A list per type, and search.
  await tid('type-chip-Observation').click();
  await tid('list-row').first().waitFor();
  check('observation list has 50 rows on the first page', (await tid('list-row').count()) === 50);
  await axe('a type list');
  await tid('search-input').fill(labName.split(' ')[0]);
  await tid('search-input').press('Enter');
  await tid('search-results').first().waitFor({ timeout: 15_000 });
  check('search finds the lab by its first word', (await tid('search-result').count()) > 0);
  await page.screenshot({ path: join(shots, '4-search.png') });
  await axe('search results');
  // What people type: a misspelling, and an everyday word for a vaccine.
  await tid('search-input').fill('hemoglobn');
  await tid('search-input').press('Enter');
  await tid('search-understood').filter({ hasText: /hemoglobin/i }).waitFor({ timeout: 15_000 });
  check('a misspelling finds the test it meant', (await tid('search-result').count()) > 0 && /hemoglobin/i.test(await tid('search-results').first().innerText()));
  await tid('search-result').first().click();
  // The panel shows "Record" until the record has loaded: wait for its name
  // (the check still fails if another record opens).
  await tid('detail-fields').waitFor({ timeout: 15_000 });
  check('a result found through a misspelling opens its record', /hemoglobin/i.test(await tid('detail-title').innerText()), await tid('detail-title').innerText());
  await page.keyboard.press('Escape');
  await tid('search-input').fill('flu shot');
  await tid('search-input').press('Enter');
  await tid('search-understood').filter({ hasText: /influenza/i }).waitFor({ timeout: 15_000 });
  check('"flu shot" finds the influenza vaccines', /influenza/i.test(await tid('search-results').first().innerText()));
  await tid('search-scope-household').check();
  await tid('search-person').nth(1).waitFor({ timeout: 15_000 });
  check('searching everyone groups the results by person', (await tid('search-person').count()) >= 2);
  await page.screenshot({ path: join(shots, '4-search-household.png') });
  await axe('search results, whole household, synonym');
  await tid('search-scope-person').check();

  step = 'trends';
  // 4b. Lab trends: a person whose cholesterol results carry the labs' own
  // ranges (the Synthea family has none), the latest one high. From the
  // dashboard's flagged result to its trend; a second test compared on the
  // same screen; the table; a point opens its record, whose "See trend"
  // leads back.
  const trendFile = join(work, 'trends.json');
  const obs = (id, code, display, when, value, flag) => ({
    resource: {
      resourceType: 'Observation', id, status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code, display }] },
      subject: { reference: 'urn:uuid:tess' }, effectiveDateTime: when,
      valueQuantity: { value, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      referenceRange: [{ low: { value: code === '2085-9' ? 40 : 0, unit: 'mg/dL' }, high: { value: code === '2085-9' ? 200 : 129, unit: 'mg/dL' } }],
      ...(flag ? { interpretation: [{ coding: [{ code: flag }] }] } : {}),
    },
  });
  writeFileSync(trendFile, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [
    { fullUrl: 'urn:uuid:tess', resource: { resourceType: 'Patient', id: 'tess', name: [{ given: ['Tess'], family: 'Trend' }], birthDate: '1975-04-02' } },
    obs('l1', '18262-6', 'Low Density Lipoprotein Cholesterol', '2019-05-01T09:00:00Z', 110),
    obs('l2', '18262-6', 'Low Density Lipoprotein Cholesterol', '2021-05-01T09:00:00Z', 124),
    obs('l3', '18262-6', 'Low Density Lipoprotein Cholesterol', '2023-05-01T09:00:00Z', 151, 'H'),
    obs('h1', '2085-9', 'High Density Lipoprotein Cholesterol', '2019-05-01T09:00:00Z', 52),
    obs('h2', '2085-9', 'High Density Lipoprotein Cholesterol', '2021-05-01T09:00:00Z', 47),
    obs('h3', '2085-9', 'High Density Lipoprotein Cholesterol', '2023-05-01T09:00:00Z', 45),
  ] }));
  await tid('nav-import').click();
  await tid('import-input').setInputFiles([trendFile]);
  await tid('import-done').waitFor({ timeout: 60_000 });
  if (await tid('unmatched-row').count()) {
    await tid('unmatched-row').first().getByTestId('unmatched-assign').click();
    await page.waitForTimeout(300);
  }
  const tess = await page.locator('[data-testid^="person-"]').evaluateAll((els) =>
    els.filter((e) => /^person-\d+$/.test(e.dataset.testid) && /Tess/.test(e.innerText)).map((e) => e.dataset.testid)[0]);
  check('the trends file made its own household member', !!tess);
  await tid(tess).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('flagged-trend').first().click();
  await tid('trend-card').first().waitFor({ timeout: 15_000 });
  check('a flagged result opens its trend', (await tid('trend-card').first().getAttribute('data-key')) === 'loinc:18262-6' && (await tid('nav-trends').getAttribute('aria-current')) === 'page');
  await page.locator('[data-testid="trend-chart"] canvas').first().waitFor({ timeout: 15_000 });
  check('the trend is drawn (a chart canvas)', (await page.locator('[data-testid="trend-chart"] canvas').count()) > 0);
  await tid('trend-chart').first().focus();
  await page.keyboard.press('End');
  const said = await tid('trend-current').first().innerText();
  check('the keyboard reaches a point and reads it in words', /151 mg\/dL/.test(said) && /High/.test(said) && /normal range 0–129/.test(said), said);
  await page.locator('[data-testid="trend-pick"][data-key="loinc:2085-9"]').check();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="trend-card"]').length === 2, null, { timeout: 15_000 });
  check('two tests compared on one screen', (await tid('trend-card').count()) === 2);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, '4b-trends.png') });
  await axe('trends (chart)');
  await tid('trend-mode-table').click();
  await tid('trend-table').first().waitFor();
  const trendRows = await tid('trend-row').allInnerTexts();
  check('the table lists every measurement with its flag', trendRows.length === 6 && /High/.test(trendRows[0]) && /151/.test(trendRows[0]), trendRows.join(' | ').replace(/\s+/g, ' ').slice(0, 200));
  await axe('trends (table)');
  await tid('trend-open').first().click();
  await tid('detail-panel').waitFor();
  await tid('detail-trend').click();
  await tid('detail-panel').waitFor({ state: 'detached', timeout: 5_000 });
  check('a point opens its record, whose See trend leads back', (await tid('trend-card').first().getAttribute('data-key')) === 'loinc:18262-6');

  step = 'entered';
  // 4c. Records the family adds themselves (Tess is open): a condition, an
  // allergy and a blood pressure reading typed in, each shown where
  // imported records are; a lab in a unit Fasten cannot read is refused at
  // its field; a record they entered can be deleted.
  await tid('nav-dashboard').click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  const addRecord = async (kind, fill) => {
    await tid('dashboard-add-record').click();
    await tid('add-record-form').waitFor();
    await tid(`kind-${kind}`).check();
    await fill();
    await tid('add-record-save').click();
  };
  await addRecord('condition', async () => {
    await tid('add-display').fill('Asthma');
    await tid('add-date').fill('2015-04');
  });
  await tid('detail-panel').waitFor({ timeout: 15_000 });
  check('an added record opens, entered by you', /Entered by you/.test(await tid('detail-source').innerText()));
  await page.keyboard.press('Escape');
  await addRecord('allergy', async () => {
    await tid('add-display').fill('Peanuts');
    await tid('add-date').fill('1990');
    await tid('add-reaction').fill('Hives');
    await tid('add-severity').selectOption('severe');
  });
  await tid('detail-panel').waitFor({ timeout: 15_000 });
  await page.keyboard.press('Escape');
  await addRecord('vital', async () => {
    await tid('add-vital').selectOption('blood-pressure');
    await tid('add-value').fill('128');
    await tid('add-value2').fill('82');
  });
  await tid('detail-panel').waitFor({ timeout: 15_000 });
  await page.keyboard.press('Escape');
  await tid('dashboard-allergies').filter({ hasText: 'Peanuts' }).waitFor({ timeout: 15_000 });
  check('the added allergy is on the dashboard, with its reaction', /Hives/.test(await tid('dashboard-allergies').innerText()));
  check('the added condition is an active problem', /Asthma/.test(await tid('dashboard-problems').innerText()));
  check('the added reading is among the vitals', /128/.test(await tid('dashboard-vitals').innerText()), (await tid('dashboard-vitals').innerText()).replace(/\s+/g, ' ').slice(0, 200));
  await page.screenshot({ path: join(shots, '7a-entered-dashboard.png') });
  // Changed through the same form, opened filled in from the record.
  await tid('dashboard-vitals').getByTestId('record-item').filter({ hasText: '128' }).click();
  await tid('detail-edit').click();
  await tid('add-record-form').waitFor();
  check('the form opens on the reading, filled in', (await tid('add-value').inputValue()) === '128' && (await tid('add-value2').inputValue()) === '82');
  await page.screenshot({ path: join(shots, '7d-change-record.png') });
  await tid('add-value').fill('126');
  await tid('add-record-save').click();
  await tid('add-record-form').waitFor({ state: 'detached', timeout: 15_000 });
  await page.waitForFunction(() => /126/.test(document.querySelector('[data-testid="detail-panel"]')?.textContent ?? ''), null, { timeout: 15_000 });
  check('the changed reading shows, with its earlier version kept', (await tid('detail-version').count()) === 1);
  await page.keyboard.press('Escape');
  await tid('dashboard-vitals').filter({ hasText: '126' }).waitFor({ timeout: 15_000 });
  await addRecord('lab', async () => {
    await tid('add-display').fill('Ferritin');
    await tid('add-value').fill('30');
    await tid('add-unit').fill('furlongs');
  });
  await tid('problem-unit').waitFor({ timeout: 15_000 });
  check('a unit Fasten cannot read is refused at its field', /not a unit/.test(await tid('problem-unit').innerText()));
  await page.screenshot({ path: join(shots, '7b-add-record-problem.png') });
  await axe('add a record (a field refused)');
  await page.keyboard.press('Escape');
  await tid('nav-timeline').click();
  await tid('timeline-item').first().waitFor({ timeout: 15_000 });
  check('the added records are on the timeline', /Asthma/.test(await tid('timeline').innerText()) && /Peanuts/.test(await tid('timeline').innerText()));
  await tid('nav-trends').click();
  await tid('trend-pick').first().waitFor({ timeout: 15_000 });
  check('the added reading is among the trends', (await page.locator('[data-testid="trend-pick"][data-key="loinc:85354-9"]').count()) > 0,
    (await page.locator('[data-testid="trend-pick"]').evaluateAll((els) => els.map((e) => e.dataset.key))).join(' '));
  await tid('nav-dashboard').click();
  await tid('dashboard-problems').filter({ hasText: 'Asthma' }).getByTestId('record-item').filter({ hasText: 'Asthma' }).click();
  await tid('detail-delete').click();
  await tid('detail-delete-confirm').click();
  await tid('detail-panel').waitFor({ state: 'detached', timeout: 15_000 });
  await page.waitForFunction(() => !/Asthma/.test(document.querySelector('[data-testid="dashboard-problems"]')?.textContent ?? 'Asthma'), null, { timeout: 15_000 });
  check('a deleted entry leaves the dashboard', !/Asthma/.test(await tid('dashboard-problems').innerText()));
  // All records lists what was set aside, and brings it back.
  await tid('nav-overview').click();
  await tid('overview-set-aside').waitFor({ timeout: 15_000 });
  check('a deleted entry is listed under hidden and deleted', /Asthma/.test(await tid('overview-set-aside').innerText()));
  await page.screenshot({ path: join(shots, '7g-set-aside.png') });
  await axe('all records (hidden and deleted)');
  await tid('set-aside-row').filter({ hasText: 'Asthma' }).getByTestId('set-aside-restore').click();
  await tid('overview-set-aside').waitFor({ state: 'detached', timeout: 15_000 });
  await tid('nav-dashboard').click();
  await tid('dashboard-problems').filter({ hasText: 'Asthma' }).waitFor({ timeout: 15_000 });
  check('a deleted entry brought back is on the dashboard again', /Asthma/.test(await tid('dashboard-problems').innerText()));
  // A photo of a paper vaccine card, added to the person's documents.
  await tid('documents-nav').click();
  await tid('documents-title').waitFor({ timeout: 15_000 });
  await (await tid('documents-add').count() ? tid('documents-add') : tid('documents-empty-add')).click();
  await tid('attach-form').waitFor();
  await tid('attach-file').setInputFiles(join(repo, 'frontend/e2e/fixtures/health-card-photo.jpg'));
  await tid('attach-title').fill('Vaccine card from abroad');
  await tid('attach-kind').selectOption('vaccine-card');
  await page.screenshot({ path: join(shots, '7e-attach-photo.png') });
  await axe('add a document');
  await tid('attach-save').click();
  await tid('attach-form').waitFor({ state: 'detached', timeout: 15_000 });
  await tid('document-row').filter({ hasText: 'Vaccine card from abroad' }).waitFor({ timeout: 15_000 });
  check('an uploaded photo is among the documents', (await tid('document-row').filter({ hasText: 'Vaccine card from abroad' }).count()) === 1);
  await page.screenshot({ path: join(shots, '7f-documents-with-photo.png') });
  await tid('nav-dashboard').click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('dashboard-share').locator('summary').click();
  await tid('save-summary-pdf').waitFor();
  await page.screenshot({ path: join(shots, '7c-summary-menu.png') });
  await axe('dashboard (summary menu open)');
  await tid('dashboard-share').locator('summary').click();

  step = 'switch-again';
  // 5. Switch to another person: different records.
  const other = people.find((p) => p !== neva);
  await tid(other.id).click();
  await tid('person-title').filter({ hasNotText: 'Neva' }).waitFor({ timeout: 15_000 });
  check('switching person changes the overview', !(await tid('person-title').innerText()).includes('Neva'));
  await tid('dashboard').waitFor({ timeout: 15_000 });

  step = 'documents';
  // 5b. Documents carried inside a file: a PDF (with JavaScript in it), a
  // C-CDA, a plain note and an HTML note full of script payloads. They are
  // rendered in the real browser against the real backend; nothing they
  // carry may run.
  await page.evaluate(() => { window.__pwned = 0; });
  await tid('nav-import').click();
  await tid('import-input').setInputFiles([join(repo, 'internal/records/testdata/documents.json')]);
  await tid('import-done').waitFor({ timeout: 60_000 });
  check('the file with documents imports', /imported/i.test((await tid('import-status').allInnerTexts()).join(',')));
  if (await tid('unmatched-row').count()) {
    await tid('unmatched-row').first().getByTestId('unmatched-assign').click();
    await page.waitForTimeout(300);
  }
  const wren = await page.locator('[data-testid^="person-"]').evaluateAll((els) =>
    els.filter((e) => /^person-\d+$/.test(e.dataset.testid) && /Wren/.test(e.innerText)).map((e) => e.dataset.testid)[0]);
  check('the documents file made its own household member', !!wren);
  await tid(wren).click();
  await tid('documents-nav').click();
  await tid('documents-list').waitFor({ timeout: 15_000 });
  await axe('documents list');
  const formats = await tid('document-row').evaluateAll((els) => els.map((e) => e.dataset.format));
  check('documents list the PDF, C-CDA, text and HTML', ['pdf', 'ccda', 'text', 'html'].every((f) => formats.includes(f)), formats.join(','));
  await tid('document-row').and(page.locator('[data-format="pdf"]')).first().click();
  await tid('document-pdf-page').waitFor({ timeout: 30_000 });
  const painted = await tid('document-pdf-page').evaluate((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    // An undrawn canvas is transparent; pdf.js paints the page opaque (the
    // test PDF is a blank page whose only content is a JavaScript action).
    let opaque = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] === 255) opaque++;
    return { w: c.width, h: c.height, opaque, total: px.length / 4 };
  });
  const pageNo = await page.getByTestId('pdf-page-number').innerText();
  check('the PDF renders in the app (pdf.js parsed it and painted its page)', /1 of 1/.test(pageNo) && painted.w > 100 && painted.opaque === painted.total, `${pageNo} ${JSON.stringify(painted)}`);
  await page.screenshot({ path: join(shots, '5b-document-pdf.png') });
  await axe('PDF viewer');
  await tid('document-back').click();
  await tid('document-row').and(page.locator('[data-format="html"]')).first().click();
  await tid('document-html').waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  await tid('document-back').click();
  await tid('document-row').and(page.locator('[data-format="ccda"]')).first().click();
  await tid('document-html').waitFor({ timeout: 15_000 });
  const ccda = await tid('document-html').innerText();
  check('the C-CDA reads as its sections', ccda.length > 100, ccda.slice(0, 80));
  await page.screenshot({ path: join(shots, '5c-document-ccda.png') });
  await axe('C-CDA viewer');
  await page.waitForTimeout(500);
  const pwned = await page.evaluate(() => window.__pwned);
  check('nothing a document carries runs (no dialog, no script side effect)', dialogs.length === 0 && pwned === 0, `dialogs=${dialogs.length}`);
  await tid('document-back').click();
  // A word only a note holds is found, shown in the note's words, and
  // opens the note's record.
  await tid('search-input').fill('fluids');
  await tid('search-input').press('Enter');
  await tid('search-in-document').first().waitFor({ timeout: 15_000 });
  const inDoc = await tid('search-in-document').first().innerText();
  check('search finds a word inside a document and shows it there', /In its document: .*fluids/i.test(inDoc), inDoc);
  await page.screenshot({ path: join(shots, '5d-search-in-document.png') });
  await axe('search results found in a document');
  await tid('search-result').first().click();
  await tid('detail-title').waitFor({ timeout: 15_000 });
  check('a record found by its document opens', (await tid('detail-type').innerText()).length > 0, await tid('detail-title').innerText());
  await page.keyboard.press('Escape');

  step = 'ccda';
  // A C-CDA document, what a patient portal's "Download my record" gives,
  // through the same window import: converted to FHIR, its problems and
  // allergies on the person's dashboard, the original among the documents.
  await tid('nav-import').click();
  await tid('import-input').setInputFiles([join(repo, '../shared/fixtures/ccda/Documents/Progress Note/Progress_Note.xml')]);
  await tid('import-done').waitFor({ timeout: 120_000 });
  const ccdaStatus = (await tid('import-status').allInnerTexts()).join(',');
  check('a C-CDA document imports through the window', /imported/i.test(ccdaStatus), ccdaStatus);
  await axe('import report (C-CDA)');
  if (await tid('unmatched-row').count()) {
    await tid('unmatched-row').first().getByTestId('unmatched-assign').click();
    await page.waitForTimeout(300);
  }
  const adam = await page.locator('[data-testid^="person-"]').evaluateAll((els) =>
    els.filter((e) => /^person-\d+$/.test(e.dataset.testid) && /Everyman/.test(e.innerText)).map((e) => e.dataset.testid)[0]);
  check('the C-CDA patient is a household member', !!adam);
  await tid(adam).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  const problems = await tid('dashboard-problems').innerText();
  check('the C-CDA problems are on the dashboard', (await tid('dashboard-problems').getByTestId('record-item').count()) > 0, problems.replace(/\s+/g, ' ').slice(0, 100));
  await page.screenshot({ path: join(shots, '5e-ccda-dashboard.png') });
  await axe('dashboard from a C-CDA');
  await tid('documents-nav').click();
  await tid('documents-list').waitFor({ timeout: 15_000 });
  const ccdaFormats = await tid('document-row').evaluateAll((els) => els.map((e) => e.dataset.format));
  check('the original C-CDA is among the documents', ccdaFormats.includes('ccda'), ccdaFormats.join(','));
  await tid(wren).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });

  step = 'apple-health';
  // The iPhone Health app's export.zip through the same import: the phone's
  // readings become vitals, the providers' records (one of them DSTU2) the
  // person's problems and results, all on one person.
  const placeNewPerson = async () => {
    while (await tid('unmatched-row').count()) {
      const before = await tid('unmatched-row').count();
      await tid('unmatched-row').first().getByTestId('unmatched-assign').click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="unmatched-row"]').length < n, before, { timeout: 15_000 });
    }
  };
  const personNamed = (re) =>
    page.locator('[data-testid^="person-"]').evaluateAll((els, src) =>
      els.filter((e) => /^person-\d+$/.test(e.dataset.testid) && new RegExp(src).test(e.innerText)).map((e) => e.dataset.testid)[0], re.source);
  await tid('nav-import').click();
  await tid('import-input').setInputFiles([join(repo, 'frontend/e2e/fixtures/apple-health-export.zip')]);
  await tid('import-done').waitFor({ timeout: 120_000 });
  const appleStatus = (await tid('import-status').allInnerTexts()).join(',');
  check('an Apple Health export imports through the window', /imported/i.test(appleStatus), appleStatus);
  await page.screenshot({ path: join(shots, '5f-apple-health-import.png') });
  await axe('import report (Apple Health)');
  await placeNewPerson();
  const jane = await personNamed(/Jane/);
  check('the export\'s owner is a household member', !!jane);
  await tid(jane).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('dashboard-vitals').waitFor({ timeout: 15_000 });
  const appleVitals = (await tid('dashboard-vitals').innerText()).replace(/\s+/g, ' ');
  check('the phone\'s readings are the person\'s vitals', /weight/i.test(appleVitals) && /heart rate/i.test(appleVitals), appleVitals.slice(0, 160));
  const appleProblems = (await tid('dashboard-problems').innerText()).replace(/\s+/g, ' ');
  check('a provider\'s DSTU2 record in the export is on the dashboard', /asthma/i.test(appleProblems), appleProblems.slice(0, 100));
  await page.screenshot({ path: join(shots, '5g-apple-health-dashboard.png') });
  await axe('dashboard from an Apple Health export');
  // The old clinic's record says it came in an older format and shows it as sent.
  await tid('dashboard-problems').getByTestId('record-item').first().click();
  await tid('detail-title').waitFor({ timeout: 15_000 });
  await tid('detail-received-as').waitFor({ timeout: 15_000 });
  const receivedAs = await tid('detail-received-as').innerText();
  check('a DSTU2 record says it was sent in an older format', /DSTU2/.test(receivedAs), receivedAs);
  await tid('detail-raw-toggle').click();
  const original = await tid('detail-original').innerText();
  check('the record as sent is shown beside its conversion', /"clinicalStatus": "active"/.test(original), original.slice(0, 80));
  await page.screenshot({ path: join(shots, '5h-dstu2-detail.png') });
  await page.keyboard.press('Escape');

  step = 'health-card';
  // A photo of a vaccination card's QR code: its doses on the person's
  // dashboard, from an issuer shown as not verified (the test key is no
  // issuer Fasten knows).
  await tid('nav-import').click();
  await tid('import-input').setInputFiles([join(repo, 'frontend/e2e/fixtures/health-card-photo.jpg')]);
  await tid('import-done').waitFor({ timeout: 120_000 });
  const cardStatus = (await tid('import-status').allInnerTexts()).join(',');
  check('a health card photo imports through the window', /imported/i.test(cardStatus), cardStatus);
  await placeNewPerson();
  const john = await personNamed(/Anyperson/);
  check('the card\'s person is a household member', !!john);
  await tid(john).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('dashboard-immunizations').waitFor({ timeout: 15_000 });
  const doses = await tid('dashboard-immunizations').getByTestId('vaccine-dose').count();
  check('the card\'s two doses are on the dashboard', doses === 2, `doses: ${doses}`);
  await page.screenshot({ path: join(shots, '5i-health-card-dashboard.png') });
  await axe('dashboard from a health card');
  await tid('dashboard-immunizations').getByTestId('vaccine-dose').first().click();
  await tid('detail-source').waitFor({ timeout: 15_000 });
  const cardDetail = await tid('detail-source').innerText();
  check('the card\'s records say they are not verified', /not verified/i.test(cardDetail), cardDetail.replace(/\s+/g, ' ').slice(0, 200));
  await page.screenshot({ path: join(shots, '5j-health-card-detail.png') });
  await page.keyboard.press('Escape');
  await tid(wren).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });

  step = 'timeline-documents';
  // A record's documents are on the timeline too, and open in the viewer.
  await tid('nav-timeline').click();
  await tid('timeline-document').first().waitFor({ timeout: 15_000 });
  const onTimeline = await tid('timeline-document').count();
  await tid('timeline-document').first().click();
  await tid('document-back').waitFor({ timeout: 15_000 });
  check('documents are on the timeline and open in the viewer', onTimeline >= 4 && (await tid('documents-nav').getAttribute('aria-current')) === 'page', `on timeline: ${onTimeline}`);
  await tid('document-back').click();

  step = 'offline';
  // Offline, every view still reads the vault; the sidebar says syncing waits.
  // The system's word is simulated in the page: Chromium's own offline mode
  // would also cut this test's page off from \`wails dev\` (its bindings travel
  // over localhost here, over IPC in the real window).
  const setOnline = (online) =>
    page.evaluate((on) => {
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => on });
      window.dispatchEvent(new Event(on ? 'online' : 'offline'));
    }, online);
  await setOnline(false);
  await tid('offline-indicator').waitFor({ timeout: 5_000 });
  await tid('nav-dashboard').click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('nav-timeline').click();
  await tid('timeline-item').first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(shots, '5d-offline.png') });
  check('offline: the sidebar says so and the dashboard and timeline still open', await tid('offline-indicator').isVisible());
  await setOnline(true);
  await tid('offline-indicator').waitFor({ state: 'detached', timeout: 5_000 });
  check('back online: the indicator goes', (await tid('offline-indicator').count()) === 0);

  step = 'packing';
  // Go's vault:packing event, as a session compressing an earlier Fasten's
  // records sends it (internal/session's TestSyncWaitsForPacking proves Go
  // sends it), emitted through the page's Wails runtime, which hands it to
  // the page's listeners as it does Go's.
  const packing = (p) =>
    page.evaluate((x) => window.runtime.EventsEmit('vault:packing', x), { bytesBefore: 0, bytesAfter: 0, vacuumSkipped: false, ...p });
  await packing({ phase: 'pack', done: 60000, total: 150000 });
  await tid('vault-packing').waitFor({ timeout: 5_000 });
  await page.screenshot({ path: join(shots, '5d-packing.png') });
  check('packing: the sidebar says the vault is being made smaller, and how far', (await tid('vault-packing').textContent()).includes('Making your vault smaller: 40%'));
  await packing({ phase: 'vacuum', done: 150000, total: 150000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="vault-packing"]')?.textContent?.includes('finishing'), null, { timeout: 5_000 });
  await packing({ phase: 'done', done: 150000, total: 150000 });
  await tid('vault-packing').waitFor({ state: 'detached', timeout: 5_000 });
  check('packing done: the line goes', (await tid('vault-packing').count()) === 0);

  step = 'xss-corpus';
  // 5c. A person whose every string carries XSS payloads, imported through
  // the UI and walked view by view. The Wails bindings are wrapped to record
  // every call: the payloads call App.Lock, which this walk never does.
  const corpusFile = join(work, 'xss-corpus.json');
  writeFileSync(corpusFile, JSON.stringify(corpusBundle(sentinelBase)));
  await page.evaluate(() => {
    window.__pwned = 0;
    window.__bindingCalls = [];
    const App = window.go.app.App;
    for (const name of Object.keys(App)) {
      const real = App[name];
      if (typeof real !== 'function') continue;
      // The app itself passes payload text on as data (e.g. the name a person
      // confirms for the corpus patient); only the call a payload makes — Lock,
      // which nothing in this walk does — marks injected code.
      App[name] = (...args) => {
        if (name === 'Lock') window.__bindingCalls.push(name);
        return real(...args);
      };
    }
  });
  const cleanTitle = await page.title();
  const walked = [];
  // After each view: no dialog, no sentinel, no marked binding call, no page
  // error, no trace outside the page, still unlocked.
  async function nothingRan(view) {
    await page.waitForTimeout(400); // onerror/onload handlers fire within a task or two
    const st = await page.evaluate(() => ({ pwned: window.__pwned, title: document.title, calls: window.__bindingCalls.slice(), locked: !!document.querySelector('[data-testid="unlock-passphrase"]') }));
    const errs = consoleErrors.filter((e) => e.startsWith(`[during ${step}]`) && !/\/wails\/ipc\.js/.test(e));
    const bad = [
      ...dialogs.map((d) => `dialog: ${d.slice(0, 40)}`),
      ...(st.pwned ? [`window.__pwned=${st.pwned}`] : []),
      ...(st.title !== cleanTitle ? [`title changed`] : []),
      ...st.calls.map((c) => `binding call: ${c}`),
      ...(st.locked ? ['the vault locked'] : []),
      ...traces,
      ...errs.map((e) => e.split('\n')[0].slice(0, 120)),
    ];
    walked.push(view);
    check(`XSS corpus: nothing ran on ${view}`, bad.length === 0, bad.join('; '));
    return bad.length === 0;
  }
  async function markupShown(view, where = 'main') {
    const text = await page.locator(where).allInnerTexts();
    check(`XSS corpus: ${view} shows the markup as text`, text.join('\n').includes(VISIBLE_MARKER));
  }

  await tid('nav-import').click();
  await tid('import-input').setInputFiles([corpusFile]);
  await tid('import-done').waitFor({ timeout: 60_000 });
  check('the XSS corpus imports', /imported/i.test((await tid('import-status').allInnerTexts()).join(',')), (await tid('import-status').allInnerTexts()).join(','));
  await nothingRan('the import report and "Who is this?"');
  if (await tid('unmatched-row').count()) {
    await tid('unmatched-row').first().getByTestId('unmatched-assign').click();
    await page.waitForTimeout(300);
  }
  const corpusPerson = await page.locator('[data-testid^="person-"]').evaluateAll((els, fam) =>
    els.filter((e) => /^person-\d+$/.test(e.dataset.testid) && e.innerText.includes(fam)).map((e) => e.dataset.testid)[0], CORPUS_FAMILY);
  check('the corpus made its own household member', !!corpusPerson);
  if (!corpusPerson) throw new Error('no household member for the XSS corpus');
  check('XSS corpus: the sidebar shows the name\'s markup as text', (await tid(corpusPerson).innerText()).includes(VISIBLE_MARKER));

  if (await tid('nav-household').count()) {
    await tid('nav-household').click();
    await page.waitForTimeout(1000);
    await nothingRan('household');
    await axe('household (with the corpus)');
  } else console.log('  skipped household view (no nav-household on this branch)');

  await tid(corpusPerson).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await nothingRan('dashboard');
  await markupShown('dashboard');
  await axe('dashboard (corpus)');
  await page.screenshot({ path: join(shots, '6a-corpus-dashboard.png') });

  await tid('nav-timeline').click();
  await tid('timeline-item').first().waitFor({ timeout: 15_000 });
  await nothingRan('timeline');
  await markupShown('timeline');

  await tid('nav-trends').click();
  await tid('trends').waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  await nothingRan('trends');

  await tid('nav-overview').click();
  await tid('overview-counts').waitFor({ timeout: 15_000 });
  await nothingRan('all records');
  const chips = await page.locator('[data-testid^="type-chip-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
  check('XSS corpus: all records lists many types', chips.length >= 12, chips.join(','));
  for (const chip of chips) {
    const type = chip.slice('type-chip-'.length);
    await tid('nav-overview').click();
    await tid(chip).click();
    await tid('list-row').first().waitFor({ timeout: 15_000 });
    await nothingRan(`the ${type} list`);
    await tid('list-row').first().click();
    await tid('detail-fields').waitFor({ timeout: 15_000 });
    await tid('detail-raw-toggle').click();
    await tid('detail-raw').waitFor();
    await nothingRan(`a ${type} detail with its raw JSON`);
    await markupShown(`the ${type} detail`, '[data-testid="detail-panel"]');
    await axe(`a ${type} detail (corpus, raw JSON open)`);
    await page.keyboard.press('Escape');
    await tid('detail-panel').waitFor({ state: 'detached', timeout: 5_000 });
  }
  await tid('nav-overview').click();
  await tid('overview-counts').waitFor();
  await axe('all records (corpus)');

  await tid('search-input').fill('Problem');
  await tid('search-input').press('Enter');
  await tid('search-results').first().waitFor({ timeout: 15_000 });
  check('XSS corpus: search finds the corpus records', (await tid('search-result').count()) > 0);
  await nothingRan('search results');
  await markupShown('search results');

  await tid('documents-nav').click();
  await tid('documents-list').waitFor({ timeout: 15_000 });
  await nothingRan('documents');
  const docCount = await tid('document-row').count();
  check('XSS corpus: documents list the HTML, SVG, text and PDF attachments', docCount >= 4, `${docCount} documents`);
  for (let i = 0; i < docCount; i++) {
    const row = tid('document-row').nth(i);
    const format = await row.getAttribute('data-format');
    await row.click();
    await tid('document-viewer').waitFor({ timeout: 15_000 });
    await page.waitForTimeout(format === 'pdf' ? 1500 : 600);
    await nothingRan(`document ${i + 1} (${format})`);
    await axe(`document viewer: ${format} (corpus)`);
    if (format === 'text') await markupShown('the text document');
    await tid('document-back').click();
    await tid('documents-list').waitFor({ timeout: 15_000 });
  }

  if (await tid('nav-insurance').count()) {
    await tid('nav-insurance').click();
    await page.waitForTimeout(1000);
    await nothingRan('insurance');
    await markupShown('insurance');
    await axe('insurance (corpus)');
  } else console.log('  skipped insurance view (no nav-insurance on this branch)');
  check('XSS corpus: no CSP refusal (no payload reached the page as live markup)', cspRefusals.length === 0, cspRefusals.slice(0, 3).join('\n'));
  console.log(`  XSS corpus walked ${walked.length} views`);
  listener.close();

  step = 'unregistered';
  // 6. A catalog provider whose system has no client id in this build (a
  // development build has none): the form says so before any sign-in and
  // offers the import instead of a Connect button that would fail.
  await tid('nav-connections').click();
  await tid('provider-search').fill('hospital');
  await tid('provider-result').first().click();
  await tid('connect-unregistered').waitFor({ timeout: 15_000 });
  const unreg = await tid('connect-unregistered-message').innerText();
  check('an unregistered vendor is named before sign-in, with the way to download and import', /has not registered Fasten yet, so you can.t sign in from here/.test(unreg) && /Download my record/.test(unreg), unreg);
  check('no Connect button for it', (await tid('connect-start').count()) === 0);
  await page.screenshot({ path: join(shots, '6-unregistered-vendor.png') });
  await axe('connect: unregistered vendor');
  await tid('connect-unregistered-import').click();
  await tid('import-dropzone').waitFor({ timeout: 15_000 });
  check('"Import a downloaded record" opens the import view', true);

  step = 'connect';
  // 6a. Connect Neva to the sandbox EHR through the Connections screen; the
  // browser's redirect comes back as the deep link a second process forwards.
  await tid('nav-settings').click();
  // Provider registrations live under the collapsed "Advanced" section.
  await tid('settings-backups').scrollIntoViewIfNeeded();
  check('settings offer backups: a folder, how many to keep, back up now', (await tid('settings-backup-choose').count()) === 1 && (await tid('settings-backup-keep').count()) === 1 && (await tid('settings-backup-now').count()) === 1);
  await page.screenshot({ path: join(shots, '8a-settings-backups.png') });
  await axe('settings (backups)');
  await tid('settings-advanced-toggle').click();
  await axe('settings (advanced open)');
  await tid('registration-other').fill('fasten-e2e');
  await tid('registration-save-other').click();
  await page.waitForTimeout(500);
  await tid(neva.id).click();
  await tid('nav-connections').click();
  await axe('connections');
  await tid('other-provider').click();
  await tid('other-fhir-base').fill(sandboxBase);
  await tid('other-name').fill('Sandbox General');
  await tid('connect-start').click();
  await tid('connect-waiting').waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    window.__syncEvents = [];
    window.runtime.EventsOn('sync:done', (x) => window.__syncEvents.push(JSON.stringify(x)));
    window.runtime.EventsOn('sync:progress', (x) => window.__syncEvents.push('p:' + (x && x.phase)));
  });
  const authUrl = await tid('connect-auth-url').inputValue();
  check('sign-in address uses PKCE S256 and the FHIR base as aud', /code_challenge_method=S256/.test(authUrl) && authUrl.includes('aud=' + encodeURIComponent(sandboxBase)));
  const signin = await fetch(authUrl, { redirect: 'manual' });
  const deepLink = signin.headers.get('location') || '';
  check('the provider redirects to the org.fastenhealth.desktop scheme', deepLink.startsWith('org.fastenhealth.desktop:/callback?'));
  execFileSync(fastenBin, [deepLink], { env, stdio: 'ignore', timeout: 20_000 }); // what the OS does with the link
  await tid('connect-done').waitFor({ timeout: 30_000 });
  check('connect screen reports the connection', /Sandbox General/.test(await tid('connect-done').innerText()));
  await tid('nav-connections').click();
  const status = await tid('connection-status').first().innerText().catch(() => '');
  check('connections list shows it connected', /Connected/.test(status), status);
  // A new connection syncs by itself: every record the sandbox holds for Neva arrives.
  await tid('sync-result').first().waitFor({ timeout: 120_000 }).catch(async (e) => {
    await page.screenshot({ path: join(shots, 'sync-timeout.png') });
    console.log('--- connections screen at timeout:\n' + (await page.locator('main').innerText().catch(() => '?')));
    console.log('--- sync events seen by a test listener: ' + (await page.evaluate(() => window.__syncEvents.join(' | ')).catch((e) => String(e))));
    console.log('--- backend answers: ' + (await page.evaluate(() => window.go.app.App.Connections().then((c) => JSON.stringify(c).slice(0, 300), (e) => 'error ' + JSON.stringify(e))).catch((e) => String(e))));
    throw e;
  });
  const syncText = await tid('sync-result').first().innerText();
  check('the first sync completes by itself', /Up to date/.test(syncText), syncText);
  const nevaAfter = await tid(neva.id).innerText();
  const countAfter = Number((nevaAfter.match(/([\d,]+) records/) || [])[1]?.replace(/,/g, '') || 0);
  const countBefore = Number((neva.text.match(/([\d,]+) records/) || [])[1]?.replace(/,/g, '') || 0);
  check('synced records show up for the person', countAfter > countBefore, `${countBefore} -> ${countAfter}`);
  await page.screenshot({ path: join(shots, '5-connected.png') });

  step = 'sync-paused';
  // A provider that asks Fasten to wait (429 with Retry-After): the row says
  // so with a countdown, and the sync goes on by itself once it may.
  const faults = (body) => fetch(sandboxBase.replace(/\/fhir$/, '') + '/_sandbox/faults', { method: 'POST', body: JSON.stringify(body) });
  check('the sandbox takes a throttling fault', (await faults({ route: '/fhir', fault: { ThrottleRate: 1, RetryAfter: 6 } })).status === 204);
  await tid('sync-now').click();
  await tid('sync-paused').first().waitFor({ timeout: 30_000 });
  const pausedText = await tid('sync-paused').first().innerText();
  check('a sync the provider paused says so, with when it goes on', /The provider asked Fasten to wait · continuing in \d+ s/.test(pausedText), pausedText);
  await page.screenshot({ path: join(shots, '5a-sync-paused.png') });
  check('the sandbox clears its faults', (await faults({ reset: true })).status === 204);
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="sync-result"]');
    return r && !document.querySelector('[data-testid="sync-progress"]') && /Up to date/.test(r.textContent);
  }, null, { timeout: 90_000 });
  check('after the pause the sync finishes by itself', true);

  step = 'also-from';
  // The sandbox holds the records Neva's file held: each fact is still one
  // timeline line, which says where else it came from, and its detail
  // opens the other provider's copy.
  await tid(neva.id).click();
  await tid('dashboard').waitFor({ timeout: 15_000 });
  await tid('nav-timeline').click();
  await tid('timeline-also').first().waitFor({ timeout: 15_000 });
  const alsoLine = await tid('timeline-also').first().innerText();
  check('a fact from the file and the portal is one timeline line, "Also from" the portal', /Also from .*Sandbox General/.test(alsoLine), alsoLine);
  await axe('timeline with facts from two sources');
  await tid('timeline-also').first().locator('xpath=preceding-sibling::button[@data-testid="timeline-item"][1]').click();
  await tid('detail-also-from').waitFor({ timeout: 15_000 });
  const firstFrom = await tid('detail-source').innerText();
  const alsoFrom = await tid('detail-also-from').innerText();
  check('its detail says it is from the file, and also from the portal', /Imported/.test(firstFrom) && /Sandbox General/.test(alsoFrom), `${firstFrom} / ${alsoFrom}`);
  await axe('record detail with another source');
  await tid('detail-also-from-open').first().click();
  await page.waitForFunction((f) => { const d = document.querySelector('[data-testid="detail-source"]'); return d && d.textContent !== f; }, firstFrom, { timeout: 15_000 });
  const otherFrom = await tid('detail-source').innerText();
  check('"Also from" opens the portal\'s copy', /Sandbox General/.test(otherFrom), otherFrom);
  await page.screenshot({ path: join(shots, '5b-also-from.png') });
  await page.keyboard.press('Escape');

  step = 'lock-unlock';
  // 6. Lock, wrong passphrase, unlock.
  await tid('lock-button').click();
  await tid('unlock-passphrase').waitFor();
  await axe('unlock');
  await tid('unlock-passphrase').fill('not the passphrase');
  await tid('unlock-submit').click();
  await tid('unlock-error').waitFor({ timeout: 15_000 });
  check('wrong passphrase gives a clear message', /passphrase/i.test(await tid('unlock-error').innerText()));
  await tid('unlock-passphrase').fill(PASS);
  await tid('unlock-submit').click();
  await page.locator('[data-testid^="person-"]').first().waitFor({ timeout: 15_000 });
  check('unlocks again with the right passphrase', true);

  step = 'storage';
  // 7. Nothing health-related in browser storage.
  const storage = await page.evaluate(async () => {
    const dbs = indexedDB.databases ? await indexedDB.databases() : [];
    return { local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage), cookies: document.cookie, idb: dbs.length };
  });
  const leaked = familyNames.flat().filter((n) => n.length > 3 && JSON.stringify(storage).includes(n));
  check('no names in localStorage/sessionStorage/cookies/IndexedDB', leaked.length === 0 && storage.idb === 0, JSON.stringify(storage).slice(0, 200));
  // wails dev's own /wails/ipc.js throws once on load in a plain browser
  // (it expects the webview); errors from our bundle are what count.
  const ours = consoleErrors.filter((e) => !/\/wails\/ipc\.js/.test(e.split('\n').slice(1, 3).join('\n')));
  check('no uncaught page errors from the app', ours.length === 0, ours.join('\n'));
  await browser.close();
  browser = null;
  stopAll();
  await new Promise((r) => setTimeout(r, 2000));

  // 8. No plaintext health data anywhere the app could write (vault included).
  const hits = [];
  for (const f of walk(work)) {
    if (f.startsWith(shots)) continue;
    const buf = readFileSync(f);
    if (buf.includes('sbxsecret')) hits.push(`${f}: a sandbox token or code`);
    for (const [given, family] of familyNames) {
      for (const w of [given, family]) if (w.length >= 5 && buf.includes(w)) hits.push(`${f}: ${w}`);
    }
  }
  check('no fixture names or tokens in any file under the app\'s folders (vault, WAL, logs, caches)', hits.length === 0, hits.slice(0, 5).join('\n'));
} catch (e) {
  failed++;
  console.log('  FAIL e2e aborted:', e.message);
  if (traces.length || cspRefusals.length) console.log('  XSS traces before the abort:\n    ' + [...traces, ...cspRefusals].slice(0, 10).join('\n    '));
  for (const p of procs) console.log(`--- ${p.logName} log (tail)\n${p.log().slice(-4000)}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  stopAll();
  if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
