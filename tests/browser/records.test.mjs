// A request for access to adoption records, from intake to closure, across three people:
// Northshire's business support officer records it (after the page refuses an applicant of 17)
// and sends it for approval; the team manager approves it, allocates the social worker and
// authorises their access to the locked record; business support gives archive access; the
// social worker reads the locked record, arranges counselling (the calendar file read by an
// independent iCalendar parser), is stopped by Schedule 2 from sharing birth-record information
// before a session, records the session and the referral, and closes the case; the manager sees
// who read the record and that every grant was revoked; business support confirms archive access
// is closed. Every page on the way passes axe-core, and business support never sees casework.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import {
  addDays, assertAccessible, clickAndLoad, formWith, heading, signInAs, signOut, ukMoment, ukToday, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

const SUPPORT = 'business.support@northshire.example';
const MANAGER = 'team.manager@northshire.example';
const WORKER = 'social.worker@northshire.example';
const WORKER_NAME = 'Jordan Okafor-Reid'; // DEMO_USERS in crates/kinlink/src/demo.rs

// Synthetic people and text only, each unique to this test so it can be found among the
// demo's own requests.
const APPLICANT = 'Rowan Test-Applicant';
const BORN = '1970-04-12';
const ADOPTED = '1971-02-01'; // before 12 November 1975: Schedule 2 applies
const FACTS = 'Browser test: Rowan came with a friend and talked through what the file may hold.';
const SHARED = 'Browser test: the birth mother\'s name as the original birth entry gives it.';
const ORGANISATION = 'Browser Test Adoption Support';
const PLACE = 'Northshire Family Centre, Room 2'; // the comma is escaped in the calendar file

// ---- pages -----------------------------------------------------------------------------------

async function openRecordsRequests(page) {
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Records requests' }));
  assert.equal(await heading(page), 'Records requests');
  await assertAccessible(page, 'records requests');
}

/** The rows of "Your tasks" for this test's applicant, as text. */
async function tasksFor(page) {
  const table = page.locator('#tasks + table');
  if ((await table.count()) === 0) return [];
  return (await table.getByRole('row').filter({ hasText: APPLICANT }).allInnerTexts()).map((t) => t.trim());
}

/** Follows the inbox task `label` for this test's applicant. */
async function openTask(page, label) {
  const row = page.locator('#tasks + table').getByRole('row').filter({ hasText: APPLICANT });
  await clickAndLoad(page, row.getByRole('link', { name: label, exact: true }));
  assert.equal(await heading(page), APPLICANT);
}

/** Takes one step of "What happens next", filling its text box (`label`) when given. */
async function step(page, button, fill = undefined) {
  const form = formWith(page, button);
  assert.equal(await form.count(), 1, `one form with the button "${button}" on ${page.url()}`);
  if (fill) await form.getByLabel(fill.label, { exact: true }).fill(fill.text);
  await clickAndLoad(page, form.getByRole('button', { name: button, exact: true }));
}

const main = (page) => page.getByRole('main').innerText();

/** The state tag(s) under the heading: "Closed Read-only", for example. */
const standing = async (page) => (await page.locator('#request').innerText()).trim();

const notice = /Done\. The request's history shows the step\./;

test('a records request goes from intake to closure across business support, the team manager and the social worker', async () => {
  const page = await kinlink.newPage();
  const today = ukToday();

  // 1. Business support records the request.
  await signInAs(page, SUPPORT);
  await openRecordsRequests(page);
  await clickAndLoad(page, page.getByRole('link', { name: 'Record a new request' }));
  assert.equal(await heading(page), 'Record a request for access to adoption records');
  await assertAccessible(page, 'the intake form');

  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Record the request' }) });
  const typed = {
    'Full name': APPLICANT,
    'E-mail address': 'rowan.test-applicant@example.invalid',
    'Date identity was checked': today,
    "The adopted person's name at birth": 'Rowan Birth-Name',
    "The adopted person's date of birth": BORN,
    'Date of the adoption order': ADOPTED,
    'Court that made the order': 'Northshire County Court',
    'Agency that arranged the adoption': 'Northshire County Council Children\'s Department',
    'Adoption case record reference': 'NS-TEST-1971-01',
    'Date it arrived': today,
  };
  await form.getByLabel('An adopted adult', { exact: true }).check();
  // Born on 1 January seventeen years ago: 17 on every day of this year.
  const seventeen = `${Number(today.slice(0, 4)) - 17}-01-01`;
  await form.getByLabel('Date of birth', { exact: true }).fill(seventeen);
  await form.getByLabel('E-mail', { exact: true }).check();
  for (const [label, value] of Object.entries(typed)) await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByLabel('How identity was checked').selectOption({ label: 'Passport or photo driving licence, seen' });
  await form.getByLabel('How the request arrived').selectOption({ label: 'Letter' });
  await clickAndLoad(page, form.getByRole('button', { name: 'Record the request' }));

  // Refused: the error summary names the rule, and everything typed is still there.
  assert.equal(await heading(page), 'Record a request for access to adoption records');
  const summary = await page.getByRole('alert').innerText();
  assert.match(summary, /There is a problem/);
  assert.match(summary, /18 or over/);
  await assertAccessible(page, 'the intake form with an under-18 applicant');
  assert.equal(await form.getByLabel('Date of birth', { exact: true }).inputValue(), seventeen);
  for (const [label, value] of Object.entries(typed)) {
    assert.equal(await form.getByLabel(label, { exact: true }).inputValue(), value, `${label} is kept`);
  }
  assert.ok(await form.getByLabel('An adopted adult', { exact: true }).isChecked());
  assert.ok(await form.getByLabel('E-mail', { exact: true }).isChecked());
  assert.equal(await form.getByLabel('How identity was checked').inputValue(), 'photo_id');
  assert.equal(await form.getByLabel('How the request arrived').inputValue(), 'letter');

  await form.getByLabel('Date of birth', { exact: true }).fill(BORN);
  await clickAndLoad(page, form.getByRole('button', { name: 'Record the request' }));
  assert.equal(await heading(page), APPLICANT);
  const requestPath = new URL(page.url()).pathname;
  assert.match(requestPath, /^\/records\/\d+$/);
  await assertAccessible(page, 'the new request');
  const recorded = await main(page);
  assert.match(recorded, /The request has been recorded/);
  assert.match(recorded, /Adopted before 12 November 1975/);
  assert.match(recorded, /Schedule 2 counselling interview must be attended before any birth-record information is given/);
  assert.match(await standing(page), /^Received/);

  await step(page, 'Send to the team manager for approval');
  assert.match(await main(page), notice);
  assert.match(await standing(page), /Awaiting manager approval/);
  await assertAccessible(page, 'the request, sent for approval');
  await signOut(page);

  // 2. The team manager approves, allocates and authorises access.
  await signInAs(page, MANAGER);
  await openRecordsRequests(page);
  assert.ok((await tasksFor(page)).some((t) => t.includes('Approve or decline the request')),
    'the manager has the approval task for this applicant');
  await openTask(page, 'Approve or decline the request');
  await assertAccessible(page, 'the request, for the manager to approve');

  await step(page, 'Approve the request');
  assert.match(await standing(page), /^Approved/);
  await assertAccessible(page, 'the approved request');

  const allocate = formWith(page, 'Allocate');
  await allocate.getByLabel('Social worker', { exact: true }).selectOption({ label: WORKER_NAME });
  await clickAndLoad(page, allocate.getByRole('button', { name: 'Allocate', exact: true }));
  assert.match(await standing(page), /Social worker allocated/);
  assert.match(await main(page), new RegExp(`Social worker\\s+${WORKER_NAME}`));
  await assertAccessible(page, 'the allocated request');

  await step(page, 'Authorise access to the locked record',
    { label: 'Reason', text: 'Approved request; the allocated worker prepares counselling.' });
  assert.match(await standing(page), /Locked-record access authorised/);
  await assertAccessible(page, 'the request with access authorised');
  await signOut(page);

  // 3. Business support gives archive access.
  await signInAs(page, SUPPORT);
  await openRecordsRequests(page);
  assert.ok((await tasksFor(page)).some((t) => t.includes('Give the worker archive access')));
  await openTask(page, 'Give the worker archive access');
  await assertAccessible(page, 'the request, for business support to give archive access');
  await step(page, 'Archive access given', { label: 'Reason', text: 'Archive file NS-TEST-1971-01 opened to the worker.' });
  assert.match(await standing(page), /Archive access granted/);
  await assertAccessible(page, 'the request with archive access given');
  await signOut(page);

  // 4. The social worker.
  await signInAs(page, WORKER);
  await openRecordsRequests(page);
  await clickAndLoad(page, page.locator('#requests + table').getByRole('link', { name: APPLICANT, exact: true }));
  assert.equal(new URL(page.url()).pathname, requestPath);
  await assertAccessible(page, 'the request, for the social worker');

  // The locked record, whose reading is logged.
  await clickAndLoad(page, page.getByRole('link', { name: 'Open the locked record', exact: true }));
  assert.match(await heading(page), /Adoption case record/);
  assert.match(await main(page), /Your reading of it has been logged/);
  await assertAccessible(page, 'the locked record');
  await clickAndLoad(page, page.getByRole('link', { name: 'Back to the request' }));
  assert.equal(new URL(page.url()).pathname, requestPath);

  // A counselling appointment next week, and its calendar file.
  const appointmentOn = addDays(today, 7);
  await page.getByText('Arrange a counselling appointment', { exact: true }).click();
  const arrange = formWith(page, 'Arrange appointment');
  await arrange.getByLabel('Date', { exact: true }).fill(appointmentOn);
  await arrange.getByLabel('Time', { exact: true }).fill('10:30');
  await arrange.getByLabel('Length in minutes', { exact: true }).fill('60');
  await arrange.getByLabel('In person', { exact: true }).check();
  await arrange.getByLabel('Where', { exact: true }).fill(PLACE);
  await arrange.getByLabel('Counsellor', { exact: true }).fill(WORKER_NAME);
  await clickAndLoad(page, arrange.getByRole('button', { name: 'Arrange appointment' }));
  assert.match(await main(page), /The appointment has been arranged/);
  assert.match(await standing(page), /^Counselling/);
  const appointments = page.locator('#counselling + table');
  assert.match(await appointments.innerText(), /10:30am (GMT|BST) \(60 minutes\)/);
  await assertAccessible(page, 'the request with an appointment');

  const calendarLink = appointments.getByRole('link', { name: /^Calendar file/ });
  const href = await calendarLink.getAttribute('href');
  assert.match(href, new RegExp(`^${requestPath}/appointments/\\d+/invitation\\.ics$`));
  const response = await page.request.get(href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/calendar/);
  const calendar = new ICAL.Component(ICAL.parse(await response.text()));
  const vevents = calendar.getAllSubcomponents('vevent');
  assert.equal(vevents.length, 1);
  const event = new ICAL.Event(vevents[0]);
  assert.equal(event.summary, 'Counselling appointment');
  assert.equal(event.startDate.toJSDate().toISOString(), ukMoment(appointmentOn, '10:30').toISOString(),
    `the appointment starts at 10:30 UK time on ${appointmentOn}`);
  assert.equal(event.duration.toSeconds(), 60 * 60);
  assert.equal(event.location, PLACE, "a calendar's location is where to go");

  // Birth-record information cannot go to an external service before a Schedule 2 session.
  async function recordReferral() {
    await page.getByText('Record a referral to an external adoption service', { exact: true }).click();
    const referral = formWith(page, 'Record the referral');
    await referral.getByLabel('Organisation', { exact: true }).fill(ORGANISATION);
    await referral.getByLabel('Date of the referral', { exact: true }).fill(today);
    await referral.getByLabel('Reason for the referral', { exact: true }).fill('Rowan wants support from an independent service.');
    await referral.getByLabel('What was shared with them', { exact: true }).fill(SHARED);
    await referral.getByLabel('What was shared includes birth-record information', { exact: true }).check();
    await referral.getByLabel('Their confidentiality agreement has been received', { exact: true }).check();
    await clickAndLoad(page, referral.getByRole('button', { name: 'Record the referral' }));
  }
  await recordReferral();
  assert.match(await page.getByRole('alert').innerText(), /Schedule 2/);
  await assertAccessible(page, 'the referral refused before counselling');
  assert.equal((await page.locator('#referrals + p').innerText()).trim(), 'None recorded.');
  assert.doesNotMatch(await main(page), new RegExp(ORGANISATION));
  assert.match(await standing(page), /^Counselling/);

  // The session, attended and signed.
  await page.goto(requestPath);
  await assertAccessible(page, 'the request, after the refused referral');
  await page.getByText('Record a counselling session', { exact: true }).click();
  const session = formWith(page, 'Sign and save the session record');
  await session.getByLabel('Date of the session', { exact: true }).fill(today);
  await session.getByLabel('Yes', { exact: true }).check();
  await session.getByLabel('Facts', { exact: true }).fill(FACTS);
  await session.getByLabel(/^I confirm this record is accurate/).check();
  await clickAndLoad(page, session.getByRole('button', { name: 'Sign and save the session record' }));
  assert.match(await main(page), /The session record has been signed and saved/);
  assert.match(await main(page), new RegExp(FACTS.slice(0, 40)));
  await assertAccessible(page, 'the request with a counselling session');

  // Now the referral, with the birth-record information, is recorded.
  await recordReferral();
  assert.match(await main(page), /The referral has been recorded/);
  assert.match(await standing(page), /Referral recorded/);
  assert.match(await page.locator('#referrals ~ .govuk-inset-text').first().innerText(), new RegExp(`Referred to ${ORGANISATION}`));
  await assertAccessible(page, 'the request with a referral');

  await step(page, "Supporting the external service's access");
  assert.match(await standing(page), /Supporting external access/);
  await assertAccessible(page, 'the request, supporting external access');

  await step(page, 'Close the case', { label: 'Closing summary', text: 'Counselled; the external service supports Rowan from here.' });
  const closed = await standing(page);
  assert.match(closed, /^Closed/);
  assert.match(closed, /Read-only/);
  assert.equal(await page.locator('#next').count(), 0, 'a closed case offers no steps');
  await assertAccessible(page, 'the closed request');
  await signOut(page);

  // 5. The team manager sees who read the locked record, and that every grant was revoked.
  await signInAs(page, MANAGER);
  await openRecordsRequests(page);
  await clickAndLoad(page, page.locator('#requests + table').getByRole('link', { name: APPLICANT, exact: true }));
  assert.equal(new URL(page.url()).pathname, requestPath);
  await assertAccessible(page, 'the closed request, for the manager');
  const grants = page.locator('#grants + table tbody').getByRole('row');
  assert.equal(await grants.count(), 2, 'the locked-record grant and the archive grant');
  for (const row of await grants.all()) {
    const text = await row.innerText();
    assert.match(text, new RegExp(WORKER_NAME));
    assert.match(text, /Revoked/);
  }
  await clickAndLoad(page, page.getByRole('link', { name: 'Who has read the locked record' }));
  assert.equal(await heading(page), 'Who has read the locked record');
  await assertAccessible(page, 'the locked record\'s view log');
  const readings = await page.getByRole('table').getByRole('row').filter({ hasText: WORKER_NAME }).allInnerTexts();
  assert.ok(readings.some((r) => /Locked record/.test(r) && /\bRead\b/.test(r)),
    `the worker's reading is listed: ${JSON.stringify(readings)}`);
  await signOut(page);

  // 6. Business support confirms archive access is closed; the task leaves the inbox. The
  // session's facts are casework, never shown to business support.
  await signInAs(page, SUPPORT);
  await openRecordsRequests(page);
  assert.ok((await tasksFor(page)).some((t) => t.includes('Close archive access and confirm')));
  await openTask(page, 'Close archive access and confirm');
  await assertAccessible(page, 'the closed request, for business support');
  assert.doesNotMatch(await main(page), new RegExp(FACTS.slice(0, 40)), 'business support does not see the session');
  assert.doesNotMatch(await page.content(), new RegExp(FACTS.slice(0, 40)), 'not even hidden in the page');
  await clickAndLoad(page, page.getByRole('button', { name: 'Archive access is closed' }));
  assert.equal(new URL(page.url()).pathname, requestPath);
  assert.match(await main(page), /archive access is recorded as closed/);
  assert.equal(await page.getByRole('button', { name: 'Archive access is closed' }).count(), 0);
  assert.doesNotMatch(await page.content(), new RegExp(FACTS.slice(0, 40)));
  await assertAccessible(page, 'the request with archive access closed');
  await openRecordsRequests(page);
  assert.deepEqual(await tasksFor(page), [], 'nothing waits for business support on this request');
  await page.context().close();
});
