import restify from 'restify';
import { ActivityTypes, CardFactory, CloudAdapter, ConfigurationBotFrameworkAuthentication, MessageFactory, TurnContext } from 'botbuilder';
import { AddressInfo } from 'node:net';

/**
 * A tiny bot for the harness self-tests (real CloudAdapter + restify, no credentials),
 * so the connector, Playground and Chromium helpers are proven before Cutover's bot
 * exists. Replies: `echo: <text>`; `card` → a card with an Action.Submit "Say hi";
 * `update` → sends "v1" then updates it in place to "v2"; `proactive` → opens a 1:1
 * conversation and posts there; file attachments → `file: <name> <downloadUrl>`;
 * Action.Submit → `submit: <json>`; adaptiveCard/action invoke → "executed <verb>".
 */
export interface EchoBot {
  url: string;
  port: number;
  /** Every activity the bot received, in order. */

  received: any[];
  close(): Promise<void>;
}

export async function startEchoBot(): Promise<EchoBot> {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: '',
    MicrosoftAppPassword: '',
    MicrosoftAppType: 'MultiTenant',
    MicrosoftAppTenantId: '',
  });
  const adapter = new CloudAdapter(auth);

  const received: any[] = [];

  const logic = async (ctx: TurnContext) => {
    const a = ctx.activity;
    received.push(a);
    if (a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action') {
      const verb = (a.value as { action?: { verb?: string } })?.action?.verb;
      await ctx.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: `executed ${verb}` } },
      });
      return;
    }
    if (a.type !== ActivityTypes.Message) return;
    const file = a.attachments?.find((x) => x.contentType === 'application/vnd.microsoft.teams.file.download.info');
    if (file) {
      await ctx.sendActivity(`file: ${file.name} ${(file.content as { downloadUrl?: string }).downloadUrl}`);
      return;
    }
    if (a.value && !a.text) {
      await ctx.sendActivity(`submit: ${JSON.stringify(a.value)}`);
      return;
    }
    const text = TurnContext.removeRecipientMention(a)?.trim() ?? a.text ?? '';
    if (text === 'card') {
      await ctx.sendActivity(
        MessageFactory.attachment(
          CardFactory.adaptiveCard({
            type: 'AdaptiveCard',
            version: '1.5',
            body: [{ type: 'TextBlock', text: 'Echo card' }],
            actions: [
              { type: 'Action.Submit', title: 'Say hi', data: { verb: 'hi' } },
              { type: 'Action.Execute', title: 'Run check', verb: 'check', data: { n: 1 } },
            ],
          }),
        ),
      );
    } else if (text === 'update') {
      const sent = await ctx.sendActivity('v1');
      await ctx.updateActivity({ ...MessageFactory.text('v2'), id: sent?.id });
    } else if (text === 'proactive') {
      await adapter.createConversationAsync(
        '',
        'msteams',
        a.serviceUrl,
        '',
        { isGroup: false, bot: a.recipient, members: [a.from], channelData: { tenant: { id: a.conversation.tenantId } } } as never,
        async (proactive) => {
          await proactive.sendActivity('hello from a new chat');
        },
      );
    } else {
      await ctx.sendActivity(`echo: ${text}`);
    }
  };

  const server = restify.createServer();
  server.use(restify.plugins.jsonBodyParser());
  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await adapter.process(req, res, logic);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
