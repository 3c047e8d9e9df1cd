// Per-user files (reports, proof, preflight results, skipped items) reach only the admin who asked,
// in their personal chat with Cutover, the Teams way (Microsoft Learn, "Send and receive files using bot"):
//   1. the bot sends a file consent card (application/vnd.microsoft.teams.card.file.consent);
//   2. on Allow, Teams sends an invoke `fileConsent/invoke` whose value carries uploadInfo.uploadUrl,
//      an upload session in the admin's OneDrive;
//   3. the bot PUTs the bytes there (Content-Range) and sends a file info card
//      (application/vnd.microsoft.teams.card.file.info) pointing at the file.
// Asked in a channel or group chat, the files still go to the personal chat (a stored reference, or a
// new 1:1 conversation with the asker), and the card in the channel only says so.
// Until the answer, the file waits sealed in Downloads (at most 15 minutes), never in clear on disk.
// The Agents Playground has no OneDrive behind it and cannot answer a consent card, so local mode
// hands out a signed link instead (15 minutes, never in a summary).

import * as http from 'node:http';
import * as https from 'node:https';
import { AsyncLocalStorage } from 'node:async_hooks';
import { MessageFactory, TurnContext, type Activity, type Attachment, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Logger } from '../commands/router';
import { notice } from '../commands/views';
import type { ExportFile, FileRecipient, Handover, ReportDelivery } from '../ports/reportDelivery';
import type { ConversationRef } from '../services/conversations';
import type { Downloads } from '../services/downloads';
import { runProactive } from './proactive';
import { errorText } from '../lib/errorText';

export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

// Teams waits about 15 s for an invoke's answer; report files are small.
const UPLOAD_TIMEOUT_MS = 12_000;

export interface FileConsentValue {
  type?: string;
  action?: string;
  context?: { upload?: unknown };
  uploadInfo?: { name?: string; uploadUrl?: string; contentUrl?: string; uniqueId?: string; fileType?: string };
}

export interface FileHandoverOptions {
  adapter: CloudAdapter;
  botAppId: string;
  downloads: Pick<Downloads, 'create' | 'stash' | 'claim' | 'discard'>;
  /** The personal chat with this person (Entra object id), if Teams told the bot about one. */
  findPersonal(aadObjectId: string): Promise<{ reference: ConversationRef } | null>;
  /** consent: file consent cards (Teams); link: a 15-minute signed link (the Agents Playground). */
  how: 'consent' | 'link';
  /** Hosts an upload session may be on (OneDrive/SharePoint); checked before any connection. */
  uploadHostAllowed(hostname: string): boolean;
  /** Local mode and tests: plain http to 127.0.0.1/localhost/::1 too. */
  allowLoopbackHttp: boolean;
  log: Logger;
}

export interface Turn {
  reference: Partial<ConversationReference>;
  conversationType: string;
  fromId: string;
  tenantId?: string;
  /** Files for this very chat wait here until the turn's answer is sent (flush), so they come below it. */
  pending: (() => Promise<void>)[] | null;
}

export class FileHandover implements ReportDelivery {
  private readonly turns = new AsyncLocalStorage<Turn>();

  constructor(private readonly o: FileHandoverOptions) {}

  /** Who asks where, from the incoming activity. */
  turn(activity: Partial<Activity>): Turn {
    const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
    return {
      reference: TurnContext.getConversationReference(activity),
      conversationType: activity.conversation?.conversationType ?? 'personal',
      fromId: activity.from?.id ?? '',
      tenantId: activity.conversation?.tenantId ?? channelData.tenant?.id,
      pending: [],
    };
  }

  /** Runs a turn's work (and its follow-ups) knowing who asked where, so deliver() finds their personal chat. */
  run<T>(turn: Turn, work: () => Promise<T>): Promise<T> {
    return this.turns.run(turn, work);
  }

  /** The turn's answer is out: send the files meant for this chat now; later deliveries go at once. */
  async flush(turn: Turn): Promise<void> {
    const waiting = turn.pending ?? [];
    turn.pending = null;
    for (const send of waiting) {
      await send().catch((err) => this.o.log.warn('files not handed over', { error: errorText(err) }));
    }
  }

  async deliver(to: FileRecipient, files: ExportFile[]): Promise<Handover> {
    const turn = this.turns.getStore();
    const names = files.map((f) => f.fileName);
    const send = async (ctx: TurnContext) => {
      if (this.o.how === 'consent') {
        for (const f of files) await ctx.sendActivity(MessageFactory.attachment(await this.consentCard(to, f)));
      } else {
        const links: string[] = [];
        for (const f of files)
          links.push(
            `[${f.fileName}](${await this.o.downloads.create({ fileName: f.fileName, contentType: f.contentType, body: f.body, createdBy: { id: to.id, name: to.name } })})`,
          );
        const r = notice({ title: 'Your files from Cutover', text: 'For you only: the links work for 15 minutes.', lines: links });
        await ctx.sendActivity({
          ...MessageFactory.attachment({ contentType: 'application/vnd.microsoft.card.adaptive', content: r.card }),
          summary: r.summary,
        });
      }
    };
    try {
      // Asked in the personal chat itself: answer there.
      if (turn && turn.conversationType === 'personal' && turn.fromId === to.id) {
        const go = () => runProactive(this.o.adapter, this.o.botAppId, turn.reference, send);
        if (turn.pending) turn.pending.push(go);
        else await go();
        return { status: 'sent', to: 'this-chat', how: this.o.how, files: names };
      }
      const stored = to.aadObjectId ? await this.o.findPersonal(to.aadObjectId) : null;
      if (stored) {
        await runProactive(this.o.adapter, this.o.botAppId, stored.reference as Partial<ConversationReference>, send);
        return { status: 'sent', to: 'personal-chat', how: this.o.how, files: names };
      }
      // A new 1:1 conversation with the asker (the bot is in a team or chat they are in).
      if (turn?.reference.serviceUrl && turn.reference.bot) {
        let failure: unknown = null;
        await this.o.adapter.createConversationAsync(
          this.o.botAppId,
          turn.reference.channelId ?? 'msteams',
          turn.reference.serviceUrl,
          undefined as unknown as string,
          {
            isGroup: false,
            bot: turn.reference.bot,
            members: [{ id: to.id, name: to.name ?? '' }],
            tenantId: turn.tenantId,
            channelData: { tenant: { id: turn.tenantId } },
          } as never,
          async (ctx) => {
            try {
              await send(ctx);
            } catch (err) {
              failure = err;
            }
          },
        );
        if (failure) throw failure;
        return { status: 'sent', to: 'personal-chat', how: this.o.how, files: names };
      }
    } catch (err) {
      this.o.log.warn('files not handed over', { error: errorText(err) });
    }
    return { status: 'no-personal-chat' };
  }

  /** Allow on a file consent card: upload to the admin's OneDrive, then show the file. */
  async accept(context: TurnContext, value: FileConsentValue): Promise<void> {
    const id = typeof value?.context?.upload === 'string' ? value.context.upload : '';
    const info = value?.uploadInfo ?? {};
    const file = await this.o.downloads.claim(id, { id: context.activity.from?.id ?? '' });
    if ('error' in file) {
      const r = notice({
        title: file.error === 'someone-else' ? 'This file was offered to someone else' : 'This file is no longer here',
        tone: 'warn',
        text:
          file.error === 'someone-else'
            ? 'Ask Cutover for the report yourself.'
            : 'Files wait 15 minutes for an answer and are saved once. Ask for the report again.',
      });
      await context.sendActivity(replyOf(r));
      return;
    }
    try {
      const url = this.checkUploadUrl(info.uploadUrl);
      await putFile(url, file.body, file.contentType);
      await context.sendActivity(
        MessageFactory.attachment({
          contentType: FILE_INFO_CARD,
          name: info.name ?? file.fileName,
          contentUrl: info.contentUrl,
          content: { uniqueId: info.uniqueId, fileType: info.fileType },
        } as Attachment),
      );
    } catch (err) {
      const reason = err instanceof UploadError ? err.message : 'the upload failed';
      this.o.log.warn('file upload to OneDrive failed', { error: reason });
      await context.sendActivity(
        replyOf(notice({ title: `${file.fileName} was not saved`, tone: 'bad', text: `${reason}. Nothing was kept; ask for the report again.` })),
      );
    } finally {
      file.body.fill(0);
    }
  }

  /** Decline: the file goes now, not at expiry. */
  async decline(context: TurnContext, value: FileConsentValue): Promise<void> {
    const id = typeof value?.context?.upload === 'string' ? value.context.upload : '';
    const gone = await this.o.downloads.discard(id, { id: context.activity.from?.id ?? '' });
    await context.sendActivity(
      replyOf(
        notice({
          title: gone ? 'Not saved' : 'Nothing to decline',
          text: gone ? 'The file was deleted; ask for the report again when you need it.' : 'This offer had already expired or been answered.',
        }),
      ),
    );
  }

  private async consentCard(to: FileRecipient, f: ExportFile): Promise<Attachment> {
    const id = await this.o.downloads.stash({ fileName: f.fileName, contentType: f.contentType, body: f.body, createdBy: { id: to.id, name: to.name } });
    return {
      contentType: FILE_CONSENT_CARD,
      name: f.fileName,
      content: { description: f.description, sizeInBytes: f.body.length, acceptContext: { upload: id }, declineContext: { upload: id } },
    };
  }

  /** The upload session's address, checked like any outbound address before a connection is made. */
  checkUploadUrl(raw: unknown): URL {
    let url: URL;
    try {
      url = new URL(String(raw ?? ''));
    } catch {
      throw new UploadError('Teams gave no valid upload address');
    }
    if (url.username || url.password) throw new UploadError('the upload address carries credentials');
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
    if (this.o.allowLoopbackHttp && loopback && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
    if (url.protocol !== 'https:') throw new UploadError(`the upload address is not https (${url.protocol}//${host})`);
    if (!this.o.uploadHostAllowed(host)) throw new UploadError(`the upload address is not OneDrive or SharePoint (${host})`);
    return url;
  }
}

export class UploadError extends Error {}

function replyOf(r: { card: Record<string, unknown>; summary: string }): Partial<Activity> {
  return { ...MessageFactory.attachment({ contentType: 'application/vnd.microsoft.card.adaptive', content: r.card }), summary: r.summary };
}

/** One PUT of the whole file to the upload session; redirects are not followed. */
function putFile(url: URL, body: Buffer, contentType: string): Promise<void> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'PUT',
        headers: {
          'Content-Type': contentType,
          'Content-Length': String(body.length),
          'Content-Range': `bytes 0-${Math.max(body.length - 1, 0)}/${body.length}`,
        },
        timeout: UPLOAD_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new UploadError(`OneDrive answered ${status}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new UploadError('the upload took too long')));
    req.on('error', (err) => reject(err instanceof UploadError ? err : new UploadError('the upload could not connect')));
    req.end(body);
  });
}
