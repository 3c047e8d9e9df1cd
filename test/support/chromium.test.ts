import fs from 'node:fs';
import { startEchoBot, EchoBot } from './echoBot';
import { isFromBot, Playground, startPlayground } from './playground';
import { Chromium, clickCardButton, launchChromium, openPlaygroundPage, requireChromium, screenshot, sendText, waitForText } from './chromium';

// Evaluated at load: under CI=true a missing Chromium fails this suite with the reason.
const describeUi = requireChromium() ? describe : describe.skip;

describeUi('Chromium on the Playground UI', () => {
  let bot: EchoBot;
  let pg: Playground;
  let browser: Chromium;

  beforeAll(async () => {
    bot = await startEchoBot();
    [pg, browser] = await Promise.all([startPlayground({ botUrl: bot.url }), launchChromium()]);
  }, 30000);
  afterAll(async () => {
    await browser?.close();
    await pg?.stop();
    await bot?.close();
  });

  it('typing hello in the personal chat shows the reply; a card button works; screenshot', async () => {
    const { page } = browser;
    await openPlaygroundPage(page, pg.url);
    await sendText(page, 'hello');
    await waitForText(page, 'echo: hello');
    // The UI and the log stream agree on what the bot sent.
    await pg.logStream.next((e) => isFromBot(e) && e.request?.body?.text === 'echo: hello');

    await sendText(page, 'card');
    await clickCardButton(page, 'Say hi');
    await waitForText(page, 'submit: {"verb":"hi"}');

    const file = await screenshot(page, 'harness-echo-bot');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('aborts every request that is not to loopback', async () => {
    const outcome = await browser.page.evaluate(() =>
      fetch('http://example.invalid/probe', { mode: 'no-cors' }).then(
        () => 'reached',
        () => 'blocked',
      ),
    );
    expect(outcome).toBe('blocked');
    expect(browser.blocked).toContain('http://example.invalid/probe');
  });
});
