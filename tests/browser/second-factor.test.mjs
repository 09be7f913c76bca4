// A team manager sets up an authenticator app by reading the key from the page, signs out, and
// signs back in with a code; then their administrator resets a forgotten password. Every page
// on the way is checked for accessibility.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  AGENCY_ADMIN, DEMO_PASSWORD, assertAccessible, clickAndLoad, heading, signIn, signOut, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

/** RFC 4648 base32, as the page shows the key (in groups of four). */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/\s+/g, '').toUpperCase()) {
    const value = alphabet.indexOf(ch);
    assert.ok(value >= 0, `not base32: ${ch}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app would show now (RFC 6238: SHA-1, 6 digits, 30 s). */
function totp(key, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

test('a team manager sets up an authenticator and signs in with a code', async () => {
  const page = await kinlink.newPage();
  await page.goto('/');
  await signIn(page, 'team.manager@northshire.example', DEMO_PASSWORD);
  await clickAndLoad(page, page.getByRole('link', { name: 'Set up an authenticator app' }));
  assert.equal(await heading(page), 'Set up an authenticator app');
  assert.equal(await page.getByRole('img', { name: 'QR code for your authenticator app' }).count(), 1);
  await assertAccessible(page, 'the authenticator set-up page');

  await clickAndLoad(page, page.getByRole('button', { name: 'Turn on' }));
  assert.deepEqual(await page.getByRole('alert').getByRole('link').allInnerTexts(),
    ['Enter the 6-digit code from your authenticator app']);
  await assertAccessible(page, 'the set-up page with an error');

  const key = base32Decode(await page.locator('.kinlink-secret').innerText());
  await page.getByLabel('6-digit code').fill(totp(key));
  await clickAndLoad(page, page.getByRole('button', { name: 'Turn on' }));
  assert.equal(await heading(page), 'Your account');
  assert.ok((await page.getByRole('alert').innerText()).includes('Your authenticator app is set up'));
  await assertAccessible(page, 'the account page after set-up');
  await signOut(page);

  await signIn(page, 'team.manager@northshire.example', DEMO_PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/sign-in/code');
  assert.equal(await heading(page), 'Enter the code from your authenticator app');
  await assertAccessible(page, 'the code page');
  // The code just used to turn it on cannot be used again; the next one can.
  await page.getByLabel('6-digit code').fill(totp(key, Date.now() + 30_000));
  await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
  assert.equal(await heading(page), 'Welcome, Morgan');
  await page.context().close();
});

test('an administrator resets a forgotten password', async () => {
  const page = await kinlink.newPage();
  await page.goto('/');
  await signIn(page, AGENCY_ADMIN.email, DEMO_PASSWORD);
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Users', exact: true }));
  await clickAndLoad(page, page.getByRole('table').getByRole('link', { name: 'Casey Lindqvist' }));
  assert.equal(await heading(page), 'Casey Lindqvist');
  await assertAccessible(page, 'a user\'s page');
  await clickAndLoad(page, page.getByRole('button', { name: 'Reset password' }));
  assert.equal(await heading(page), 'Password reset');
  const password = (await page.getByRole('main').getByText(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/).innerText()).trim();
  await assertAccessible(page, 'the password-reset page');
  await signOut(page);

  await signIn(page, 'family.finder@northshire.example', password);
  assert.equal(await heading(page), 'Change your password');
  await page.context().close();
});
