// A link across three people: Northshire's family finder asks to explore a link between one of
// Northshire's children and the demo family, after the "genuine placement option?" page; the
// family's social worker at Southvale takes it forward and shares their report with the family;
// Robin, the adopter, downloads it; the child's social worker closes the link with feedback;
// Robin reads why. Every page on the way passes axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertAccessible, clickAndLoad, heading, signInAs, signOut, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

const FINDER = 'family.finder@northshire.example';
const FAMILY_WORKER = 'social.worker@southvale.example';
const ADOPTER = 'adopter@southvale.example';
const CHILD_WORKER = 'social.worker@northshire.example';
const FAMILY = 'Robin and Kit Ashdown';
const NOTE = 'Their approval covers her needs and they love the outdoors, as she does.';
const FEEDBACK = 'Her brother has just been placed nearby, so we need a family further away. Thank you.';
// A tiny real PDF whose text marks it as this test's.
const REPORT = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% Prospective Adopter\'s Report (browser test)\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test('a link is asked for, explored with a shared report, and closed with feedback the family reads', async () => {
  const page = await kinlink.newPage();

  // 1. The family finder opens the demo family from a link the demo already has with them.
  await signInAs(page, FINDER);
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Links' }));
  assert.equal(await heading(page), 'Links');
  await assertAccessible(page);
  await clickAndLoad(page, page.locator('#waiting-for-others + table').getByRole('link').first());
  await clickAndLoad(page, page.getByRole('link', { name: FAMILY, exact: true }));
  assert.equal(await heading(page), 'Robin Ashdown and Kit Ashdown');
  await assertAccessible(page, 'the family, seen by a family finder');

  // Choose a child without an open link with this family: the last one listed.
  const select = page.getByLabel('Child or children', { exact: true });
  const options = await select.locator('option').allInnerTexts();
  const child = options[options.length - 1].trim();
  await select.selectOption({ label: child });
  await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
  assert.equal(await heading(page), 'Is this a genuine placement option?');
  await assertAccessible(page, 'the confirmation page');
  assert.ok(await page.getByRole('table').filter({ hasText: 'Number of children' }).isVisible());

  // Without ticking the confirmation: the error summary, what was typed kept.
  await page.getByLabel('Why could this be right?').fill(NOTE);
  await clickAndLoad(page, page.getByRole('button', { name: 'Ask to explore this link' }));
  assert.match(await page.getByRole('alert').innerText(), /Confirm that this is a genuine placement option/);
  assert.equal(await page.getByLabel('Why could this be right?').inputValue(), NOTE);
  await assertAccessible(page, 'the confirmation page with an error');
  await page.getByLabel(/genuine placement option/).check();
  await clickAndLoad(page, page.getByRole('button', { name: 'Ask to explore this link' }));
  assert.equal(await heading(page), `${child} with ${FAMILY}`);
  assert.match(await page.getByRole('main').innerText(), /Your request has been sent/);
  await assertAccessible(page, 'the new link');
  const linkPath = new URL(page.url()).pathname;
  await signOut(page);

  // 2. The family's worker finds it waiting for them, takes it forward, adds and shares a report.
  await signInAs(page, FAMILY_WORKER);
  const waiting = page.locator('#links-waiting-for-you + ul');
  await clickAndLoad(page, waiting.getByRole('link', { name: `${child} with ${FAMILY}` }));
  await assertAccessible(page, 'the link, for the family\'s worker');
  await clickAndLoad(page, page.getByRole('button', { name: "Explore this link with the child's agency" }));
  assert.match(await page.getByRole('main').innerText(), /Exploring/);
  await page.getByText('Add a document').click();
  await page.getByLabel('What it is').selectOption({ label: "Prospective Adopter's Report" });
  await page.getByLabel('Title', { exact: true }).fill("Prospective Adopter's Report");
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'par.pdf', mimeType: 'application/pdf', buffer: REPORT });
  await clickAndLoad(page, page.getByRole('button', { name: 'Upload document' }));
  assert.match(await page.getByRole('main').innerText(), /The document has been added, encrypted/);
  await clickAndLoad(page, page.getByRole('button', { name: /Share with the adopters/ }));
  assert.match(await page.getByRole('main').innerText(), /The adopters can now read the document/);
  await assertAccessible(page, 'the link with a shared document');
  await signOut(page);

  // 3. Robin reads the report.
  await signInAs(page, ADOPTER);
  await page.goto(linkPath);
  await assertAccessible(page, 'the link, for the adopter');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: "Prospective Adopter's Report" }).click();
  const file = await download;
  const stream = await file.createReadStream();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(Buffer.concat(chunks), REPORT, 'Robin downloads the very report');
  await signOut(page);

  // 4. The child's worker closes the link with a reason and feedback.
  await signInAs(page, CHILD_WORKER);
  await page.goto(linkPath);
  await page.getByText('Withdraw from this link').click();
  await page.getByLabel('Reason').selectOption({ label: "The child's plan has changed" });
  await clickAndLoad(page, page.getByRole('button', { name: 'Close the link' }));
  assert.match(await page.getByRole('alert').innerText(), /Written feedback is needed/);
  await assertAccessible(page, 'closing without feedback');
  await page.getByLabel('Reason').selectOption({ label: "The child's plan has changed" });
  await page.getByLabel('Feedback for the other side').fill(FEEDBACK);
  await clickAndLoad(page, page.getByRole('button', { name: 'Close the link' }));
  assert.match(await page.getByRole('main').innerText(), /This link has closed: withdrawn/);
  await signOut(page);

  // 5. Robin reads why, and the report is no longer available.
  await signInAs(page, ADOPTER);
  await clickAndLoad(page, page.getByRole('banner').getByRole('link', { name: /Notifications/ }));
  await assertAccessible(page, 'notifications');
  assert.match(await page.getByRole('main').innerText(), /A link has closed/);
  await page.goto(linkPath);
  const feedback = page.locator('#feedback');
  assert.match(await feedback.innerText(), /The child's plan has changed/);
  assert.match(await feedback.innerText(), new RegExp(FEEDBACK.slice(0, 40)));
  assert.equal(await page.getByRole('link', { name: "Prospective Adopter's Report" }).count(), 0);
  await assertAccessible(page, 'the closed link, for the adopter');
  await page.context().close();
});
