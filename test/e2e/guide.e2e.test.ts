// One person's guide in the Agents Playground, clicked through in headless Chromium:
// pick the mail program, mark a step done, attach the contacts exported from the old
// client, preview, import into their Exchange mailbox (the Graph emulator).
// The Playground runs with the repo's .m365agentsplayground.yml, which makes its people
// the demo tenant's (Alex Wilber = alexw@contoso.edu), as `npm run dev` does.

import { clickCardButton, requireChromium, screenshot, sendText } from '../support/chromium';
import { googleVcf30, manyContactsVcf } from '../support/pimFixtures';
import { messageWith, PLAYGROUND_CONFIG, useE2e } from '../support/e2e';

const describeUi = requireChromium() ? describe : describe.skip;
const ALEX_ID = '00000000-0000-0000-0000-0000000000a1';

describeUi('the guide in the Agents Playground (headless Chromium)', () => {
  jest.setTimeout(90_000);
  const e2e = useE2e({
    env: { LOG_LEVEL: 'warn', LIVE_CARD_INTERVAL_MS: '500' },
    playgroundConfig: PLAYGROUND_CONFIG,
    prefix: 'cutover-e2e-guide-',
    serve: { name: 'contacts.vcf', body: Buffer.concat([googleVcf30(), manyContactsVcf(10)]), contentType: 'text/vcard' },
  });

  it('picks the mail program, marks a step done, and imports the attached contacts', async () => {
    const { cutover, pg, page } = e2e();
    const files = e2e().files!;
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
          contentUrl: files.url,
          name: 'contacts.vcf',
          content: { downloadUrl: files.url, uniqueId: 'E2E-CONTACTS', fileType: 'vcf' },
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
