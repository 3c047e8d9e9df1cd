import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, BrowserContext, Locator, Page } from 'playwright-core';

/**
 * Headless Debian Chromium through playwright-core (never `playwright install`), for the
 * Playground UI tests: a fresh profile per launch, and every request that is not to
 * loopback aborted so a test can never reach the internet (the UI's CDN fonts included).
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const TEST_OUTPUT_DIR = path.resolve(__dirname, '../../test-output');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function chromiumAvailable(): boolean {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * For a UI suite's first line: `const describeUi = requireChromium() ? describe : describe.skip;`
 * With Chromium missing it throws under CI=true (the suite fails with this message) and
 * otherwise warns loudly and returns false so the suite is skipped.
 */
export function requireChromium(): boolean {
  if (chromiumAvailable()) return true;
  const msg = `Chromium not found at ${CHROMIUM_PATH}: run \`bash scripts/setup-test-deps.sh\` as root (apt-get install chromium), or set CHROMIUM_PATH.`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${msg}`);
  console.warn(`\n##### SKIPPING browser tests. ${msg} #####\n`);
  return false;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
    return LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

export interface Chromium {
  context: BrowserContext;
  /** The first page of the persistent context. */
  page: Page;
  /** Non-loopback URLs the route blocked (the Playground asks only for CDN fonts). */
  blocked: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  viewport?: { width: number; height: number };
}

export async function launchChromium(o: LaunchOptions = {}): Promise<Chromium> {
  if (!chromiumAvailable()) requireChromium();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
      viewport: o.viewport ?? { width: 1280, height: 900 },
      timeout: 30000,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLoopbackUrl(url)) await route.continue();
    else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    blocked,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export const COMPOSE_BOX = '[data-lexical-editor="true"]';

export interface OpenPlaygroundOptions {
  /** Hide the right-hand Log Panel so screenshots show the chat (default true). */
  hideLogPanel?: boolean;
  timeoutMs?: number;
}

/** Loads the Playground UI and waits until the compose box is ready. */
export async function openPlaygroundPage(page: Page, playgroundUrl: string, o: OpenPlaygroundOptions = {}): Promise<void> {
  const timeout = o.timeoutMs ?? 15000;
  await page.goto(playgroundUrl, { waitUntil: 'domcontentloaded', timeout });
  await waitForComposeBox(page, timeout);
  if (o.hideLogPanel !== false) {
    // The panel appears a moment after the compose box.
    await page.getByText('Log Panel').first().waitFor({ timeout });
    await page.locator('[title="Toggle Log Panel"]').first().click();
  }
}

export async function waitForComposeBox(page: Page, timeoutMs = 15000): Promise<void> {
  await page.locator(COMPOSE_BOX).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Opens a conversation in the left tree: 'Personal Chat' | 'Group Chat' | 'My Team - General'. */
export async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByRole('treeitem', { name }).click();
  await waitForComposeBox(page);
}

/** Types into the compose box (index 1 = a channel thread's reply box) and presses Enter. */
export async function sendText(page: Page, text: string, composeIndex = 0): Promise<void> {
  const box = page.locator(COMPOSE_BOX).nth(composeIndex);
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Waits until `text` is visible in the page (e.g. the bot's reply). */
export async function waitForText(page: Page, text: string | RegExp, timeoutMs = 10000): Promise<void> {
  await page.getByText(text).last().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Clicks an Adaptive Card action by its title (the last card with it, i.e. the newest). */
export async function clickCardButton(page: Page, name: string, timeoutMs = 10000): Promise<void> {
  const button = page.locator('.ac-adaptiveCard').getByRole('button', { name }).last();
  await button.waitFor({ state: 'visible', timeout: timeoutMs });
  await button.click();
}

/** Saves a PNG to test-output/<name>.png (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(TEST_OUTPUT_DIR, { recursive: true });
  const file = path.join(TEST_OUTPUT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** A channel's "Post" button (the "Start a new post" box's; thread replies have "Send Message"). */
const POST_BUTTON = { name: 'Post', exact: true } as const;

/**
 * In an open channel (openConversation(page, 'My Team - General')): starts a new post that
 * @mentions `mention` (picked in the compose box's typeahead, as a person does, so it is
 * sent as `<at>…</at>` with a mentions entry), followed by `text`, and clicks Post.
 */
export async function postInChannel(page: Page, mention: string, text: string, timeoutMs = 10000): Promise<void> {
  await page.locator(COMPOSE_BOX).first().click();
  await page.keyboard.type(`@${mention}`);
  // The item's accessible name repeats the name (avatar label + text): match its text.
  const pick = page
    .locator('#typeahead-menu')
    .getByRole('menuitem')
    .filter({ has: page.getByText(mention, { exact: true }) })
    .first();
  await pick.waitFor({ state: 'visible', timeout: timeoutMs });
  await pick.click();
  await page.keyboard.type(` ${text}`);
  await page.getByRole('button', POST_BUTTON).click();
}

/**
 * The open channel's threads (each a root post with its replies and reply box), newest
 * first as the Playground shows them; `author` keeps those whose root post is by that
 * name (the bot's proactive posts are roots by the bot).
 */
export function channelThreads(page: Page, author?: string): Locator {
  const threads = page
    .locator('[role="group"].fui-Card')
    .filter({ has: page.locator('.fui-CardHeader') })
    .filter({ hasNot: page.getByRole('button', POST_BUTTON) });
  return author ? threads.filter({ has: page.locator(`.fui-CardHeader [role="img"][aria-label="${author.replace(/"/g, '\\"')}"]`) }) : threads;
}

/** What the person saw last, the page's markup and the transcript, in test-output/: the first things to read on a failure. */
export async function saveLastView(page: Page, name: string, transcript: unknown): Promise<void> {
  await screenshot(page, `${name}-last`).catch(() => undefined);
  fs.mkdirSync(TEST_OUTPUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(TEST_OUTPUT_DIR, `${name}-last.html`), await page.content().catch(() => ''));
  fs.writeFileSync(path.join(TEST_OUTPUT_DIR, `${name}-playground-log.json`), JSON.stringify(transcript ?? [], null, 1));
}
