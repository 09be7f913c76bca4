// Matching, as the people who use it: Northshire's family finder reads the families suggested
// for a child, best fit first, reads why one is suggested and asks to explore a link with them;
// Southvale's social worker reads the children suggested for the demo family; the register
// administrator reads the register-wide recommendations and changes the matching settings,
// after the form refuses a weight of 11 and all weights 0; the adopter is offered no
// suggestions and is refused them. Every page on the way passes axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD, assertAccessible, clickAndLoad, heading, signIn, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

const FINDER = 'family.finder@northshire.example';
const FAMILY_WORKER = 'social.worker@southvale.example';
const REGISTER_ADMIN = 'register.admin@register.example';
const ADOPTER = 'adopter@southvale.example';
// The demo's child with families to suggest, and its family with children to suggest
// (crates/kinlink/src/demo.rs).
const CHILD = 'Rohan';
const FAMILY = 'Robin Ashdown and Kit Ashdown';
const CRITERIA = ['Needs', 'Contact plan', 'Identity and culture', 'Languages', 'Experience', 'Children at home', 'Distance'];
const VERDICT = /^(Meets|Partly meets|Does not meet) \S/;

async function start(email) {
  const page = await kinlink.newPage();
  await page.goto('/sign-in');
  await signIn(page, email, DEMO_PASSWORD);
  return page;
}

function menu(page, label) {
  return page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: label, exact: true });
}

/** The suggestions on the page, in order: each list item, its name and its score. */
async function suggestions(page) {
  const items = page.getByRole('main').locator('ol.kinlink-suggestions > li');
  const found = [];
  for (const item of await items.all()) {
    const name = (await item.getByRole('heading', { level: 2 }).innerText()).trim();
    const score = /^(\d+)% fit$/.exec((await item.locator('.govuk-tag').first().innerText()).trim());
    assert.ok(score, `${name} has a score`);
    found.push({ item, name, percent: Number(score[1]) });
  }
  return found;
}

/**
 * Opens a suggestion's "Why … suggested" details and returns its lines as
 * [criterion, "verdict sentence"], checking each is visible only once opened.
 */
async function readWhy(item, summary) {
  const details = item.locator('details');
  const lines = details.locator('.govuk-summary-list__row');
  assert.equal(await lines.first().isVisible(), false, 'the reasons start closed');
  await item.getByText(summary, { exact: true }).click();
  assert.equal(await details.getAttribute('open'), '');
  const read = [];
  for (const line of await lines.all()) {
    assert.ok(await line.isVisible());
    read.push([
      (await line.locator('dt').innerText()).trim(),
      (await line.locator('dd').innerText()).trim(),
    ]);
  }
  return read;
}

function assertBestFirst(found) {
  assert.ok(found.length > 0, 'something is suggested');
  for (let i = 1; i < found.length; i += 1) {
    assert.ok(found[i - 1].percent >= found[i].percent, `best fit first: ${found.map((s) => `${s.name} ${s.percent}%`)}`);
  }
}

test('a family finder reads why a family is suggested for a child and asks to explore a link', async () => {
  const page = await start(FINDER);
  await clickAndLoad(page, menu(page, "Children's profiles"));
  await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: CHILD, exact: true }));
  assert.equal(await heading(page), CHILD);
  const childPath = new URL(page.url()).pathname;
  const finding = page.getByRole('main').locator('h2', { hasText: 'Finding a family' });
  assert.ok(await finding.isVisible(), 'the child\'s page has "Finding a family"');
  await assertAccessible(page, 'the child, for a family finder');

  await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: 'Suggested families', exact: true }));
  assert.equal(await heading(page), `Suggested families for ${CHILD}`);
  assert.equal(new URL(page.url()).pathname, `${childPath}/suggestions`);
  assert.match(await page.getByRole('main').innerText(), /These are suggestions, not decisions\./);
  await assertAccessible(page, 'suggested families');
  const found = await suggestions(page);
  assertBestFirst(found);

  const best = found[0];
  assert.match(await best.item.innerText(), /Southvale Adoption Agency, South East/);
  const why = await readWhy(best.item, `Why ${best.name} is suggested`);
  assert.deepEqual(why.map(([criterion]) => criterion), CRITERIA);
  for (const [criterion, said] of why) assert.match(said, VERDICT, `${criterion}: ${said}`);
  await assertAccessible(page, 'suggested families, with the reasons open');

  await clickAndLoad(page, best.item.getByRole('link', { name: `Ask to explore a link with ${best.name}`, exact: true }));
  assert.equal(await heading(page), 'Is this a genuine placement option?');
  const asked = new URL(page.url());
  assert.equal(asked.pathname, '/links/new');
  assert.equal(`/children/${asked.searchParams.get('child')}`, childPath);
  assert.ok((await page.getByRole('main').innerText()).includes(`Here is ${CHILD} against ${best.name}'s approval`));
  await assertAccessible(page, 'the link request, from a suggestion');
  // The household the request carries is the family suggested.
  await page.goto(`/households/${asked.searchParams.get('household')}`);
  assert.equal(await heading(page), best.name);
  await assertAccessible(page, 'the suggested family, for a family finder');
  await page.context().close();
});

test('the family\'s social worker reads why children are suggested for them', async () => {
  const page = await start(FAMILY_WORKER);
  await clickAndLoad(page, menu(page, 'Families'));
  await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: FAMILY, exact: true }));
  assert.equal(await heading(page), FAMILY);
  await assertAccessible(page, 'the family, for their worker');

  await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: 'Suggested children', exact: true }));
  assert.equal(await heading(page), `Suggested children for ${FAMILY}`);
  assert.match(await page.getByRole('main').innerText(), /the family do not see scores/);
  await assertAccessible(page, 'suggested children');
  const found = await suggestions(page);
  assertBestFirst(found);
  for (const { item, name } of found) {
    const verb = name.includes(' and ') ? 'are' : 'is';
    const why = await readWhy(item, `Why ${name} ${verb} suggested`);
    assert.deepEqual(why.map(([criterion]) => criterion), CRITERIA, name);
    for (const [criterion, said] of why) assert.match(said, VERDICT, `${name}, ${criterion}: ${said}`);
    assert.ok(await item.getByRole('link', { name: `Ask to explore a link for ${name}`, exact: true }).isVisible());
  }
  await assertAccessible(page, 'suggested children, with every reason open');
  await page.context().close();
});

test('the register administrator reads the register-wide view and changes the matching settings', async () => {
  const page = await start(REGISTER_ADMIN);
  await clickAndLoad(page, menu(page, 'Matching'));
  assert.equal(await heading(page), 'Matching across the register');
  const main = page.getByRole('main');
  assert.match(await main.innerText(), /Decision support, not decisions\./);
  for (const part of ['Spread recommendations', 'Best overall assignment']) {
    assert.ok(await main.getByRole('heading', { level: 2, name: part, exact: true }).isVisible(), part);
  }
  const rows = main.getByRole('table').locator('tbody tr');
  assert.ok(await rows.count() > 0, 'a row for each child waiting');
  await assertAccessible(page, 'matching across the register');

  await clickAndLoad(page, main.getByRole('link', { name: 'Matching settings', exact: true }));
  assert.equal(await heading(page), 'Matching settings');
  await assertAccessible(page, 'the matching settings');
  const needs = page.getByLabel('Needs', { exact: true });
  const distance = page.getByLabel('Distance', { exact: true });
  const was = { needs: await needs.inputValue(), distance: await distance.inputValue() };
  const save = page.getByRole('button', { name: 'Save settings' });

  // Too high: the error summary links to the field, which keeps what was typed.
  await needs.fill('11');
  await clickAndLoad(page, save);
  const summary = page.getByRole('alert');
  assert.match(await summary.innerText(), /There is a problem/);
  const problem = summary.getByRole('link', { name: 'The weight for needs must be a whole number from 0 to 10', exact: true });
  assert.equal(await problem.getAttribute('href'), `#${await needs.getAttribute('id')}`);
  assert.equal(await needs.inputValue(), '11');
  assert.match(await page.locator('#weight_needs-error').innerText(), /The weight for needs must be a whole number from 0 to 10/);
  await assertAccessible(page, 'the matching settings, a weight too high');

  // Every weight 0: refused.
  for (const criterion of CRITERIA) await page.getByLabel(criterion, { exact: true }).fill('0');
  await clickAndLoad(page, save);
  assert.ok(await page.getByRole('alert').getByRole('link', { name: 'At least one weight must be above 0', exact: true }).isVisible());
  assert.equal(await distance.inputValue(), '0');
  await assertAccessible(page, 'the matching settings, every weight 0');

  // Nothing was saved by either.
  await page.goto('/admin/matching/settings');
  assert.equal(await needs.inputValue(), was.needs);
  assert.equal(await distance.inputValue(), was.distance);

  // A good change: saved, said so, and shown.
  const changed = String((Number(was.distance) + 1) % 11);
  await distance.fill(changed);
  await clickAndLoad(page, save);
  assert.equal(new URL(page.url()).pathname, '/admin/matching/settings');
  assert.match(await page.getByRole('alert').innerText(), /The matching settings have been saved\./);
  assert.equal(await distance.inputValue(), changed);
  assert.equal(await needs.inputValue(), was.needs);
  await assertAccessible(page, 'the matching settings, saved');
  await page.context().close();
});

test('an adopter is offered no suggestions and is refused them', async () => {
  const page = await start(ADOPTER);
  await clickAndLoad(page, menu(page, "Your family's profile"));
  assert.equal(await heading(page), FAMILY);
  const main = page.getByRole('main');
  assert.equal(await main.getByRole('link', { name: 'Suggested children' }).count(), 0);
  assert.doesNotMatch(await main.innerText(), /% fit|Finding children/);
  await assertAccessible(page, 'the family\'s own profile');

  // Their household, as its "Change the profile" link names it.
  const edit = await main.getByRole('link', { name: 'Change the profile' }).getAttribute('href');
  const household = /^\/households\/(\d+)\/edit$/.exec(edit)[1];
  const refused = await page.goto(`/households/${household}/suggestions`);
  assert.equal(refused.status(), 403);
  assert.equal(await heading(page), 'You do not have permission to do this');
  assert.doesNotMatch(await page.getByRole('main').innerText(), /% fit/);
  await assertAccessible(page, 'suggestions, refused to an adopter');
  await page.context().close();
});
