// An agency administrator makes an API token for their case system, which then reads the API
// as their agency; once revoked in the page, the same token is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENCY_ADMIN, DEMO_PASSWORD, assertAccessible, clickAndLoad, heading, signIn, useKinlink } from './kinlink.mjs';

const kinlink = useKinlink();

function getAgency(token) {
  return fetch(new URL('api/v1/agency', kinlink.url), { headers: { Authorization: `Bearer ${token}` } });
}

test('an API token works until it is revoked', async () => {
  const page = await kinlink.newPage();
  await page.goto('/sign-in');
  await signIn(page, AGENCY_ADMIN.email, DEMO_PASSWORD);
  await clickAndLoad(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'API tokens' }));
  assert.equal(await heading(page), 'API tokens');
  await assertAccessible(page, 'the API tokens page');

  await page.getByLabel('Name', { exact: true }).fill('Case management system');
  await clickAndLoad(page, page.getByRole('button', { name: 'Create token' }));
  assert.equal(await page.getByRole('heading', { name: 'Token created' }).count(), 1);
  // The whole token: the list of tokens shows only its first characters, ending in "…".
  const whole = page.getByRole('main').getByText(/^klk_[A-Za-z0-9_-]+$/);
  assert.equal(await whole.count(), 1, 'the new token is shown');
  const token = (await whole.innerText()).trim();
  const row = page.getByRole('row').filter({ hasText: 'Case management system' });
  assert.equal(await row.count(), 1, 'the token is listed');
  assert.ok(token.startsWith((await row.getByRole('cell').nth(1).innerText()).replace('…', '').trim()),
    'the list shows how the token starts');
  await assertAccessible(page, 'the API tokens page with a new token');

  await page.goto('/admin/api-tokens');
  assert.equal(await page.getByRole('main').getByText(/^klk_[A-Za-z0-9_-]+$/).count(), 0, 'the token is shown only once');

  const allowed = await getAgency(token);
  assert.equal(allowed.status, 200);
  const agency = await allowed.json();
  assert.equal(agency.name, 'Northshire Council');

  await clickAndLoad(page, row.getByRole('button', { name: 'Revoke Case management system' }));
  assert.equal(new URL(page.url()).pathname, '/admin/api-tokens');
  assert.ok((await page.getByRole('alert').innerText()).includes('The token has been revoked'),
    'a success banner says the token was revoked');
  assert.match(await row.innerText(), /Revoked/);
  assert.equal(await row.getByRole('button').count(), 0, 'a revoked token cannot be revoked again');
  await assertAccessible(page, 'the API tokens page after revoking');

  const refused = await getAgency(token);
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await refused.json()).code, 'unauthenticated');
  await page.context().close();
});
