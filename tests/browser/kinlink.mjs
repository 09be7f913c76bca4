// What every browser test file shares: a Kinlink demo server of its own (a fresh data folder,
// a free port), one Chromium for the file, signing in, and the accessibility check run on
// every page a test visits. It must not hide failures: no sleeps, no retries, no timeouts of
// its own — a test waits only for things that will happen (a printed line, a page's load).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The demo's people, as `kinlink demo` loads them (crates/kinlink/src/demo.rs). */
export const DEMO_PASSWORD = 'kinlink-demo-2026';

// As `nav_for` (crates/web/src/view.rs) gives them: team managers and social workers write their
// agency's children's and families' profiles, family finders its children's; they and register
// administrators search the Register's children and families; adopters search children and
// keep their own family's profile; caseworkers, family finders and adopters take part in links;
// everyone on the Register sees Exchange and Activity Days (Events); agency administrators and
// business support run the system and see no profiles (least sight).
const REGISTER_ADMIN_NAV = ['Dashboard', 'Search children', 'Search families', 'Events', 'Users', 'Agencies', 'Register settings', 'Matching', 'Audit log'];
const AGENCY_ADMIN_NAV = ['Dashboard', 'Users', 'Agency settings', 'Audit log', 'API tokens'];
const CASEWORKER_NAV = ['Dashboard', "Children's profiles", 'Families', 'Search children', 'Search families', 'Links', 'Events', 'Records requests'];
const FAMILY_FINDER_NAV = ['Dashboard', "Children's profiles", 'Search children', 'Search families', 'Links', 'Events'];
const ADOPTER_NAV = ['Dashboard', 'Search children', "Your family's profile", 'Links', 'Events'];
// The events list is headed with what the events are.
const EVENTS_HEADING = { Events: 'Exchange and Activity Days' };
const BUSINESS_SUPPORT_NAV = ['Dashboard', 'Records requests'];

export const DEMO_USERS = [
  { email: 'register.admin@register.example', name: 'Rowan Ellery', role: 'Register administrator', agency: 'The Adoption Register', nav: REGISTER_ADMIN_NAV,
    headings: { ...EVENTS_HEADING, Matching: 'Matching across the register' } },
  { email: 'agency.admin@northshire.example', name: 'Priya Castell', role: 'Agency administrator', agency: 'Northshire Council', nav: AGENCY_ADMIN_NAV },
  { email: 'team.manager@northshire.example', name: 'Morgan Hale', role: 'Team manager', agency: 'Northshire Council', nav: CASEWORKER_NAV, headings: EVENTS_HEADING },
  { email: 'social.worker@northshire.example', name: 'Jordan Okafor-Reid', role: 'Social worker', agency: 'Northshire Council', nav: CASEWORKER_NAV, headings: EVENTS_HEADING },
  { email: 'family.finder@northshire.example', name: 'Casey Lindqvist', role: 'Family finder', agency: 'Northshire Council', nav: FAMILY_FINDER_NAV, headings: EVENTS_HEADING },
  { email: 'business.support@northshire.example', name: 'Alex Mbeki', role: 'Business support', agency: 'Northshire Council', nav: BUSINESS_SUPPORT_NAV },
  { email: 'social.worker@southvale.example', name: 'Sam Whitlow', role: 'Social worker', agency: 'Southvale Adoption Agency', nav: CASEWORKER_NAV, headings: EVENTS_HEADING },
  { email: 'adopter@southvale.example', name: 'Robin Ashdown', role: 'Adopter', agency: 'Southvale Adoption Agency', nav: ADOPTER_NAV,
    // Where a page's heading is not its menu label: the family's own profile is headed with their names.
    headings: { ...EVENTS_HEADING, "Your family's profile": 'Robin Ashdown and Kit Ashdown' } },
];

export const AGENCY_ADMIN = DEMO_USERS[1];

/**
 * Starts `kinlink demo` on a free port with a fresh data folder and resolves once it prints
 * the address it is listening on. Rejects if the process ends before that.
 */
export async function startKinlink() {
  const bin = process.env.KINLINK_BIN ?? join(root, 'target/debug/kinlink');
  assert.ok(existsSync(bin), `${bin} is missing: build it first with \`cargo build -p kinlink\``);
  const dataDir = mkdtempSync(join(tmpdir(), 'kinlink-browser-'));
  const child = spawn(bin, ['demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  // The server's log goes to stderr: kept, and shown only if the server stops unexpectedly.
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { log += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const listening = new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const found = /^Kinlink demo is running at (http:\/\/\S+\/)$/.exec(line);
      if (found) resolve(found[1]);
    });
    child.once('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`kinlink demo ended (code ${code}, signal ${signal}) before it was listening:\n${log}`)));
  });
  let url;
  try {
    url = await listening;
  } finally {
    if (url === undefined) rmSync(dataDir, { recursive: true, force: true });
  }

  let stopping = false;
  exited.then(({ code, signal }) => {
    if (!stopping) console.error(`kinlink demo stopped unexpectedly (code ${code}, signal ${signal}):\n${log}`);
  });
  // Should this test process end without `stop` (a crash, Ctrl-C), the server ends with it.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  return {
    url,
    async stop() {
      stopping = true;
      process.off('exit', orphanGuard);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/**
 * For a test file: one server and one browser, started before its tests and stopped after.
 * `kinlink.url` is the server's address; `kinlink.newPage()` opens a page in a new context
 * (its own cookies), watching for script errors and Content-Security-Policy violations.
 */
export function useKinlink() {
  const kinlink = {
    url: '',
    server: null,
    browser: null,
    async newPage(options = {}) {
      const context = await this.browser.newContext({ baseURL: this.url, ...options });
      const page = await context.newPage();
      page.problems = [];
      page.on('pageerror', (e) => page.problems.push(`script error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/.test(m.text())) page.problems.push(m.text());
      });
      return page;
    },
  };
  before(async () => {
    const [server, browser] = await Promise.allSettled([startKinlink(), launchChromium()]);
    kinlink.server = server.value;
    kinlink.browser = browser.value;
    for (const started of [server, browser]) if (started.status === 'rejected') throw started.reason;
    kinlink.url = kinlink.server.url;
  });
  after(async () => {
    await kinlink.browser?.close();
    await kinlink.server?.stop();
  });
  return kinlink;
}

/**
 * Clicks something that submits a form or follows a link, and waits for the page it leads
 * to (after any redirect) to load. The old page has already loaded, so the next `load` event
 * is the new page's.
 */
export async function clickAndLoad(page, locator) {
  const loaded = page.waitForEvent('load');
  await locator.click();
  await loaded;
}

/** Fills in the sign-in form on the current page and signs in. */
export async function signIn(page, email, password) {
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));
}

/** Opens the sign-in page and signs in as `email` with the demo password. */
export async function signInAs(page, email) {
  await page.goto('/sign-in');
  await signIn(page, email, DEMO_PASSWORD);
}

/** The one form on the page whose submit button is `button` (some labels repeat across forms). */
export function formWith(page, button) {
  return page.locator('form').filter({ has: page.getByRole('button', { name: button, exact: true }) });
}

export async function signOut(page) {
  await clickAndLoad(page, page.getByRole('banner').getByRole('button', { name: 'Sign out' }));
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(await heading(page), 'Sign in to Kinlink');
}

/** The page's one h1, as text. */
export async function heading(page) {
  const h1 = page.getByRole('heading', { level: 1 });
  assert.equal(await h1.count(), 1, `expected one h1 on ${page.url()}`);
  return (await h1.innerText()).trim();
}

/** The labels of the service navigation, in order (empty when there is none). */
export async function navigation(page) {
  const menu = page.getByRole('navigation', { name: 'Menu' });
  if ((await menu.count()) === 0) return [];
  return (await menu.getByRole('link').allInnerTexts()).map((t) => t.trim());
}

// axe-core is evaluated in the page rather than added with `page.addScriptTag`: Kinlink's
// Content-Security-Policy (script-src 'self') rightly refuses an inline <script>, and turning
// the policy off (`bypassCSP`) would hide pages that break it.
const AXE_SOURCE = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
const AXE_RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * Runs axe-core on the page as it is now and fails on any violation, naming each rule, its
 * help text and the elements; fails too on script errors or CSP violations since the last check.
 */
export async function assertAccessible(page, what = new URL(page.url()).pathname) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const { violations } = await page.evaluate(
    (values) => window.axe.run(document, { runOnly: { type: 'tag', values } }),
    AXE_RULES,
  );
  const report = violations.map((v) =>
    `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`).join('\n')}`);
  if (report.length > 0) assert.fail(`axe-core found accessibility violations on ${what}:\n${report.join('\n')}`);
  const problems = page.problems.splice(0);
  if (problems.length > 0) assert.fail(`the browser reported problems on ${what}:\n${problems.join('\n')}`);
}

// ---- dates, as the UK has them (the server works in UK dates and UK wall-clock times) ------

const UK = 'Europe/London';

/** Today's date in the UK, as YYYY-MM-DD. */
export function ukToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: UK, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

/** `iso` (YYYY-MM-DD) plus `days` days. */
export function addDays(iso, days) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The moment at which UK clocks show `time` (HH:MM) on `date` (YYYY-MM-DD). */
export function ukMoment(date, time) {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const asIfUtc = Date.UTC(y, mo - 1, d, h, mi);
  // The UK's offset from UTC (0 or 1 hour) at a moment, read from Intl's time-zone data.
  const offsetAt = (ms) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
      timeZone: UK, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    }).formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) - ms;
  };
  // Daytime is never in a clock change, so one correction settles it.
  const moment = asIfUtc - offsetAt(asIfUtc - offsetAt(asIfUtc));
  return new Date(moment);
}
