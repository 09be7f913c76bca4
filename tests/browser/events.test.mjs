// An Adoption Exchange Day from setting up to what came of it, across three people: Northshire's
// family finder sets one up for today (after the form refuses a missing title and a booking
// deadline after the date), opens it for bookings and features one of Northshire's children;
// the family's social worker at Southvale books Robin and Kit's family and, the event being
// today, records their interest in the child (after being asked to confirm it is a genuine
// placement option), which becomes a link; the family finder sees the link counted, prints the
// day's lists (first names only) and downloads the calendar file (read by an independent
// iCalendar parser). Robin, the adopter, sees the demo's Exchange Day and only their own
// family's booking. Every page on the way passes axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import {
  addDays, assertAccessible, clickAndLoad, formWith, heading, signInAs, signOut, ukMoment, ukToday, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

const FINDER = 'family.finder@northshire.example';
const FAMILY_WORKER = 'social.worker@southvale.example';
const ADOPTER = 'adopter@southvale.example';

// The demo's two events (load_events in crates/kinlink/src/demo.rs).
const SPRING = 'Spring Exchange Day, Manchester';
const AUTUMN = 'Autumn Activity Day at Brookfield Farm';
// The demo family, as their agency's list of families names them.
const FAMILY = 'Robin Ashdown and Kit Ashdown';

// Synthetic text only, unique to this test.
const TITLE = 'Browser Test Exchange Day';
const VENUE = 'Northshire Family Centre, Hall 1';
const ABOUT = 'Browser test: children\'s workers bring profiles; approved adopters come to talk.';
const NOTE = 'Browser test: they talked with her worker for an hour and would like to know more.';
const STARTS = '10:00';
const ENDS = '15:00';

// ---- pages -----------------------------------------------------------------------------------

async function openEvents(page) {
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Events', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/events');
  assert.equal(await heading(page), 'Exchange and Activity Days');
  await assertAccessible(page, 'events');
}

/** The titles of the events listed in the table captioned `caption`. */
async function eventsIn(page, caption) {
  const table = page.getByRole('table', { name: caption, exact: true });
  assert.equal(await table.count(), 1, `one table "${caption}" on ${page.url()}`);
  return (await table.locator('tbody').getByRole('link').allInnerTexts()).map((t) => t.trim());
}

/**
 * Clicks `locator`, which posts a form, and waits for the page that comes back; resolves to
 * the status of the response to the post itself (before any redirect).
 */
async function submit(page, locator) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  await clickAndLoad(page, locator);
  return (await posted).status();
}

/** The event's details (the first summary list) and "What came of it" (the one after that heading). */
const details = (page) => page.locator('main .govuk-summary-list').first();
const outcomes = (page) => page.locator('main h2:text-is("What came of it") + .govuk-summary-list');

/** The value beside `key` in the summary list `list`. */
async function summaryValue(list, key) {
  const row = list.locator('.govuk-summary-list__row')
    .filter({ has: list.page().locator('dt', { hasText: new RegExp(`^\\s*${key}\\s*$`) }) });
  assert.equal(await row.count(), 1, `one summary row "${key}" on ${list.page().url()}`);
  return (await row.locator('dd').innerText()).trim();
}

/** The rows of the event's Families table, as text (none when nobody the viewer sees is booked). */
async function families(page) {
  const table = page.getByRole('table', { name: 'Families booked and waiting', exact: true });
  if ((await table.count()) === 0) return [];
  return (await table.locator('tbody').getByRole('row').allInnerTexts()).map((t) => t.trim());
}

const main = (page) => page.getByRole('main').innerText();

test('an Exchange Day is set up, booked, leads to a link on the day, and is printed and put in a calendar', async () => {
  const page = await kinlink.newPage();
  const today = ukToday();

  // 1. The family finder finds the demo's events and sets up a new one.
  await signInAs(page, FINDER);
  await openEvents(page);
  assert.ok((await eventsIn(page, 'Coming up')).includes(SPRING), 'the Spring Exchange Day is coming up');
  assert.ok((await eventsIn(page, 'Past events')).includes(AUTUMN), 'the Autumn Activity Day is past');
  assert.ok(!(await eventsIn(page, 'Past events')).includes(SPRING));
  assert.ok(!(await eventsIn(page, 'Coming up')).includes(AUTUMN));
  assert.ok(await page.getByRole('table', { name: 'Where matches began, across the Register', exact: true }).isVisible());
  const comingUp = (await eventsIn(page, 'Coming up')).length;

  await clickAndLoad(page, page.getByRole('link', { name: 'Set up an event', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/events/new');
  assert.equal(await heading(page), 'Set up an event');
  await assertAccessible(page, 'the new event form');

  const form = formWith(page, 'Save as a draft');
  const late = addDays(today, 1);
  await form.getByLabel('Adoption Exchange Day', { exact: true }).check();
  await form.getByLabel('Title', { exact: true }).fill('');
  await form.getByLabel('Date', { exact: true }).fill(today);
  await form.getByLabel('Starts at', { exact: true }).fill(STARTS);
  await form.getByLabel('Ends at', { exact: true }).fill(ENDS);
  await form.getByLabel('Venue, or how to join online', { exact: true }).fill(VENUE);
  await form.getByLabel('Region it is for', { exact: true }).selectOption({ label: 'North West' });
  await form.getByLabel('Places for families', { exact: true }).fill('2');
  await form.getByLabel('Places for children', { exact: true }).fill('4');
  await form.getByLabel('Booking deadline', { exact: true }).fill(late);
  await form.getByLabel('About the event', { exact: true }).fill(ABOUT);

  // Refused: the error summary names both problems, everything typed is still there.
  assert.equal(await submit(page, form.getByRole('button', { name: 'Save as a draft' })), 422);
  assert.equal(await heading(page), 'Set up an event');
  const summary = await page.getByRole('alert').innerText();
  assert.match(summary, /There is a problem/);
  assert.match(summary, /Enter the event's title/);
  assert.match(summary, /The booking deadline must be on or before the event's date/);
  await assertAccessible(page, 'the new event form with errors');
  assert.ok(await form.getByLabel('Adoption Exchange Day', { exact: true }).isChecked());
  assert.equal(await form.getByLabel('Date', { exact: true }).inputValue(), today);
  assert.equal(await form.getByLabel('Venue, or how to join online', { exact: true }).inputValue(), VENUE);
  assert.equal(await form.getByLabel('Places for families', { exact: true }).inputValue(), '2');
  assert.equal(await form.getByLabel('Booking deadline', { exact: true }).inputValue(), late);
  assert.equal(await form.getByLabel('About the event', { exact: true }).inputValue(), ABOUT);

  await form.getByLabel('Title', { exact: true }).fill(TITLE);
  await form.getByLabel('Booking deadline', { exact: true }).fill(today);
  await clickAndLoad(page, form.getByRole('button', { name: 'Save as a draft' }));
  const eventPath = new URL(page.url()).pathname;
  assert.match(eventPath, /^\/events\/\d+$/);
  assert.equal(await heading(page), `${TITLE} Draft`);
  assert.match(await main(page), /The event's details have been saved/);
  assert.equal((await page.locator('.govuk-caption-l').innerText()).trim(), 'Adoption Exchange Day');
  assert.equal(await page.getByRole('link', { name: 'Print the lists for the day' }).count(), 0,
    'a draft has no lists for the day');
  await assertAccessible(page, 'the new draft event');

  await clickAndLoad(page, page.getByRole('button', { name: 'Open for bookings', exact: true }));
  assert.equal(new URL(page.url()).pathname, eventPath);
  assert.equal(await heading(page), `${TITLE} Open for bookings`);
  assert.match(await main(page), /The event's status has been changed/);
  await assertAccessible(page, 'the event, open for bookings');

  // The one refused form created nothing: only this event has joined those coming up.
  await openEvents(page);
  const upcoming = await eventsIn(page, 'Coming up');
  assert.equal(upcoming.length, comingUp + 1, `one more event coming up: ${JSON.stringify(upcoming)}`);
  assert.equal(upcoming.filter((t) => t === TITLE).length, 1);
  await clickAndLoad(page, page.getByRole('table', { name: 'Coming up', exact: true }).getByRole('link', { name: TITLE, exact: true }));
  assert.equal(new URL(page.url()).pathname, eventPath);

  // 2. The family finder features one of Northshire's published children.
  const bring = page.getByLabel("Bring one of your agency's published children", { exact: true });
  assert.equal(await bring.count(), 1, `one field labelled "Bring one of your agency's published children" on ${page.url()}`);
  // The demo's links between Northshire's children and Robin and Kit's family are with the first
  // children listed (load_links in demo.rs), and a second open link between the same child and
  // family is refused: the last one listed has none.
  const offered = (await bring.locator('option').allInnerTexts()).map((t) => t.trim());
  const child = offered[offered.length - 1];
  assert.ok(child, 'there is a child to feature');
  // A sibling group takes one place for each child: "Tyler, Tommy and Finley" takes three.
  const names = child.split(/, | and /);
  await bring.selectOption({ label: child });
  await clickAndLoad(page, page.getByRole('button', { name: 'Feature the child', exact: true }));
  assert.match(await main(page), /The child is now at this event/);
  const featured = page.getByRole('table', { name: 'Children at this event', exact: true });
  assert.ok(await featured.getByRole('link', { name: child, exact: true }).isVisible(), `${child} is featured`);
  assert.equal(await summaryValue(details(page), 'Children'), `${names.length} of 4 child places taken`);
  await assertAccessible(page, 'the event with a child featured');
  await signOut(page);

  // 3. The family's social worker at Southvale books Robin and Kit's family.
  await signInAs(page, FAMILY_WORKER);
  await openEvents(page);
  await clickAndLoad(page, page.getByRole('table', { name: 'Coming up', exact: true }).getByRole('link', { name: TITLE, exact: true }));
  assert.equal(new URL(page.url()).pathname, eventPath);
  assert.equal(await heading(page), `${TITLE} Open for bookings`);
  await assertAccessible(page, "the event, for the family's worker");
  assert.equal(await page.getByRole('heading', { name: 'Running the event' }).count(), 0,
    'only the organisers run the event');
  await page.getByLabel("Book a place for one of your agency's families", { exact: true }).selectOption({ label: FAMILY });
  await clickAndLoad(page, page.getByRole('button', { name: 'Book a place', exact: true }));
  assert.match(await main(page), /The family has a place at this event/);
  const booked = await families(page);
  assert.equal(booked.length, 1, `one family booked: ${JSON.stringify(booked)}`);
  assert.match(booked[0], /^Robin and Kit\b/, 'the family, by first names');
  assert.match(booked[0], /\bBooked\b/);
  assert.equal(await summaryValue(details(page), 'Families'), '1 of 2 family places taken');
  await assertAccessible(page, 'the event with the family booked');

  // 4. The event is today: the worker records the family's interest in the child.
  assert.ok(await page.getByRole('heading', { name: 'Record interest', exact: true }).isVisible());
  const interest = formWith(page, 'Record interest');
  async function chooseInterest() {
    const family = interest.getByLabel('Family', { exact: true });
    const ours = (await family.locator('option').allInnerTexts()).map((t) => t.trim()).filter((t) => t.startsWith('Robin and Kit'));
    assert.equal(ours.length, 1, `Robin and Kit's family is offered once: ${JSON.stringify(ours)}`);
    await family.selectOption({ label: ours[0] });
    await interest.getByLabel('Is interested in', { exact: true }).selectOption({ label: child });
  }
  await chooseInterest();
  await interest.getByLabel('Why could this be right?', { exact: true }).fill(NOTE);
  assert.equal(await submit(page, interest.getByRole('button', { name: 'Record interest' })), 422);
  assert.equal(await heading(page), `${TITLE} Open for bookings`);
  assert.match(await page.getByRole('alert').innerText(), /Confirm that this is a genuine placement option/);
  // The error is on the checkbox itself, as the GOV.UK pattern has it.
  assert.match(await interest.locator('#genuine-error').innerText(), /Confirm that this is a genuine placement option/);
  assert.equal(await interest.getByLabel('Why could this be right?', { exact: true }).inputValue(), NOTE);
  await assertAccessible(page, 'recording interest without confirming');

  await chooseInterest();
  await interest.getByLabel('The family has seen the profile and this is a genuine placement option', { exact: true }).check();
  await clickAndLoad(page, interest.getByRole('button', { name: 'Record interest' }));
  assert.match(new URL(page.url()).pathname, /^\/links\/\d+$/);
  const linkHeading = await heading(page);
  assert.ok(linkHeading.startsWith(`${child} with `), `the link is about ${child}: ${linkHeading}`);
  assert.match(linkHeading, /Ashdown/);
  const link = await main(page);
  assert.match(link, /Your request has been sent/);
  assert.match(link, new RegExp(NOTE.slice(0, 40)));
  // It says where it began, and leads back to the event.
  assert.ok(await page.getByRole('link', { name: TITLE, exact: true }).isVisible(), 'the link names the event it began at');
  await assertAccessible(page, 'the link from the event');
  await signOut(page);

  // 5. The family finder sees what came of it, prints the day's lists and gets the calendar file.
  await signInAs(page, FINDER);
  await openEvents(page);
  await clickAndLoad(page, page.getByRole('table', { name: 'Coming up', exact: true }).getByRole('link', { name: TITLE, exact: true }));
  assert.equal(new URL(page.url()).pathname, eventPath);
  await assertAccessible(page, 'the event, for the organiser on the day');
  assert.equal(await summaryValue(outcomes(page), 'Links started'), '1');
  assert.equal(await summaryValue(outcomes(page), 'Families booked'), '1');
  // On the day, the organisers record who came.
  const robinsRow = page.getByRole('table', { name: 'Families booked and waiting', exact: true }).getByRole('row').filter({ hasText: 'Robin and Kit' });
  assert.ok(await robinsRow.getByRole('button', { name: /^Came/ }).isVisible());
  assert.ok(await robinsRow.getByRole('button', { name: /^Did not come/ }).isVisible());

  await clickAndLoad(page, page.getByRole('link', { name: 'Print the lists for the day' }));
  assert.equal(new URL(page.url()).pathname, `${eventPath}/print`);
  assert.equal(await heading(page), 'Lists for the day');
  await assertAccessible(page, 'the lists for the day');
  const childList = page.getByRole('table', { name: 'Children (1)', exact: true });
  assert.equal(await childList.count(), 1);
  for (const name of names) assert.match(await childList.innerText(), new RegExp(`\\b${name}\\b`));
  const familyList = page.getByRole('table', { name: 'Families (1)', exact: true });
  assert.equal(await familyList.count(), 1);
  assert.match(await familyList.innerText(), /\bRobin and Kit\b/);
  const lists = await main(page);
  assert.doesNotMatch(lists, /Ashdown/, 'no surnames on the lists');
  assert.doesNotMatch(lists, new RegExp(VENUE), 'no places on the lists');
  await clickAndLoad(page, page.getByRole('link', { name: 'Back to the event' }));
  assert.equal(new URL(page.url()).pathname, eventPath);

  const href = await page.getByRole('link', { name: 'Add this event to your calendar (.ics file)' }).getAttribute('href');
  assert.equal(href, `${eventPath}/calendar.ics`);
  const response = await page.request.get(href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/calendar/);
  const calendar = new ICAL.Component(ICAL.parse(await response.text()));
  assert.equal(calendar.getFirstPropertyValue('method'), 'PUBLISH');
  const vevents = calendar.getAllSubcomponents('vevent');
  assert.equal(vevents.length, 1);
  const event = new ICAL.Event(vevents[0]);
  assert.equal(event.summary, `Adoption Exchange Day: ${TITLE}`);
  assert.equal(event.startDate.toJSDate().toISOString(), ukMoment(today, STARTS).toISOString(),
    `the event starts at ${STARTS} UK time on ${today}`);
  assert.equal(event.endDate.toJSDate().toISOString(), ukMoment(today, ENDS).toISOString(),
    `the event ends at ${ENDS} UK time on ${today}`);
  assert.equal(event.location, VENUE);
  assert.doesNotMatch(await response.text(), /Ashdown/, 'nothing about a family in the calendar file');
  await page.context().close();
});

test("Robin sees the demo's Exchange Day and only their own family's booking", async () => {
  const page = await kinlink.newPage();
  await signInAs(page, ADOPTER);
  await openEvents(page);
  assert.ok((await eventsIn(page, 'Coming up')).includes(SPRING), 'the Spring Exchange Day is coming up');
  assert.equal(await page.getByRole('link', { name: 'Set up an event' }).count(), 0, 'adopters do not run events');
  await clickAndLoad(page, page.getByRole('table', { name: 'Coming up', exact: true }).getByRole('link', { name: SPRING, exact: true }));
  assert.equal(await heading(page), `${SPRING} Open for bookings`);
  await assertAccessible(page, 'the Spring Exchange Day, for the adopter');
  const booked = await families(page);
  assert.equal(booked.length, 1, `only Robin's family: ${JSON.stringify(booked)}`);
  assert.match(booked[0], /Robin/);
  assert.match(booked[0], /\bBooked\b/);
  assert.equal(await page.getByRole('heading', { name: 'Running the event' }).count(), 0);
  await page.context().close();
});
