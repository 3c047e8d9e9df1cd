// What every end-to-end suite shares: the real Cutover server in local mode, the Microsoft 365
// Agents Playground as the Teams client and headless Chromium on it, started and stopped as one;
// and the ways they read what happened: the page's messages, the Playground's transcript of
// what the bot posted or updated, waiting for a value or for a card to show something.

import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startCutover, type RunningCutover } from '../../src/index';
import { launchChromium, openPlaygroundPage, saveLastView, type Chromium } from './chromium';
import { captureBotLog, cardText } from './cutover';
import { isFromBot, isToBot, startPlayground, type Playground, type PlaygroundLogEntry } from './playground';

/** The repo's Playground people (as `npm run dev`): the bot is "Cutover", Alex Wilber is alexw@contoso.edu. */
export const PLAYGROUND_CONFIG = path.resolve(__dirname, '../../.m365agentsplayground.yml');

export interface E2eSession {
  dataDir: string;
  cutover: RunningCutover;
  pg: Playground;
  browser: Chromium;
  page: Page;
  /** The bot's JSON log (stdout), kept out of jest's output. */
  botLog: string[];
  /** The file served (E2eOptions.serve), else null. */
  files: ServedFile | null;
  /** Stops Chromium, the Playground, the bot and the file server, gives stdout back and removes the data folder. */
  close(): Promise<void>;
}

export interface E2eOptions {
  /** The bot's environment, over PORT=0 and a fresh DATA_DIR. */
  env: Record<string, string>;
  /** The Playground's configuration file (default: its own people). */
  playgroundConfig?: string;
  /** The data folder's name prefix under the system temp folder. */
  prefix?: string;
  /** A file the bot may download, as Teams hands over an attachment (see serveFile). */
  serve?: { name: string; body: Buffer; contentType: string };
  /** useE2e: after each test, the page and transcript are saved under this name (test-output/). */
  lastView?: string;
}

/** Starts the bot, the Playground on it and Chromium on the Playground's page (1280×1400). */
export async function startE2e(o: E2eOptions): Promise<E2eSession> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix ?? 'cutover-e2e-'));
  const capture = captureBotLog();
  let cutover: RunningCutover | undefined;
  let pg: Playground | undefined;
  let browser: Chromium | undefined;
  let files: ServedFile | null = null;
  const close = async () => {
    await browser?.close();
    await pg?.stop();
    await cutover?.close();
    await files?.close();
    capture.release();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    cutover = await startCutover({ PORT: '0', DATA_DIR: dataDir, ...o.env });
    pg = await startPlayground({ botUrl: cutover.botUrl, ...(o.playgroundConfig ? { configPath: o.playgroundConfig } : {}) });
    browser = await launchChromium({ viewport: { width: 1280, height: 1400 } });
    await openPlaygroundPage(browser.page, pg.url);
    if (o.serve) files = await serveFile(o.serve.name, o.serve.body, o.serve.contentType);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { dataDir, cutover, pg, browser, page: browser.page, botLog: capture.lines, files, close };
}

/**
 * One session for the describe block it is called in: started before its tests, stopped after them, the
 * last view saved after each test (lastView). The tests read it when they run (`const { pg, page } = e2e()`).
 */
export function useE2e(o: E2eOptions): () => E2eSession {
  let session: E2eSession | undefined;
  beforeAll(async () => {
    session = await startE2e(o);
  });
  if (o.lastView) {
    const name = o.lastView;
    afterEach(async () => {
      if (session) await saveLastView(session.page, name, session.pg.logStream.entries());
    });
  }
  afterAll(async () => {
    await session?.close();
  });
  return () => {
    if (!session) throw new Error('the e2e session has not started (or did not start)');
    return session;
  };
}

/** Every rendered Adaptive Card's message element (the parent of its "Message header"). */
export const MESSAGES = '[aria-label="Message header"] >> xpath=..';

/** The newest message whose card shows `text`. */
export function messageWith(page: Page, text: string | RegExp): Locator {
  return page
    .locator(MESSAGES)
    .filter({ has: page.locator('.ac-adaptiveCard'), hasText: text })
    .last();
}

/**
 * A text's lines as the page shows them: spaces collapsed, blank lines dropped (innerText puts blank lines
 * between blocks; cardText doesn't), and a card's markdown bold (**…**) without its marks, as rendered.
 */
export const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim())
    .filter(Boolean);

export interface BotMessage {
  /** The Playground's message id (for an update: the message it replaced). */
  messageId: string;
  conversationId: string;
  update: boolean;
  /** Whether it carries an Adaptive Card. */
  card: boolean;
  /** The connector's answer to the bot (201 for a post, 200 for an update). */
  status?: number;
  /** Its text and all text on its card. */
  text: string;
}

/**
 * A card without its chart elements (and their fallbacks): the Playground draws charts as
 * pictures, so neither a chart's data nor the fallback layout is text on the page. The charts
 * themselves are checked where they are drawn (newcomer e2e).
 */
function withoutCharts(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutCharts).filter((x) => x !== undefined);
  if (v && typeof v === 'object') {
    const type = (v as { type?: unknown }).type;
    if (typeof type === 'string' && type.startsWith('Chart.')) return undefined;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutCharts(x)]));
  }
  return v;
}

/** Everything the bot posted or updated, in order, from the Playground's transcript. */
export function botMessages(pg: Playground): BotMessage[] {
  return pg.logStream
    .entries()
    .filter(isFromBot)
    .map((e) => {
      const body = e.request?.body ?? {};
      const attachment = body.attachments?.[0];
      const card = attachment?.contentType === 'application/vnd.microsoft.card.adaptive';
      return {
        messageId: String(e.messageId),
        conversationId: String(e.conversationId),
        // A PUT to /activities/<id> carries that id; a new post does not.
        update: Boolean(body.id),
        card,
        status: e.response?.statusCode,
        text: [body.text ?? '', attachment?.content ? cardText(withoutCharts(attachment.content) as Parameters<typeof cardText>[0]) : '']
          .filter(Boolean)
          .join('\n'),
      };
    });
}

/** Every Adaptive Card the bot posted or updated, in order. */
export const botCards = (pg: Playground): BotMessage[] => botMessages(pg).filter((m) => m.card);

/** The bot's HTTP answers to everything the Playground delivered that were errors (none should be). */
export const botErrors = (pg: Playground): PlaygroundLogEntry[] => pg.logStream.entries().filter((e) => isToBot(e) && (e.response?.statusCode ?? 0) >= 400);

/** Which of `passwords` reached the Playground's transcript of the bot's messages or the bot's log (none should). */
export function leakedPasswords(pg: Playground, botLog: string[], passwords: string[]): string[] {
  const transcript = JSON.stringify(pg.logStream.entries().filter(isFromBot));
  const log = botLog.join('');
  return passwords.filter((p) => transcript.includes(p) || log.includes(p));
}

/** Polls `get` every 100 ms until it gives a value; after `timeoutMs` fails saying `what`. */
export async function waitForValue<T>(get: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string | (() => string)): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls what the page shows in one message until `ok`; fails with what it showed last. */
export async function waitForCard(message: Locator, ok: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  let text = '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    text = await message.innerText({ timeout: 2000 }).catch((e: Error) => `(not readable: ${e.message.split('\n')[0]})`);
    if (ok(text)) return text;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; the page shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface ServedFile {
  url: string;
  /** Requests it answered (any path). */
  hits(): number;
  close(): Promise<void>;
}

/** A loopback file server standing in for the SharePoint download URL Teams gives a bot: `name` only, 404 for anything else. */
export async function serveFile(name: string, body: Buffer, contentType: string): Promise<ServedFile> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (req.url !== `/${name}`) {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('content-type', contentType);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
