// The pages someone sees before signing in: the sign-in form, its errors in the GOV.UK
// error-summary pattern, and the page for an address that does not exist.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENCY_ADMIN, assertAccessible, clickAndLoad, heading, navigation, useKinlink } from './kinlink.mjs';

const kinlink = useKinlink();

async function errorSummary(page) {
  const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) });
  assert.equal(await summary.count(), 1, 'one error summary headed "There is a problem"');
  const links = summary.getByRole('link');
  const found = [];
  for (const link of await links.all()) {
    found.push({ text: (await link.innerText()).trim(), href: await link.getAttribute('href') });
  }
  return found;
}

/** The error message GOV.UK Frontend shows with a field, as a screen reader hears it. */
async function fieldError(page, label) {
  const field = page.getByLabel(label, { exact: true });
  const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
  const ids = describedBy.split(/\s+/).filter((id) => id.endsWith('-error'));
  assert.equal(ids.length, 1, `the ${label} field is described by its error message`);
  return (await page.locator(`#${ids[0]}`).textContent()).replace(/\s+/g, ' ').trim();
}

test('the sign-in page', async () => {
  const page = await kinlink.newPage();
  const response = await page.goto('/sign-in');
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), 'Sign in – Kinlink');
  assert.equal(await heading(page), 'Sign in to Kinlink');
  assert.deepEqual(await navigation(page), [], 'no service navigation before signing in');
  assert.equal(await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).count(), 0);
  assert.equal(await page.getByLabel('Email address', { exact: true }).getAttribute('autocomplete'), 'username');
  assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('type'), 'password');
  await assertAccessible(page, 'the sign-in page');
  await page.context().close();
});

test('signing in with nothing filled in shows what to fix', async () => {
  const page = await kinlink.newPage();
  await page.goto('/sign-in');
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));

  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(await page.title(), 'Error: Sign in – Kinlink');
  assert.deepEqual(await errorSummary(page), [
    { text: 'Enter your email address', href: '#email' },
    { text: 'Enter your password', href: '#password' },
  ]);
  assert.equal(await fieldError(page, 'Email address'), 'Error: Enter your email address');
  assert.equal(await fieldError(page, 'Password'), 'Error: Enter your password');
  // GOV.UK Frontend's script moves focus to the summary so screen readers announce it.
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), true,
    'the error summary has focus');
  await assertAccessible(page, 'the sign-in page with errors');

  await page.getByRole('link', { name: 'Enter your password' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'password',
    'the error link takes you to the field');
  await page.context().close();
});

test('signing in with a wrong password says so and keeps the email address', async () => {
  const page = await kinlink.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email address', { exact: true }).fill(AGENCY_ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));

  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(await heading(page), 'Sign in to Kinlink');
  assert.equal(await page.title(), 'Error: Sign in – Kinlink');
  assert.deepEqual(await errorSummary(page), [
    { text: 'Enter a correct email address and password', href: '#email' },
  ]);
  assert.equal(await fieldError(page, 'Email address'), 'Error: Enter a correct email address and password');
  assert.equal(await page.getByLabel('Email address', { exact: true }).inputValue(), AGENCY_ADMIN.email);
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is never sent back');
  await assertAccessible(page, 'the sign-in page after a wrong password');

  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'a wrong password does not sign you in');
  await page.context().close();
});

test('an address that does not exist shows the page-not-found page', async () => {
  const page = await kinlink.newPage();
  const response = await page.goto('/no-such-page');
  assert.equal(response.status(), 404);
  assert.equal(await page.title(), 'Page not found – Kinlink');
  assert.equal(await heading(page), 'Page not found');
  const start = page.getByRole('main').getByRole('link', { name: 'Go to the start page' });
  assert.equal(await start.getAttribute('href'), '/');
  await assertAccessible(page, 'the page-not-found page');
  await page.context().close();
});
