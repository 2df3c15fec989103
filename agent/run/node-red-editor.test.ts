// The Node-RED editor in headless Chromium: it asks for a login, refuses a wrong password, and shows the
// technician the xacminh nodes in the palette; the admin API without a token answers 401.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../ui/test-helpers.ts';
import { DemoCustomers } from './demo.ts';
import { flowsAgent } from './node-red-test-support.ts';

const test = suite('node-red: the editor behind the technician login');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-node-red-editor-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('login asked, wrong password refused, the technician sees the xacminh nodes; no token: 401', async () => {
  const { agent } = await flowsAgent(join(dir, 'editor'), await DemoCustomers.create(), {});
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    const url = await agent.nodeRed!.runtime.whenReady(60_000);
    for (const path of ['flows', 'nodes', 'settings/user', 'credentials/xacminh-webhook/hook']) {
      assert.is((await fetch(`${url}${path}`)).status, 401, `GET /${path} without a token`);
    }
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(url);
    const username = page.locator('#node-dialog-login-username');
    await username.waitFor({ timeout: 30_000 });
    await username.fill('demo-technician');
    await page.locator('#node-dialog-login-password').fill('not-the-password');
    await page.locator('#node-dialog-login-submit').click();
    await page.locator('#node-dialog-login-failed').waitFor({ state: 'visible', timeout: 30_000 });
    assert.is(await page.locator('.red-ui-palette-node[data-palette-type="xacminh-verification"]').count(), 0, 'nothing of the editor before a login');

    await page.locator('#node-dialog-login-password').fill(agent.nodeRed!.firstAccount!.password);
    await page.locator('#node-dialog-login-submit').click();
    for (const type of ['xacminh-verification', 'xacminh-indicator', 'xacminh-status', 'xacminh-webhook']) {
      await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).first().waitFor({ state: 'attached', timeout: 60_000 });
    }
    for (const excluded of ['exec', 'file', 'watch', 'tcp in', 'udp in']) {
      assert.is(await page.locator(`.red-ui-palette-node[data-palette-type="${excluded}"]`).count(), 0, `${excluded} is not in the palette`);
    }
  } finally {
    await browser?.close();
    await agent.stop();
  }
});

test.run();
