// Every demo person signs in, sees a dashboard that is theirs and a navigation with exactly
// what their role may use, can open each of those pages and their account, and signs out.
// Every page they see passes axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD, DEMO_USERS, assertAccessible, clickAndLoad, heading, navigation, signIn, signOut, useKinlink,
} from './kinlink.mjs';

const kinlink = useKinlink();

for (const user of DEMO_USERS) {
  test(`${user.role} ${user.email} signs in, uses each page in their navigation and signs out`, async () => {
    const page = await kinlink.newPage();

    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'someone not signed in is sent to sign in');
    await signIn(page, user.email, DEMO_PASSWORD);

    assert.equal(new URL(page.url()).pathname, '/');
    const firstName = user.name.split(' ')[0];
    assert.equal(await heading(page), `Welcome, ${firstName}`);
    const main = page.getByRole('main');
    assert.equal(await main.getByText(`${user.role}, ${user.agency}`, { exact: true }).count(), 1,
      'the caption above the heading names their role and agency');
    const header = await page.getByRole('banner').innerText();
    assert.match(header, new RegExp(`\\b${user.name}\\b`), 'the header shows who is signed in');
    assert.deepEqual(await navigation(page), user.nav);
    await assertAccessible(page, `the dashboard of ${user.email}`);

    const menu = page.getByRole('navigation', { name: 'Menu' });
    for (const label of user.nav.slice(1)) {
      await clickAndLoad(page, menu.getByRole('link', { name: label, exact: true }));
      const current = menu.locator('[aria-current="page"]');
      assert.equal((await current.innerText()).trim(), label, `"${label}" is marked as the current page`);
      assert.equal(await heading(page), user.headings?.[label] ?? label, `"${label}" opens its page for a ${user.role}`);
      assert.match(await page.title(), /^(?!Error: ).+ – Kinlink$/);
      await assertAccessible(page, `${label} for ${user.email}`);
    }

    await clickAndLoad(page, page.getByRole('banner').getByRole('link', { name: 'Your account' }));
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal(await heading(page), 'Your account');
    const account = await main.innerText();
    for (const shown of [user.name, user.email, user.role, user.agency]) {
      assert.ok(account.includes(shown), `the account page shows ${shown}`);
    }
    await assertAccessible(page, `the account page of ${user.email}`);

    await signOut(page);
    await assertAccessible(page, 'the sign-in page after signing out');
    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'after signing out the dashboard needs a sign-in again');
    await page.context().close();
  });
}
