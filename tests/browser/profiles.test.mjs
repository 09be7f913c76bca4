// A sibling group's profile from first draft to an adopter's search: the Northshire social
// worker writes it, the confidentiality check catches the school named in the text and keeps it
// from sign-off until it is taken out, the team manager signs it off, and the demo adopter finds
// it by a word in the text and reads it without anything that stays inside the agency.
// Every page on the way passes axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD, assertAccessible, clickAndLoad, heading, signIn, signOut, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

// A made-up hobby: no generated profile has it, so a search for it finds this profile alone.
const HOBBY = 'kitewhistling';
const SCHOOL = 'Brambleside Primary School';
const SURNAME = 'Thistlewood';
const RELATIVE = 'Marguerite Thistlewood';
// An adopter's search leaves out children whose family must not live in the household's area.
// The demo adopter's household (the generator's first, with the demo seed) lives in Warrington,
// in the North West; these children come from Cornwall and exclude Cornwall alone, so the
// adopter's search cannot leave them out.
const HOME_AREA = 'Cornwall';
const TITLE = 'Elowen and Tobias';

// Born on the first of this month, so their ages are whole years whatever the day.
const today = new Date();
const born = (years) => ({ day: '1', month: String(today.getUTCMonth() + 1), year: String(today.getUTCFullYear() - years) });
const ELOWEN = { alias: 'Elowen', born: born(7), age: '7 years', gender: 'Girl' };
const TOBIAS = { alias: 'Tobias', born: born(4), age: '4 years', gender: 'Boy' };

const textWithSchool = `Elowen and her little brother Tobias are a lively, loving pair who want to stay together. `
  + `Elowen loves her class at ${SCHOOL} and spends every windy weekend ${HOBBY} on the hill with Tobias, `
  + 'who runs after the kites laughing. They need a patient family who will keep them together.';
const textWithoutSchool = textWithSchool.replace(`her class at ${SCHOOL}`, 'her class at a small village school');

/** The error summary's links, as text and target. */
async function errorSummary(page) {
  const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) });
  return summary.getByRole('link').evaluateAll((links) =>
    links.map((a) => ({ text: a.textContent.trim(), href: a.getAttribute('href') })));
}

/** GOV.UK Frontend moves focus to the error summary, so keyboard and screen reader users meet it first. */
async function assertSummaryHasFocus(page) {
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), true,
    `the error summary has focus on ${page.url()}`);
}

/** The value beside `key` in a summary list. */
async function summaryValue(list, key) {
  const row = list.locator('.govuk-summary-list__row').filter({ has: list.page().getByRole('term').filter({ hasText: new RegExp(`^${key}\\b`) }) });
  assert.equal(await row.count(), 1, `one "${key}" row`);
  return (await row.getByRole('definition').innerText()).trim();
}

/** The summary list under a child's heading on a profile page. */
function childDetails(page, alias) {
  return page.locator(`h2:text-is("${alias}") + dl.govuk-summary-list`);
}

async function fillChild(page, child) {
  await page.getByLabel('First name or alias', { exact: true }).fill(child.alias);
  const date = page.getByRole('group', { name: 'Date of birth' });
  await date.getByLabel('Day', { exact: true }).fill(child.born.day);
  await date.getByLabel('Month', { exact: true }).fill(child.born.month);
  await date.getByLabel('Year', { exact: true }).fill(child.born.year);
  await page.getByLabel('Gender', { exact: true }).selectOption({ label: child.gender });
  await page.getByLabel('Ethnic group', { exact: true }).selectOption({ label: 'White British' });
  await page.getByLabel('Surname', { exact: true }).fill(SURNAME);
}

function statusTag(page) {
  return page.getByRole('main').locator('.govuk-tag').first();
}

test('a sibling group profile is checked for confidentiality, signed off and found by an adopter', async () => {
  const page = await kinlink.newPage();

  // ---- The social worker writes the profile.
  await page.goto('/sign-in');
  await assertAccessible(page, 'the sign-in page');
  await signIn(page, 'social.worker@northshire.example', DEMO_PASSWORD);
  assert.equal(await heading(page), 'Welcome, Jordan');
  await assertAccessible(page, "the social worker's dashboard");
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: "Children's profiles", exact: true }));
  assert.equal(await heading(page), "Children's profiles");
  await assertAccessible(page, "the agency's children's profiles");

  await clickAndLoad(page, page.getByRole('link', { name: 'Create a profile', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/children/new');
  assert.equal(await heading(page), "Create a child's profile");
  await assertAccessible(page, 'the create-a-profile form');

  await fillChild(page, ELOWEN);
  await page.getByLabel('School or nursery (optional)', { exact: true }).fill(SCHOOL);
  await page.getByLabel("Birth relatives' names (optional)", { exact: true }).fill(RELATIVE);
  await page.getByLabel('Profile', { exact: true }).fill(textWithSchool);
  await page.getByLabel('Local authority area the child comes from', { exact: true }).selectOption({ label: HOME_AREA });
  await page.getByLabel('Areas the family must not live in', { exact: true }).fill(HOME_AREA);
  await clickAndLoad(page, page.getByRole('button', { name: 'Save draft', exact: true }));

  assert.match(new URL(page.url()).pathname, /^\/children\/\d+$/);
  const profilePath = new URL(page.url()).pathname;
  assert.equal(await heading(page), 'Elowen');
  assert.ok((await page.getByRole('main').innerText()).includes('The profile has been created as a draft.'));
  assert.equal((await statusTag(page).innerText()).trim(), 'draft');
  await assertAccessible(page, 'the new draft profile');

  // A brother joins: first with nothing filled in, to meet the errors.
  await clickAndLoad(page, page.getByRole('link', { name: 'Add a brother or sister', exact: true }));
  assert.equal(new URL(page.url()).pathname, `${profilePath}/children/new`);
  assert.equal(await heading(page), 'Add a brother or sister');
  await assertAccessible(page, 'the add-a-brother-or-sister form');

  await clickAndLoad(page, page.getByRole('button', { name: 'Save', exact: true }));
  assert.equal(await heading(page), 'Add a brother or sister');
  assert.match(await page.title(), /^Error: /);
  assert.deepEqual(await errorSummary(page), [
    { text: "Enter the child's first name or alias", href: '#alias' },
    { text: 'Enter the date of birth as a real date, like 27 3 2019', href: '#born' },
    { text: "Choose the child's gender", href: '#gender' },
    { text: "Choose the child's ethnic group", href: '#ethnicity' },
    { text: "Enter the child's surname (it is never shown outside your agency; the confidentiality check looks for it)", href: '#surname' },
  ]);
  await assertSummaryHasFocus(page);
  await assertAccessible(page, 'the add-a-brother-or-sister form with errors');
  await page.getByRole('link', { name: "Choose the child's gender" }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'gender', 'the error link takes you to the field');

  await fillChild(page, TOBIAS);
  await clickAndLoad(page, page.getByRole('button', { name: 'Save', exact: true }));
  assert.equal(new URL(page.url()).pathname, profilePath);
  assert.equal(await heading(page), TITLE);
  const main = page.getByRole('main');
  assert.ok((await main.innerText()).includes('Sibling group of 2 · Northshire Council'));
  assert.equal(await summaryValue(childDetails(page, 'Elowen'), 'Age'), ELOWEN.age);
  assert.equal(await summaryValue(childDetails(page, 'Tobias'), 'Age'), TOBIAS.age);
  assert.equal(await summaryValue(childDetails(page, 'Elowen'), 'School'), SCHOOL, 'the agency sees the school');

  // The confidentiality check, beside the text, flags the school's name in it.
  const check = page.getByRole('complementary', { name: 'Confidentiality check' });
  assert.equal(await check.count(), 1);
  assert.ok((await check.innerText()).includes('1 to fix or acknowledge before the profile can go for sign-off.'));
  const finding = check.getByRole('heading', { level: 3 });
  assert.deepEqual((await finding.allInnerTexts()).map((t) => t.trim()), [`School or nursery name: “${SCHOOL}”`]);
  const marked = page.locator('.kinlink-profile-text mark');
  assert.equal(await marked.count(), 1, 'the school is marked in the text');
  assert.equal(await marked.evaluate((m) => m.firstChild.textContent), SCHOOL);
  assert.ok((await marked.innerText()).includes('(flagged: School or nursery name)'), 'the mark says why, for screen readers too');
  await assertAccessible(page, 'the sibling group with a finding');

  // Sending it for sign-off is refused until the finding is dealt with.
  await clickAndLoad(page, page.getByRole('button', { name: 'Send for sign-off', exact: true }));
  assert.equal(await heading(page), TITLE);
  assert.equal(await page.title(), `Error: ${TITLE} – Kinlink`);
  const refusal = 'Every confidentiality finding must be fixed or acknowledged first';
  assert.deepEqual(await errorSummary(page), [{ text: refusal, href: '#status' }]);
  await assertSummaryHasFocus(page);
  assert.equal(await main.locator('#status').innerText(), 'What happens next', 'the summary links to the buttons it is about');
  await page.getByRole('link', { name: refusal }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'status', 'following the link moves focus there');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), 'Send for sign-off',
    'the next key press reaches the buttons');
  assert.equal((await main.locator('.govuk-error-message').textContent()).replace(/\s+/g, ' ').trim(), `Error: ${refusal}`);
  assert.equal((await statusTag(page).innerText()).trim(), 'draft');
  await assertAccessible(page, 'the profile after sign-off was refused');

  // The worker takes the school out of the text; the finding goes with it.
  await clickAndLoad(page, page.getByRole('link', { name: 'Change the profile', exact: true }));
  assert.equal(new URL(page.url()).pathname, `${profilePath}/edit`);
  assert.equal(await heading(page), 'Change the profile');
  const text = page.getByLabel('Profile', { exact: true });
  assert.equal(await text.inputValue(), textWithSchool);
  await assertAccessible(page, 'the change-the-profile form');
  await text.fill(textWithoutSchool);
  await clickAndLoad(page, page.getByRole('button', { name: 'Save draft', exact: true }));
  assert.equal(new URL(page.url()).pathname, profilePath);
  assert.ok((await main.innerText()).includes('Your changes have been saved.'));
  assert.ok((await check.innerText()).includes('Nothing that looks identifying was found.'));
  assert.equal(await finding.count(), 0);
  assert.equal(await marked.count(), 0);
  assert.ok(!(await page.locator('.kinlink-profile-text').innerText()).includes(SCHOOL));
  await assertAccessible(page, 'the profile with nothing flagged');

  await clickAndLoad(page, page.getByRole('button', { name: 'Send for sign-off', exact: true }));
  assert.equal(await page.title(), `${TITLE} – Kinlink`);
  assert.ok((await main.innerText()).includes("The profile's status has changed."));
  assert.equal((await statusTag(page).innerText()).trim(), 'awaiting sign-off');
  await assertAccessible(page, 'the profile awaiting sign-off');
  await signOut(page);
  await assertAccessible(page, 'the sign-in page after signing out');

  // ---- The team manager signs it off.
  await signIn(page, 'team.manager@northshire.example', DEMO_PASSWORD);
  assert.equal(await heading(page), 'Welcome, Morgan');
  const waiting = page.getByRole('heading', { name: 'Waiting for sign-off', level: 2 });
  assert.equal(await waiting.count(), 1);
  const queue = page.locator('h2:text-is("Waiting for sign-off") + ul');
  assert.equal(await queue.getByRole('link', { name: TITLE, exact: true }).count(), 1, 'the profile waits for the manager');
  await assertAccessible(page, "the team manager's dashboard");
  await clickAndLoad(page, queue.getByRole('link', { name: TITLE, exact: true }));
  assert.equal(new URL(page.url()).pathname, profilePath);
  assert.equal((await statusTag(page).innerText()).trim(), 'awaiting sign-off');
  await assertAccessible(page, 'the profile as the team manager reads it');
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign off and publish', exact: true }));
  assert.equal(new URL(page.url()).pathname, profilePath);
  assert.equal((await statusTag(page).innerText()).trim(), 'published');
  await assertAccessible(page, 'the published profile');
  await signOut(page);
  await assertAccessible(page, 'the sign-in page after signing out');

  // ---- The demo adopter finds it and reads it.
  await signIn(page, 'adopter@southvale.example', DEMO_PASSWORD);
  assert.equal(await heading(page), 'Welcome, Robin');
  await assertAccessible(page, "the adopter's dashboard");
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Search children', exact: true }));
  assert.equal(await heading(page), 'Search children');
  await assertAccessible(page, 'the search page');
  await page.getByLabel('Words in the profile', { exact: true }).fill(HOBBY);
  await clickAndLoad(page, page.getByRole('button', { name: 'Search', exact: true }));
  assert.equal(new URL(page.url()).searchParams.get('text'), HOBBY);
  assert.equal((await page.locator('#results').innerText()).trim(), '1 profile');
  const result = page.locator('.kinlink-result');
  assert.equal(await result.count(), 1);
  assert.ok((await result.innerText()).includes(`Elowen (${ELOWEN.age}), Tobias (${TOBIAS.age})`), 'the result gives their ages');
  await assertAccessible(page, 'the search results');

  // The adopter keeps the search; a name is needed first.
  await clickAndLoad(page, page.getByRole('button', { name: 'Save search', exact: true }));
  const saveName = page.getByLabel('Save this search', { exact: true });
  const describedBy = ((await saveName.getAttribute('aria-describedby')) ?? '').split(/\s+/);
  assert.ok(describedBy.includes('save-name-error'), 'the name field is described by its error');
  assert.equal((await page.locator('#save-name-error').textContent()).replace(/\s+/g, ' ').trim(),
    'Error: Give the search a name (up to 100 characters)');
  await assertAccessible(page, 'the search results with the save error');
  await saveName.fill('Kite flyers');
  await clickAndLoad(page, page.getByRole('button', { name: 'Save search', exact: true }));
  assert.ok((await page.getByRole('main').innerText()).includes('Search saved.'));
  assert.equal(await result.getByRole('link', { name: TITLE, exact: true }).count(), 1, 'the saved search still shows the profile');
  await assertAccessible(page, 'the search results after saving');

  await clickAndLoad(page, result.getByRole('link', { name: TITLE, exact: true }));
  assert.equal(new URL(page.url()).pathname, profilePath);
  assert.equal(await heading(page), TITLE);
  assert.equal(await summaryValue(childDetails(page, 'Elowen'), 'Age'), ELOWEN.age);
  assert.equal(await summaryValue(childDetails(page, 'Tobias'), 'Age'), TOBIAS.age);
  assert.ok((await page.locator('.kinlink-profile-text').innerText()).includes(HOBBY));
  // What stays inside the agency is nowhere in the page, not even hidden in its markup.
  const html = await page.content();
  for (const secret of [SURNAME, SCHOOL, 'Brambleside', RELATIVE, 'Marguerite', HOME_AREA]) {
    assert.ok(!html.includes(secret), `the adopter's page does not contain "${secret}"`);
  }
  const shown = await main.innerText();
  for (const hidden of ['Date of birth', 'School', 'Surname', 'Comes from', 'your agency only', 'Confidentiality check']) {
    assert.ok(!shown.includes(hidden), `the adopter does not see "${hidden}"`);
  }
  await assertAccessible(page, 'the profile as the adopter reads it');

  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Dashboard', exact: true }));
  const saved = page.locator('h2:text-is("Your saved searches") + ul');
  assert.equal(await saved.getByRole('link', { name: 'Kite flyers', exact: true }).count(), 1, 'the dashboard lists the saved search');
  await assertAccessible(page, "the adopter's dashboard with a saved search");
  await clickAndLoad(page, saved.getByRole('link', { name: 'Kite flyers', exact: true }));
  assert.equal(new URL(page.url()).searchParams.get('text'), HOBBY, 'the saved search runs again from the dashboard');
  assert.equal(await result.getByRole('link', { name: TITLE, exact: true }).count(), 1);
  await assertAccessible(page, 'the saved search run again');
  await page.context().close();
});
