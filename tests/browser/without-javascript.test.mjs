// Kinlink's pages are HTML forms and links: with JavaScript turned off, a person can still
// sign in, move around and sign out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENCY_ADMIN, DEMO_PASSWORD, clickAndLoad, heading, navigation, signIn, signOut, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

test('signing in, using the navigation and signing out work without JavaScript', async () => {
  const page = await kinlink.newPage({ javaScriptEnabled: false });

  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  assert.deepEqual(await page.getByRole('alert').getByRole('link').allInnerTexts(),
    ['Enter your email address', 'Enter your password'], 'errors are shown without JavaScript too');

  await signIn(page, AGENCY_ADMIN.email, DEMO_PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await heading(page), 'Welcome, Priya');
  assert.deepEqual(await navigation(page), AGENCY_ADMIN.nav);

  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Users', exact: true }));
  assert.equal(await heading(page), 'Users');

  await signOut(page);
  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out for real');
  await page.context().close();
});
