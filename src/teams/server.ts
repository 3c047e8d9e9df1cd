// The HTTP face of the bot: Bot Framework messages, a health check, and the
// signed, expiring report downloads.

import * as restify from 'restify';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from '../commands/router';
import { errorText } from '../lib/errorText';

export interface DownloadResolver {
  resolve(
    id: string,
    exp: string,
    sig: string,
  ): Promise<{ fileName: string; contentType: string; body: Buffer } | { error: 'expired' | 'bad-signature' | 'not-found' }>;
}

export interface RouteOptions {
  adapter: TeamsAdapter;
  bot: Application<TurnState>;
  downloads: DownloadResolver;
  health: () => Promise<Record<string, unknown>>;
  log: Logger;
}

/** Bot Framework activities; a Teams message is well under 1 MB (files arrive as links). */
export const MAX_ACTIVITY_BYTES = 1024 * 1024;

/** The server alone, so it can listen first and links can name the port it got. */
export function createServer(): restify.Server {
  const server = restify.createServer({ name: 'cutover' });
  server.use(restify.plugins.queryParser());
  // No server-wide body parser: the one route that takes a body reads JSON only (jsonOnly below).
  return server;
}

/**
 * What /api/messages reads before the Bot Framework token is checked: plain JSON up to 1 MB,
 * kept in memory. Anything else (multipart, forms, gzip, which restify would inflate without
 * a limit) is refused with 415 before a byte is read, and a declared length over the limit
 * with 413; a longer body without a declared length stops at the limit with 413 too.
 */
function jsonOnly(): restify.RequestHandler[] {
  const refuse = (res: restify.Response, next: restify.Next, status: 413 | 415, message: string) => {
    res.send(status, { error: { code: status === 413 ? 'PayloadTooLarge' : 'UnsupportedMediaType', message } });
    return next(false);
  };
  const gate: restify.RequestHandler = (req, res, next) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse(res, next, 415, 'Cutover takes Bot Framework activities as application/json only.');
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      return refuse(res, next, 415, 'Cutover takes Bot Framework activities without a content encoding.');
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(length) && length > MAX_ACTIVITY_BYTES) {
      return refuse(res, next, 413, `An activity is at most ${MAX_ACTIVITY_BYTES} bytes.`);
    }
    return next();
  };
  // The reader keeps the body in memory and stops counting at the limit; the JSON parser then only parses.
  return [gate, restify.plugins.bodyReader({ maxBodySize: MAX_ACTIVITY_BYTES }), ...restify.plugins.jsonBodyParser({ bodyReader: true })];
}

export function registerRoutes(server: restify.Server, options: RouteOptions): void {
  server.post('/api/messages', ...jsonOnly(), async (req: restify.Request, res: restify.Response) => {
    await options.adapter.process(req, res, async (context) => {
      await options.bot.run(context);
    });
  });

  server.get('/healthz', async (_req, res) => {
    try {
      res.send(200, { status: 'ok', ...(await options.health()) });
    } catch (err) {
      res.send(503, { status: 'unhealthy', error: errorText(err) });
    }
  });

  server.get('/downloads/:id', async (req, res) => {
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const r = await options.downloads.resolve(String(req.params.id ?? ''), q.exp ?? '', q.sig ?? '');
    if ('error' in r) {
      // A bad signature looks like a missing file: don't confirm what exists.
      const status = r.error === 'expired' ? 410 : 404;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(r.error === 'expired' ? 'This download link has expired. Ask Cutover for the report again.' : 'Not found.');
      return;
    }
    res.writeHead(200, {
      'content-type': r.contentType,
      'content-length': r.body.length,
      'content-disposition': `attachment; filename="${r.fileName.replace(/["\\\r\n]/g, '_')}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(r.body);
  });

  server.on('restifyError', (req, res, err, cb) => {
    options.log.warn('http error', { path: req.path(), status: (err as { statusCode?: number }).statusCode, error: err.message });
    return cb();
  });
}
