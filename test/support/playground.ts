import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { freePort } from './ports';

/**
 * Drives the Microsoft 365 Agents Playground (the local Teams client) over its HTTP and
 * WebSocket API, as in teams-dev-loop.md §8. It runs on loopback only (loopback.cjs
 * preload), in a temp working directory with its own log file, with every Playground
 * setting from the developer's shell cleared so runs are reproducible.
 */

export type Json = any;

export interface PlaygroundLogEntry {
  type: 'bot' | 'text' | string;
  /** 'Microsoft 365 Agents Playground' = sent to the bot; 'User Application' = posted by the bot. */
  from?: string;
  to?: string;
  activityName?: string;
  conversationId?: string;
  /** The Playground's message id: use it as replyToId for submit()/invoke(). */
  messageId?: string;
  timestamp?: string;
  request?: { body?: Json };
  response?: { statusCode?: number; body?: Json };
  level?: string;
  displayText?: string;
}

export const FROM_PLAYGROUND = 'Microsoft 365 Agents Playground';
export const FROM_BOT = 'User Application';

/** An activity the bot posted (reply, proactive message, or update). */
export const isFromBot = (e: PlaygroundLogEntry): boolean => e.type === 'bot' && e.from === FROM_BOT;
/** An activity delivered to the bot; response holds the bot's HTTP status and body. */
export const isToBot = (e: PlaygroundLogEntry): boolean => e.type === 'bot' && e.from === FROM_PLAYGROUND;

export interface LogStream {
  /**
   * The first entry matching `predicate` after the one the previous next() returned
   * (history included, so a reply that already arrived is found), waiting up to timeoutMs.
   */
  next(predicate: (e: PlaygroundLogEntry) => boolean, timeoutMs?: number): Promise<PlaygroundLogEntry>;
  /** Every entry received so far. */
  entries(): PlaygroundLogEntry[];
}

export interface SendMessageOptions {
  /** Playground user id; default the current user, 'user-id-0' (Alex Wilber). */
  from?: string;
  /** Add `<at>Test Bot</at>` and its mention; default true outside the personal chat. */
  mentionBot?: boolean;
  textFormat?: 'plain' | 'markdown' | 'xml';
}

export interface SendMessageResult {
  messageId: string;
  timestamp?: string;
  /** Channels: the new thread id `<channelId>;messageid=<messageId>`. */
  postConversationId?: string;
}

export interface PlaygroundFile {
  name: string;
  downloadUrl: string;
  fileType?: string;
  uniqueId?: string;
}

export interface Playground {
  url: string;
  port: number;
  pid: number;
  /** Playground log file (its console output goes there, not to stdout). */
  logFile: string;
  /** GET /_internal/v1/testConfig → `{ config: { tenantId, bot, currentUser, users, personalChat, groupChats, teams }, internalConfig }`. */
  config(): Promise<Json>;
  /** Random per start. */
  personalChatId(): Promise<string>;
  /** POST /_conversation/v1/conversations/<id>/messages. Teams channel General is 'team-id'. */
  sendMessage(conversationId: string, text: string, options?: SendMessageOptions): Promise<SendMessageResult>;
  /**
   * POST /_internal/v1/customActivities: fields missing from `activity` (id, timestamp,
   * serviceUrl, from, recipient, conversation, channelId) come from the Playground's
   * template for `activity.conversation.id` (default: the personal chat). Returns what was sent.
   */
  sendCustomActivity(activity: Json): Promise<Json>;
  /** A Teams file upload (file.download.info attachment) as a custom activity. */
  sendFile(conversationId: string, file: PlaygroundFile): Promise<Json>;
  /** Action.Submit on the card whose Playground messageId is replyToId. */
  submit(conversationId: string, replyToId: string, value: Json, from?: string): Promise<Json>;
  /** Action.Execute (adaptiveCard/action) on a card; resolves with the bot's invoke response body. */
  invoke(conversationId: string, replyToId: string, verb: string, data?: Json, from?: string): Promise<Json>;
  logStream: LogStream;
  stop(): Promise<void>;
}

export interface StartPlaygroundOptions {
  /** The bot's base URL (http://127.0.0.1:<port>) or its full /api/messages endpoint. */
  botUrl: string;
  /** A .m365agentsplayground.yml to change users/teams. */
  configPath?: string;
  /** Fix the personal chat id instead of a random one. */
  conversationId?: string;
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
// A failing test may never reach stop(): don't leave Playgrounds behind the jest worker.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function cliPath(): string {
  try {
    return require.resolve('@microsoft/m365agentsplayground/cli.js');
  } catch {
    return path.resolve(__dirname, '../../node_modules/@microsoft/m365agentsplayground/cli.js');
  }
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Auth would switch it to login.microsoftonline.com; the rest silently change a run.
    if (/^(AUTH_CLIENT_ID|AUTH_CLIENT_SECRET|AUTH_TENANT_ID|BOT_ENDPOINT|DEFAULT_CHANNEL_ID|SEND_INSTALLATION_ACTIVITY)$/.test(k)) continue;
    if (/^(M365_AGENTS_PLAYGROUND_|TEAMSAPPTESTER_|TEAMS_APP_TEST_TOOL_)/.test(k)) continue;
    if (/^(HTTPS?_PROXY|https?_proxy)$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

interface Spawned {
  child: ChildProcess;
  port: number;
}

function spawnOnce(endpoint: string, port: number, dir: string, logFile: string, o: StartPlaygroundOptions): Promise<Spawned> {
  const extra: Record<string, string> = {
    TEAMSAPPTESTER_BROWSER: 'none',
    M365_AGENTS_PLAYGROUND_LOGFILE: logFile,
    NO_UPDATE_NOTIFIER: '1',
  };
  if (o.configPath) extra.M365_AGENTS_PLAYGROUND_CONFIG_PATH = path.resolve(o.configPath);
  if (o.conversationId) extra.M365_AGENTS_PLAYGROUND_CONVERSATION_ID = o.conversationId;
  const args = [
    '-r',
    path.join(__dirname, 'loopback.cjs'),
    cliPath(),
    '-e',
    endpoint,
    '-c',
    'msteams',
    '--dt',
    '-p',
    String(port),
    '--su',
    `http://127.0.0.1:${port}/_connector`,
  ];
  const child = spawn(process.execPath, args, { cwd: dir, env: cleanEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const timeoutMs = o.startTimeoutMs ?? 15000;
  return new Promise<Spawned>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`Playground did not print "Listening on" within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      let tail = '';
      try {
        tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        /* no log yet */
      }
      reject(new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}\nlog tail:\n${tail}`));
    };
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Listening on (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code, signal) => fail(new Error(`Playground exited early (code ${code}, signal ${signal})`)));
    child.once('error', (e) => fail(e));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startPlayground(o: StartPlaygroundOptions): Promise<Playground> {
  const endpoint = /\/api\/messages\/?$/.test(o.botUrl) ? o.botUrl : `${o.botUrl.replace(/\/$/, '')}/api/messages`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playground-'));
  const logFile = path.join(dir, 'm365agentsplayground.log');

  // --su must name the port, and a busy -p silently moves to a random port: pick a free
  // port, then check the one it printed; retry on the (rare) race.
  let spawned: Spawned | undefined;
  for (let attempt = 0; attempt < 3 && !spawned; attempt++) {
    const wanted = await freePort();
    const s = await spawnOnce(endpoint, wanted, dir, logFile, o);
    if (s.port === wanted) spawned = s;
    else await stopChild(s.child);
  }
  if (!spawned) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error('Playground kept moving off the chosen port (port race); giving up after 3 tries');
  }
  const { child, port } = spawned;
  const url = `http://127.0.0.1:${port}`;

  // Connect the log stream before anything is sent: the transcript is broadcast only to
  // connected clients, and buffered messages go to whoever connects first.
  const entries: PlaygroundLogEntry[] = [];
  const waiters = new Set<() => void>();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/_ws/log/stream`);
  ws.on('message', (data) => {
    try {
      const msg = JSON.parse(data.toString());
      if (msg?.logAction === 'appendLog' && msg.log) {
        entries.push(msg.log as PlaygroundLogEntry);
        for (const w of [...waiters]) w();
      }
    } catch {
      /* not JSON: ignore */
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  } catch (e) {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  let cursor = 0;
  const logStream: LogStream = {
    entries: () => [...entries],
    next: (predicate, timeoutMs = 5000) =>
      new Promise<PlaygroundLogEntry>((resolve, reject) => {
        const check = (): boolean => {
          for (let i = cursor; i < entries.length; i++) {
            if (predicate(entries[i])) {
              cursor = i + 1;
              waiters.delete(check);
              clearTimeout(timer);
              resolve(entries[i]);
              return true;
            }
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = entries
            .slice(cursor)
            .map((e) => `${e.type}:${e.from ?? e.level ?? ''}:${e.activityName ?? ''}:${JSON.stringify(e.request?.body?.text ?? e.displayText ?? '')}`)
            .join('\n  ');
          reject(new Error(`Playground log stream: no matching entry within ${timeoutMs} ms; unconsumed entries:\n  ${seen}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
  };

  async function http(method: string, p: string, body?: Json): Promise<Json> {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Playground ${method} ${p} → ${res.status} ${text}`);
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  let cachedConfig: Json;
  const config = async () => {
    cachedConfig = await http('GET', '/_internal/v1/testConfig');
    return cachedConfig;
  };
  const personalChatId = async (): Promise<string> => (cachedConfig ?? (await config())).config.personalChat.id;
  const currentUserId = async (): Promise<string> => (cachedConfig ?? (await config())).config.currentUser.id;

  const sendCustomActivity = async (activity: Json): Promise<Json> => {
    const conversationId: string = activity?.conversation?.id ?? (await personalChatId());
    const template = await http('GET', `/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversationId)}`);
    // Keep the template's conversation details (conversationType, tenantId) under a bare {id}.
    const full = {
      ...template,
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      ...activity,
      conversation: { ...template.conversation, ...activity.conversation },
    };
    await http('POST', '/_internal/v1/customActivities', full);
    return full;
  };

  return {
    url,
    port,
    pid: child.pid!,
    logFile,
    config,
    personalChatId,
    sendMessage: async (conversationId, text, so = {}) => {
      const cfg = (cachedConfig ?? (await config())).config;
      const mention = so.mentionBot ?? conversationId !== cfg.personalChat.id;
      const at = `<at>${cfg.bot.name}</at>`;
      const body: Json = { from: { id: so.from ?? cfg.currentUser.id }, text: mention ? `${at} ${text}` : text, textFormat: so.textFormat ?? 'plain' };
      if (mention) body.mentions = [{ mentioned: { id: cfg.bot.id, name: cfg.bot.name }, text: at }];
      return http('POST', `/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, body);
    },
    sendCustomActivity,
    sendFile: (conversationId, file) =>
      sendCustomActivity({
        type: 'message',
        conversation: { id: conversationId },
        text: '',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.teams.file.download.info',
            contentUrl: file.downloadUrl,
            name: file.name,
            content: {
              downloadUrl: file.downloadUrl,
              uniqueId: file.uniqueId ?? randomUUID().toUpperCase(),
              fileType: file.fileType ?? path.extname(file.name).slice(1).toLowerCase(),
            },
          },
        ],
      }),
    submit: async (conversationId, replyToId, value, from) =>
      http('POST', '/_conversation/v1/submit', { conversation: { id: conversationId }, replyToId, from: { id: from ?? (await currentUserId()) }, value }),
    invoke: async (conversationId, replyToId, verb, data = {}, from) =>
      http('POST', '/_conversation/v1/invoke', {
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb, data } },
        conversation: { id: conversationId },
        replyToId,
        from: { id: from ?? (await currentUserId()) },
      }),
    logStream,
    stop: async () => {
      ws.terminate();
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
