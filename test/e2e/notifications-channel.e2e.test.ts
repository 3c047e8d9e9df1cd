// Channel notifications in the Agents Playground's team channel view, end to end: the real
// Cutover server in local mode (its Exchange emulator, its watcher polling every 500 ms),
// the Playground as the Teams client with the repo's people (bot "Cutover", team "My Team"),
// and headless Chromium typing and clicking as a person would.
//
// In General, Alex @mentions Cutover with "subscribe all". In the personal chat he adds the
// endpoint and creates a batch whose CSV has one wrong password. Back in the channel the
// watcher must post ONE progress card for the batch and update that same message in place
// until the batch settles, and post the failed user once, in a separate message.
// Assertions are on the Playground's transcript of the channel conversation ('team-id') and
// on what the channel view shows. Screenshots land in test-output/ (gitignored).

import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { FileStore } from '../../src/adapters/storage/fileStore';
import { readWatcherStatus } from '../../src/services/watcher/watcher';
import { channelThreads, clickCardButton, openConversation, postInChannel, requireChromium, screenshot, sendText, TEST_OUTPUT_DIR } from '../support/chromium';
import { botErrors, botMessages, leakedPasswords, lines, PLAYGROUND_CONFIG, useE2e, waitForValue, type BotMessage } from '../support/e2e';
import { isToBot } from '../support/playground';

const describeUi = requireChromium() ? describe : describe.skip;

const BOT = 'Cutover';
/** The team's General channel: its fixed conversation id, and its name in the left tree. */
const CHANNEL = 'team-id';
const CHANNEL_TREE_ITEM = 'My Team - General';
const WATCHER_INTERVAL_MS = 500;

// Microsoft's sample rows for the demo source (imap.contoso.edu); Paul's password is wrong, so
// Exchange fails him at sign-in and the other two sync.
const FAILED_USER = 'paulc@contoso.edu';
const CSV = [
  'EmailAddress,UserName,Password',
  'terrya@contoso.edu,terry.adams,1091990',
  'annb@contoso.edu,ann.beebe,2111991',
  `${FAILED_USER},paul.cannon,wrong-pw-42`,
].join('\n');
const PASSWORDS = ['1091990', '2111991', 'wrong-pw-42'];

const STATUS = /^(Created|Starting|Syncing|IncrementalSyncing|SyncedWithErrors|Synced|Failed|Stopped|Stopping|Removing|Completed|CompletedWithErrors)$/;
const SETTLED = new Set(['Synced', 'SyncedWithErrors']);

/** A progress card's status: the word right after its "Batch pilot" header; null for any other card. */
function statusOf(text: string): string | null {
  const l = lines(text);
  const i = l.indexOf('Batch pilot');
  return i >= 0 && STATUS.test(l[i + 1] ?? '') ? l[i + 1] : null;
}

/** The channel itself, not a thread in it (`team-id;messageid=…`): where the watcher posts. */
const inChannel = (m: BotMessage) => m.conversationId === CHANNEL;

/** Whether a thread's text shows every line of a card version (the page may add blank lines). */
function shows(threadText: string, version: string): boolean {
  const have = new Set(lines(threadText));
  return lines(version).every((l) => have.has(l));
}

describeUi('channel notifications in the Agents Playground team channel (headless Chromium)', () => {
  jest.setTimeout(90_000);

  const e2e = useE2e({
    env: {
      // 2.5 times the local default: the batch settles about 6 s after Create, across a dozen
      // watcher polls, so the channel's card has counts to move through.
      EMULATOR_TIME_SCALE: '150',
      WATCHER_INTERVAL_MS: String(WATCHER_INTERVAL_MS),
      LIVE_CARD_INTERVAL_MS: '500',
      LIVE_CARD_MAX_MINUTES: '5',
      // The bot's JSON log is kept for the password check, out of jest's output.
      LOG_LEVEL: 'info',
    },
    playgroundConfig: PLAYGROUND_CONFIG,
    prefix: 'cutover-e2e-notify-',
    lastView: 'notifications-channel',
  });

  /** Resolves once the watcher has finished `n` more polls (its status, as `status` shows it). */
  async function watcherPolls(n: number): Promise<void> {
    const store = new FileStore(path.join(e2e().dataDir, 'state'));
    const seen = new Set<string>();
    const first = (await readWatcherStatus(store))?.lastPollAt ?? '';
    await waitForValue(
      async () => {
        const at = (await readWatcherStatus(store))?.lastPollAt ?? '';
        if (at && at !== first) seen.add(at);
        return seen.size >= n ? true : undefined;
      },
      n * WATCHER_INTERVAL_MS + 10_000,
      () => `the watcher did not finish ${n} polls (saw ${seen.size})`,
    );
  }

  it('subscribe in the channel; one progress card updated in place to the end; the failed user once, separately', async () => {
    const { pg, page, botLog } = e2e();
    const started = Date.now();

    // 1. In General, @mention the bot (picked in the typeahead) with "subscribe all".
    await openConversation(page, CHANNEL_TREE_ITEM);
    await postInChannel(page, BOT, 'subscribe all');
    const subscribeThread = channelThreads(page, 'Alex Wilber').filter({ hasText: 'subscribe all' }).first();
    await subscribeThread
      .locator('.ac-adaptiveCard')
      .filter({ hasText: /Subscribed/ })
      .waitFor({ timeout: 10_000 });
    await expect(subscribeThread.innerText()).resolves.toMatch(/every batch/);
    // Teams-style: the post reached the bot with the mention, and the answer went to its thread.
    const asked = pg.logStream.entries().find((e) => isToBot(e) && /subscribe all/.test(e.request?.body?.text ?? ''));
    expect(asked?.request?.body?.text).toBe(`<at>${BOT}</at> subscribe all`);
    expect(asked?.request?.body?.conversation?.conversationType).toBe('channel');
    expect(asked?.conversationId).toMatch(/^team-id;messageid=/);
    const confirmation = botMessages(pg).find((m) => /Subscribed/.test(m.text));
    expect(confirmation?.conversationId).toBe(asked?.conversationId);
    await screenshot(page, 'notifications-channel-1-subscribed');
    // Two polls after the subscription: the watcher now has its picture of Exchange (no batches),
    // so the new batch, and everything it does, is news.
    await watcherPolls(2);

    // 2. In the personal chat: the endpoint, then the CSV pasted under "batch new pilot" (the
    // Playground's compose box drops line breaks; its message API keeps them, as Teams' text
    // does), then Create on the validation card.
    await openConversation(page, 'Personal Chat');
    await sendText(page, 'endpoint add school imap.contoso.edu');
    await page
      .locator('.ac-adaptiveCard')
      .filter({ hasText: /New-MigrationEndpoint/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await pg.sendMessage(await pg.personalChatId(), `batch new pilot\n${CSV}`);
    await clickCardButton(page, 'Create batch pilot');
    // The Create click's answer (the validation card turned into the chat's own progress card).
    await waitForValue(
      () => pg.logStream.entries().find((e) => isToBot(e) && e.activityName === 'invoke' && e.response?.statusCode === 200),
      10_000,
      () => 'the Create click was not answered',
    );

    // 3. Back in General: the watcher's progress card, a new post by the bot in the channel itself.
    await openConversation(page, CHANNEL_TREE_ITEM);
    const first = await waitForValue(
      () => botMessages(pg).find((m) => inChannel(m) && !m.update && statusOf(m.text) !== null),
      15_000,
      () => 'no progress card was posted in the channel',
    );
    expect(first.status).toBe(201);
    const progressId = first.messageId;
    const versions = () => botMessages(pg).filter((m) => inChannel(m) && m.messageId === progressId);
    // The channel view shows it: mark its thread, so that at the end the same element (not a
    // re-posted card) must show the last version.
    const progressThread = await waitForValue(
      async () => {
        const threads = channelThreads(page, BOT);
        for (let i = 0; i < (await threads.count()); i++) {
          const t = threads.nth(i);
          const text = await t.innerText().catch(() => '');
          if (versions().some((v) => shows(text, v.text))) return t;
        }
        return undefined;
      },
      10_000,
      () => 'the channel view never showed the progress card',
    );
    await progressThread.evaluate((el) => el.setAttribute('data-e2e', 'progress'));
    const marked: Locator = page.locator('[data-e2e="progress"]');

    // It settles: the transcript's last version of that same message says Synced or SyncedWithErrors.
    const last = await waitForValue(
      () => {
        const v = versions();
        const s = statusOf(v[v.length - 1].text);
        return s && SETTLED.has(s) ? v[v.length - 1] : undefined;
      },
      40_000,
      () =>
        `the channel's progress card never settled; its statuses: ${versions()
          .map((v) => statusOf(v.text))
          .join(' → ')}`,
    );
    // Give the watcher three more polls to repeat itself, if it would.
    await watcherPolls(3);

    // The channel view shows that last version in the element first marked.
    await waitForValue(
      async () => (shows(await marked.innerText().catch(() => ''), versions()[versions().length - 1].text) ? true : undefined),
      10_000,
      () => 'the marked progress card in the channel view does not show its last version',
    );
    await marked.scrollIntoViewIfNeeded();
    await screenshot(page, 'notifications-channel-2-progress-settled');
    await marked.screenshot({ path: path.join(TEST_OUTPUT_DIR, 'notifications-channel-progress-card.png') });
    // The whole channel in one picture: tall enough for every post, scrolled to the top.
    await page.setViewportSize({ width: 1280, height: 2400 });
    await channelThreads(page).last().scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Post', exact: true }).scrollIntoViewIfNeeded();
    await screenshot(page, 'notifications-channel-3-channel');

    // --- What the channel conversation received, from the transcript.
    const all = botMessages(pg);
    const channel = all.filter(inChannel);
    const updates = channel.filter((m) => m.update);
    const posts = channel.filter((m) => !m.update);
    const progressVersions = versions();
    const statuses = progressVersions.map((v) => statusOf(v.text));

    // One progress card, then updates of that same message only (each accepted by the connector).
    expect(posts.filter((m) => statusOf(m.text) !== null).map((m) => m.messageId)).toEqual([progressId]);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(new Set(updates.map((m) => m.messageId))).toEqual(new Set([progressId]));
    expect(updates.every((m) => m.status === 200)).toBe(true);
    expect(progressVersions[0].update).toBe(false);
    // The counts moved through it: it started before the batch settled, every version differs,
    // and it ends settled, with the failed user on it.
    expect(SETTLED.has(statuses[0] ?? '')).toBe(false);
    expect(statuses.every((s) => s !== null)).toBe(true);
    expect(new Set(progressVersions.map((v) => v.text)).size).toBe(progressVersions.length);
    expect(statuses[statuses.length - 1]).toBe(statusOf(last.text));
    expect(statuses[statuses.length - 1]).toBe('SyncedWithErrors');
    expect(progressVersions[progressVersions.length - 1].text).toContain(FAILED_USER);
    // Nothing in the channel was updated but the progress card, and nothing went to it after it settled.
    expect(progressVersions.findIndex((v) => statusOf(v.text) === 'SyncedWithErrors')).toBe(progressVersions.length - 1);

    // The separate messages: about the batch, none repeated, the failed user named in exactly one.
    // (One per event, or a poll's events combined: at most the failure and the settling.)
    const events = posts.filter((m) => m.messageId !== progressId);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(2);
    expect(events.every((m) => m.status === 201 && /pilot/.test(m.text))).toBe(true);
    expect(new Set(events.map((m) => m.text)).size).toBe(events.length);
    expect(events.filter((m) => m.text.includes(FAILED_USER))).toHaveLength(1);

    // --- What the channel view shows: the subscribe thread, the progress card, the event messages;
    // the failed user on the progress card and on exactly one other post.
    const botThreads = channelThreads(page, BOT);
    expect(await botThreads.count()).toBe(1 + events.length);
    expect(await channelThreads(page).count()).toBe(2 + events.length);
    expect(await marked.count()).toBe(1);
    const markedText = await marked.innerText();
    expect(statusOf(markedText)).toBe('SyncedWithErrors');
    expect(markedText).toContain(FAILED_USER);
    expect(await botThreads.filter({ hasText: FAILED_USER }).count()).toBe(2);
    const others = await botThreads.evaluateAll((els) =>
      els.filter((el) => el.getAttribute('data-e2e') !== 'progress').map((el) => (el as HTMLElement).innerText),
    );
    expect(others.filter((t) => t.includes(FAILED_USER))).toHaveLength(1);

    expect(botErrors(pg)).toEqual([]);
    // Passwords never reach the Playground's transcript or the bot's log.
    expect(leakedPasswords(pg, botLog, PASSWORDS)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
