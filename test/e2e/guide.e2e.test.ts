// One person's guide in the Agents Playground, clicked through in headless Chromium:
// pick the mail program, mark a step done, attach the contacts exported from the old
// client, preview, import into their Exchange mailbox (the Graph emulator).
// The Playground runs with the repo's .m365agentsplayground.yml, which makes its people
// the demo tenant's (Alex Wilber = alexw@contoso.edu), as `npm run dev` does.

import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startCutover, type RunningCutover } from '../../src/index';
import { clickCardButton, launchChromium, openPlaygroundPage, requireChromium, screenshot, sendText, type Chromium } from '../support/chromium';
import { googleVcf30, manyContactsVcf } from '../support/pimFixtures';
import { captureBotLog } from '../support/cutover';
import { startPlayground, type Playground } from '../support/playground';

const describeUi = requireChromium() ? describe : describe.skip;
const CONFIG = path.resolve(__dirname, '../../.m365agentsplayground.yml');
const ALEX_ID = '00000000-0000-0000-0000-0000000000a1';
const MESSAGES = '[aria-label="Message header"] >> xpath=..';

function messageWith(page: Page, text: string | RegExp): Locator {
  return page.locator(MESSAGES).filter({ has: page.locator('.ac-adaptiveCard'), hasText: text }).last();
}

describeUi('the guide in the Agents Playground (headless Chromium)', () => {
  jest.setTimeout(90_000);
  let dataDir: string;
  let cutover: RunningCutover;
  let pg: Playground;
  let browser: Chromium;
  let page: Page;
  let files: Server;
  let fileUrl: string;
  let restoreStdout: (() => void) | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-e2e-guide-'));
    // The bot's JSON log stays out of jest's output.
    restoreStdout = captureBotLog().release;
    const vcf = Buffer.concat([googleVcf30(), manyContactsVcf(10)]);
    files = createServer((_req, res) => res.end(vcf));
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    fileUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/contacts.vcf`;
    cutover = await startCutover({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', LIVE_CARD_INTERVAL_MS: '500' });
    pg = await startPlayground({ botUrl: cutover.botUrl, configPath: CONFIG });
    browser = await launchChromium({ viewport: { width: 1280, height: 1400 } });
    page = browser.page;
    await openPlaygroundPage(page, pg.url);
  });

  afterAll(async () => {
    await browser?.close();
    await pg?.stop();
    await cutover?.close();
    await new Promise((r) => files?.close(r));
    restoreStdout?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('picks the mail program, marks a step done, and imports the attached contacts', async () => {
    await sendText(page, 'guide');
    const pick = messageWith(page, /Which mail program do you use\?/);
    await pick.waitFor({ timeout: 10_000 });

    await clickCardButton(page, 'Outlook for Windows (classic)');
    const step1 = messageWith(page, /step 1 of 5/);
    await step1.waitFor({ timeout: 10_000 });
    await expect(step1.innerText()).resolves.toMatch(/Add your Exchange account/);

    await clickCardButton(page, 'Done');
    const step2 = messageWith(page, /step 2 of 5/);
    await step2.waitFor({ timeout: 10_000 });
    await expect(step2.innerText()).resolves.toMatch(/Copy your contacts/);
    await screenshot(page, 'guide-1-step2');

    // The contacts exported from the old client, attached as Teams delivers a file.
    await pg.sendCustomActivity({
      type: 'message',
      text: '',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.teams.file.download.info',
          contentUrl: fileUrl,
          name: 'contacts.vcf',
          content: { downloadUrl: fileUrl, uniqueId: 'E2E-CONTACTS', fileType: 'vcf' },
        },
      ],
    });
    const preview = messageWith(page, /contacts\.vcf: \d+ contacts to copy/);
    await preview.waitFor({ timeout: 10_000 });
    const count = Number(/contacts\.vcf: (\d+) contacts to copy/.exec(await preview.innerText())![1]);
    expect(count).toBeGreaterThanOrEqual(10);
    expect(cutover.graphEmulator!.control.contacts(ALEX_ID)).toHaveLength(0);

    await clickCardButton(page, `Import ${count} contacts`);
    await messageWith(page, /contacts copied into Exchange/).waitFor({ timeout: 15_000 });
    expect(cutover.graphEmulator!.control.contacts(ALEX_ID)).toHaveLength(count);
    await screenshot(page, 'guide-2-imported');
  });
});
