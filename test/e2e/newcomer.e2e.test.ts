// A newcomer's first session, end to end: the real Cutover server in local mode (its
// Exchange emulator behind the real REST adapter), the Microsoft 365 Agents Playground as
// the Teams client, and headless Debian Chromium clicking and typing in it as a person would.
// Assertions are on what the page shows. Screenshots land in test-output/ (gitignored).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { clickCardButton, requireChromium, screenshot, sendText, TEST_OUTPUT_DIR } from '../support/chromium';
import { botCards, botErrors, leakedPasswords, MESSAGES, messageWith, useE2e, waitForCard, waitForValue } from '../support/e2e';

const describeUi = requireChromium() ? describe : describe.skip;

const SAMPLE_CSV = path.resolve(__dirname, '../../samples/contoso-pilot.csv');
const PASSWORDS = ['1091990', '2111991', '3281986'];

const STATUS = /^(Created|Starting|Syncing|IncrementalSyncing|SyncedWithErrors|Synced|Failed|Stopped|Stopping|Removing)$/m;

/** A progress card's batch status (its header), null for other cards. */
function statusOf(text: string): string | null {
  // innerText puts blank lines between blocks; cardText doesn't.
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const head = lines[lines.indexOf('Batch pilot') + 2] ?? '';
  if (!lines.includes('Batch pilot')) return null;
  return STATUS.test(head) ? head : null;
}

function lastSynced(text: string): string | undefined {
  return /Last synced\s+([^\n]*UTC)/.exec(text)?.[1];
}

describeUi('newcomer in the Agents Playground (headless Chromium)', () => {
  jest.setTimeout(90_000);

  const e2e = useE2e({
    env: {
      // Ten times the local default: the 3-user demo batch reaches Synced in a few seconds.
      EMULATOR_TIME_SCALE: '600',
      LIVE_CARD_INTERVAL_MS: '500',
      LIVE_CARD_MAX_MINUTES: '5',
      // The bot's JSON log is kept for the password check, out of jest's output.
      LOG_LEVEL: 'info',
    },
    serve: { name: path.basename(SAMPLE_CSV), body: fs.readFileSync(SAMPLE_CSV), contentType: 'text/csv' },
    lastView: 'newcomer',
  });

  it('help, endpoint add, batch new with the CSV, Create, live progress to Synced, sync now, remove', async () => {
    const { pg, page, botLog } = e2e();
    const files = e2e().files!;
    const started = Date.now();

    // 1. help
    await sendText(page, 'help');
    const help = messageWith(page, /Attach the migration CSV/);
    await help.waitFor({ timeout: 10_000 });
    await expect(help.innerText()).resolves.toMatch(/Local mode/);
    await expect(help.innerText()).resolves.toMatch(/batch sync/);

    // 2. endpoint add (Test-MigrationServerAvailability first, then New-MigrationEndpoint)
    await sendText(page, 'endpoint add school imap.contoso.edu');
    const endpoint = messageWith(page, /Endpoint school created/);
    await endpoint.waitFor({ timeout: 10_000 });
    await expect(endpoint.innerText()).resolves.toMatch(/New-MigrationEndpoint -IMAP/);

    // 3a. The CSV pasted under the command line. The Playground's compose box can't carry it:
    // its serializer keeps only text nodes, so Shift+Enter line breaks vanish (Teams sends
    // them as <p>/<br>). Its message API does carry newlines, as Teams' text does.
    const chat = await pg.personalChatId();
    await pg.sendMessage(chat, `batch new pilot\n${fs.readFileSync(SAMPLE_CSV, 'utf8')}`);
    const pasted = messageWith(page, /Create batch pilot/);
    await pasted.waitFor({ timeout: 10_000 });
    await expect(pasted.innerText()).resolves.toMatch(/All 3 rows are ready/);

    // 3b. The real Teams flow: the file attached to the message, as a file.download.info
    // attachment whose download URL the bot fetches (here a loopback server).
    const cardsBefore = await page.locator('.ac-adaptiveCard').count();
    await pg.sendCustomActivity({
      type: 'message',
      text: 'batch new pilot',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.teams.file.download.info',
          contentUrl: files.url,
          name: 'contoso-pilot.csv',
          content: { downloadUrl: files.url, uniqueId: 'E2E-CONTOSO-PILOT', fileType: 'csv' },
        },
      ],
    });
    await page.waitForFunction((n) => document.querySelectorAll('.ac-adaptiveCard').length > n, cardsBefore, { timeout: 10_000 });
    const validation = messageWith(page, /contoso-pilot\.csv/);
    await validation.waitFor({ timeout: 10_000 });
    await expect(validation.innerText()).resolves.toMatch(/All 3 rows are ready/);
    expect(files.hits()).toBe(1);
    await screenshot(page, 'newcomer-1-validation');

    // The validation card's Playground message id: every later version of it must carry it.
    const validationId = botCards(pg).find((c) => /contoso-pilot\.csv/.test(c.text))?.messageId;
    expect(validationId).toBeTruthy();

    // 4. Create: the validation card turns into the progress card, which then updates in
    // place until Synced. Mark the message element: a re-posted card would not carry it.
    await validation.evaluate((el) => el.setAttribute('data-e2e', 'progress'));
    const messagesBefore = await page.locator(MESSAGES).count();
    await clickCardButton(page, 'Create batch pilot');
    const progress = page.locator('[data-e2e="progress"]');
    await waitForCard(progress, (t) => statusOf(t) === 'Synced' && /3 of 3 users synced/.test(t), 30_000, 'the progress card never showed Synced');
    await progress.scrollIntoViewIfNeeded();
    await screenshot(page, 'newcomer-2-progress-synced');
    await progress.screenshot({ path: path.join(TEST_OUTPUT_DIR, 'newcomer-progress-card-synced.png') });
    const progressText = await progress.innerText();
    // This Agents Playground draws Teams' Chart.* elements itself (it does not fall back): the
    // screenshot shows the stacked bar (its series title) and the donut (its legend), not the
    // fallbacks (the coloured bar's "% of users synced" caption, the row of counts). The fallbacks
    // are checked structurally in src/cards (render.test.ts, cards.test.ts).
    expect(progressText).toMatch(/[\d,]+ (items|users) done, 0 (items|users) left/);
    expect(progressText).not.toMatch(/% of users synced/);
    expect(progressText).not.toMatch(/Chart\./);
    expect(progressText).toMatch(/terrya@contoso\.edu/);
    expect(progressText).toMatch(/Get-MigrationUser -BatchId 'pilot'/);
    // In place: no new message in the page, and the transcript shows the one message
    // going from the CSV check through the sync to Synced.
    expect(await page.locator(MESSAGES).count()).toBe(messagesBefore);
    const progressVersions = botCards(pg).filter((c) => c.messageId === validationId);
    const progressStatuses = progressVersions.map((c) => statusOf(c.text));
    expect(progressStatuses[0]).toBe(null); // the CSV check
    expect(progressStatuses).toContain('Syncing');
    expect(progressStatuses[progressStatuses.length - 1]).toBe('Synced');
    // While it synced, the card gave its finish time honestly: first not enough data, then a range.
    expect(progressVersions.some((c) => /Finish time: not enough data yet/.test(c.text))).toBe(true);
    expect(lastSynced(progressText)).toBe(lastSynced(progressVersions[progressVersions.length - 1].text));

    // 5. batch sync: Set-MigrationBatch -SyncNow. The reply is a progress card that shows the
    // incremental sync land, updated in place like the first one.
    const cardsBeforeSync = botCards(pg).length;
    const before = lastSynced(
      botCards(pg)
        .filter((c) => c.messageId === validationId)
        .pop()!.text,
    );
    await sendText(page, 'batch sync pilot');
    const syncReply = await waitForValue(
      () =>
        botCards(pg)
          .slice(cardsBeforeSync)
          .find((c) => !c.update && /Batch pilot/.test(c.text)),
      10_000,
      'no reply card to batch sync',
    );
    // At 600x the incremental can land within the turn itself; otherwise a later update of
    // the same message shows it.
    const syncLanded = await waitForValue(
      () => botCards(pg).find((c) => c.messageId === syncReply.messageId && statusOf(c.text) === 'Synced' && lastSynced(c.text) !== before),
      20_000,
      `the incremental sync (last synced after ${before}) never showed on the batch sync card`,
    );
    const syncCard = messageWith(page, /Batch pilot/);
    await waitForCard(
      syncCard,
      (t) => lastSynced(t) === lastSynced(syncLanded.text) && statusOf(t) === 'Synced',
      10_000,
      'the page never showed the incremental sync',
    );
    await syncCard.scrollIntoViewIfNeeded();
    await screenshot(page, 'newcomer-3-incremental-sync');
    const messagesAfterSync = await page.locator(MESSAGES).count();

    // 6. batch remove asks first, then removes.
    await sendText(page, 'batch remove pilot');
    const ask = messageWith(page, /Remove batch pilot\?/);
    await ask.waitFor({ timeout: 10_000 });
    await expect(ask.innerText()).resolves.toMatch(/NOT copied/);
    await clickCardButton(page, 'Remove pilot');
    await messageWith(page, /Batch pilot is being removed/).waitFor({ timeout: 10_000 });
    await screenshot(page, 'newcomer-4-removed');

    // Two messages each (the person's and the bot's) for the remove and its confirmation.
    expect(await page.locator(MESSAGES).count()).toBe(messagesAfterSync + 2);

    expect(botErrors(pg)).toEqual([]);
    // Passwords never reach the page, the Playground transcript or the bot's log.
    const pageText = (await page.locator('body').innerText()) ?? '';
    expect(leakedPasswords(pg, botLog, PASSWORDS)).toEqual([]);
    // The pasted CSV was typed into the page by the person: it is on their own message only.
    expect(pageText).toMatch(/Batch pilot is being removed/);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
