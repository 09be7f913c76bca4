// An agency administrator adds a colleague, passes on the first password shown once, and the
// colleague signs in with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENCY_ADMIN, DEMO_PASSWORD, assertAccessible, clickAndLoad, heading, signIn, signOut, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

test('an agency administrator adds a user, who signs in with the first password and replaces it', async () => {
  const page = await kinlink.newPage();
  await page.goto('/sign-in');
  await signIn(page, AGENCY_ADMIN.email, DEMO_PASSWORD);
  assert.equal(await heading(page), 'Welcome, Priya');

  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Users', exact: true }));
  assert.equal(await heading(page), 'Users');
  const table = page.getByRole('table');
  assert.equal(await table.getByRole('link', { name: 'Morgan Hale' }).count(), 1, 'the agency\'s users are listed');
  await assertAccessible(page, 'the users page');

  await clickAndLoad(page, page.getByRole('button', { name: 'Add a user' }));
  assert.equal(await heading(page), 'Add a user');
  await assertAccessible(page, 'the add-a-user page');

  await clickAndLoad(page, page.getByRole('button', { name: 'Add user', exact: true }));
  assert.equal(await heading(page), 'Add a user');
  assert.equal(await page.title(), 'Error: Add a user – Kinlink');
  const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) });
  assert.deepEqual((await summary.getByRole('link').allInnerTexts()).map((t) => t.trim()), [
    'Enter the person\'s full name',
    'Enter an email address',
    'Choose a role',
  ]);
  await assertAccessible(page, 'the add-a-user page with errors');

  await page.getByLabel('Full name', { exact: true }).fill('Taylor Brook');
  await page.getByLabel('Email address', { exact: true }).fill('taylor.brook@northshire.example');
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Social worker' });
  await clickAndLoad(page, page.getByRole('button', { name: 'Add user', exact: true }));

  assert.equal(await heading(page), 'User added');
  assert.ok((await page.getByRole('main').innerText()).includes('Taylor Brook can now sign in as Social worker'));
  // Four groups of five letters and digits, shown once for the administrator to pass on.
  const shown = page.getByRole('main').getByText(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
  assert.equal(await shown.count(), 1, 'the first password is shown');
  const password = (await shown.innerText()).trim();
  await assertAccessible(page, 'the user-added page');

  await clickAndLoad(page, page.getByRole('link', { name: 'Back to users' }));
  assert.equal(await page.getByRole('table').getByRole('link', { name: 'Taylor Brook' }).count(), 1,
    'the new user is listed');
  await signOut(page);

  await signIn(page, 'taylor.brook@northshire.example', password);
  // A password someone else chose is replaced before anything else.
  assert.equal(new URL(page.url()).pathname, '/account/password');
  assert.equal(await heading(page), 'Change your password');
  assert.ok((await page.getByRole('main').innerText()).includes('a password someone else chose for you'));
  await assertAccessible(page, 'the required password change');
  await page.getByLabel('Current password', { exact: true }).fill(password);
  await page.getByLabel('New password', { exact: true }).fill('kettle lantern orchard');
  await page.getByLabel('Confirm new password', { exact: true }).fill('kettle lantern orchard');
  await clickAndLoad(page, page.getByRole('button', { name: 'Change password', exact: true }));
  assert.equal(await heading(page), 'Your account');
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Dashboard' }));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await heading(page), 'Welcome, Taylor');
  assert.equal(await page.getByRole('main').getByText('Social worker, Northshire Council', { exact: true }).count(), 1);
  assert.match(await page.getByRole('banner').innerText(), /Taylor Brook/);
  await assertAccessible(page, 'the new user\'s dashboard');
  await page.context().close();
});
