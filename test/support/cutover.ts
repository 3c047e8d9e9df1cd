// Starts the real Cutover server (local mode, its Exchange emulator) with a capture
// connector for its replies, and chats with it as a person in Teams would:
// say() sends a message and returns the cards that came back; press() clicks a card button.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCutover, type RunningCutover } from '../../src/index';
import { ALEX, cardExecute, channelMessage, fileMessage, personalMessage, postActivity, type ActivityOptions, type TestUser } from './activities';
import { startCaptureConnector, type CaptureConnector } from './captureConnector';
import { waitFor } from './ports';

export type Card = Record<string, any>;

export interface SentCard {
  /** The connector's id for the message: what a button press replies to. */
  activityId: string;
  card: Card;
  /** All text on the card, joined, for simple assertions. */
  text: string;
}

export function cardText(card: Card): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'text' || k === 'title' || k === 'value') && (typeof x === 'string' || typeof x === 'number')) out.push(String(x));
        else walk(x);
      }
    }
  };
  walk(card);
  return out.join('\n');
}

export function actionOf(card: Card, title: RegExp | string): { verb: string; data: Record<string, unknown> } {
  const actions = (card.actions ?? []) as { title: string; verb: string; data: Record<string, unknown> }[];
  const a = actions.find((x) => (typeof title === 'string' ? x.title === title : title.test(x.title)));
  if (!a) throw new Error(`no action ${title} on card; actions: ${actions.map((x) => x.title).join(', ')}`);
  return { verb: a.verb, data: a.data };
}

export interface TestCutover {
  cutover: RunningCutover;
  connector: CaptureConnector;
  dataDir: string;
  /** Everything the bot wrote to stdout (its log). */
  logs(): string;
  /** Every card the bot answered a button press with (invoke responses never reach the connector). */
  invokeCards(): Card[];
  say(text: string, o?: Partial<ActivityOptions> & { channel?: boolean }): Promise<SentCard[]>;
  sendFile(name: string, downloadUrl: string, text: string, o?: Partial<ActivityOptions>): Promise<SentCard[]>;
  /** Clicks a card button; `inputs` are what the person typed into the card's input fields. */
  press(
    on: SentCard,
    title: RegExp | string,
    o?: Partial<ActivityOptions>,
    inputs?: Record<string, string>,
  ): Promise<{ card: Card; text: string; extra: SentCard[] }>;
  close(): Promise<void>;
}

let logCapture: string[] | null = null;
let originalWrite: typeof process.stdout.write | null = null;

function captureStdout(): string[] {
  if (!logCapture) {
    logCapture = [];
    originalWrite = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logCapture!.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  }
  return logCapture;
}

function releaseStdout(): void {
  if (originalWrite) process.stdout.write = originalWrite;
  originalWrite = null;
  logCapture = null;
}

/** Keeps the bot's JSON log (stdout) for assertions, out of jest's output, until release(). */
export function captureBotLog(): { lines: string[]; release(): void } {
  return { lines: captureStdout(), release: releaseStdout };
}

export async function startTestCutover(env: Record<string, string> = {}, user: TestUser = ALEX): Promise<TestCutover> {
  const connector = await startCaptureConnector();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-test-'));
  const logs = captureStdout();
  const cutover = await startCutover({
    PORT: '0',
    DATA_DIR: dataDir,
    // The emulator's clock stands still; tests move it with control.advance().
    EMULATOR_TIME_SCALE: '0',
    LIVE_CARD_INTERVAL_MS: '100',
    LIVE_CARD_MAX_MINUTES: '2',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const base = { serviceUrl: connector.serviceUrl, user };
  const invoked: Card[] = [];

  const newCards = (before: number, conversationId?: string): SentCard[] =>
    connector
      .activities(conversationId)
      .slice(before)
      .filter((a) => a.activity?.attachments?.length)
      .map((a) => {
        const card = a.activity.attachments[0].content as Card;
        return { activityId: a.activityId, card, text: cardText(card) };
      });

  const send = async (activity: Record<string, any>): Promise<SentCard[]> => {
    const conv = activity.conversation.id as string;
    const before = connector.activities(conv).length;
    const res = await postActivity(cutover.botUrl, activity);
    if (res.status >= 400) throw new Error(`bot answered ${res.status}: ${JSON.stringify(res.body)}`);
    return newCards(before, conv);
  };

  return {
    cutover,
    connector,
    dataDir,
    logs: () => logs.join(''),
    invokeCards: () => invoked.slice(),
    say: (text, o = {}) => send(o.channel ? channelMessage(text, { ...base, ...o }) : personalMessage(text, { ...base, ...o })),
    sendFile: (name, downloadUrl, text, o = {}) => send(fileMessage({ ...base, ...o, name, downloadUrl, text })),
    async press(on, title, o = {}, inputs = {}) {
      const { verb, data } = actionOf(on.card, title);
      // Teams merges the card's input values into the action's data.
      const activity = cardExecute(verb, { ...data, ...inputs }, { ...base, ...o, replyToId: on.activityId });
      const conv = activity.conversation.id as string;
      const before = connector.activities(conv).length;
      const res = await postActivity(cutover.botUrl, activity);
      if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${JSON.stringify(res.body)}`);
      const value = res.body?.value;
      const card = typeof value === 'object' ? (value as Card) : { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: String(value) }] };
      invoked.push(card);
      return { card, text: cardText(card), extra: newCards(before, conv) };
    },
    async close() {
      await cutover.close();
      await connector.close();
      releaseStdout();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Fails if any of the secrets appears in a card the bot sent, updated or answered a
 * button with, in a message summary (what Teams shows in notifications), its log, or
 * any file in its data folder.
 */
export function assertNoSecrets(t: TestCutover, secrets: string[]): void {
  const sent = [...t.connector.activities(), ...t.connector.updates()].map((a) => a.activity);
  if (sent.length === 0) throw new Error('the bot sent nothing: the leak check would prove nothing');
  const cards = JSON.stringify(sent) + JSON.stringify(t.invokeCards());
  const summaries = sent.map((a) => [a?.summary, a?.text].filter((x) => typeof x === 'string').join('\n')).join('\n');
  const logs = t.logs();
  if (logs.trim() === '') throw new Error('the log is empty: the leak check would prove nothing');
  const files: { name: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push({ name: p, text: fs.readFileSync(p, 'latin1') });
    }
  };
  walk(t.dataDir);
  if (files.length === 0) throw new Error('the data folder is empty: the leak check would prove nothing');
  for (const secret of secrets) {
    // JSON escapes quotes; look for both spellings.
    const forms = [secret, JSON.stringify(secret).slice(1, -1)];
    for (const f of forms) {
      if (summaries.includes(f)) throw new Error(`a message summary holds the secret ${JSON.stringify(secret)}`);
      if (cards.includes(f)) throw new Error(`a card holds the secret ${JSON.stringify(secret)}`);
      if (logs.includes(f)) throw new Error(`the log holds the secret ${JSON.stringify(secret)}`);
      for (const file of files) if (file.text.includes(f)) throw new Error(`${file.name} holds the secret ${JSON.stringify(secret)}`);
    }
  }
}

/** The card a follow-up left on a message (a preflight's progress card), once it says `done`. */
export async function finalCard(t: TestCutover, sent: { activityId: string }, done: RegExp): Promise<string> {
  return waitFor(
    () => {
      const u = t.connector
        .updates()
        .filter((x) => x.activityId === sent.activityId)
        .pop();
      const text = u ? cardText(u.activity.attachments[0].content) : '';
      return done.test(text) ? text : undefined;
    },
    { timeoutMs: 15000, description: `card matching ${done}` },
  );
}

/** Microsoft's first two example rows, as the demo source knows them. */
export const DEMO_CSV = ['EmailAddress,UserName,Password', 'terrya@contoso.edu,terry.adams,1091990', 'annb@contoso.edu,ann.beebe,2111991'].join('\n');

/** The newcomer's first steps: endpoint `school` on the demo source, then batch `pilot` from `csv`, created. */
export async function createDemoBatch(t: TestCutover, csv = DEMO_CSV): Promise<void> {
  await t.say('endpoint add school imap.contoso.edu');
  const [validation] = await t.say(`batch new pilot\n${csv}`);
  await t.press(validation, /create/i);
}
