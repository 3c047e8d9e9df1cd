import os from 'node:os';
import { startEchoBot, EchoBot } from './echoBot';
import { isFromBot, isToBot, Playground, startPlayground } from './playground';

// The Playground harness against a real CloudAdapter bot, before Cutover's bot exists.
describe('Agents Playground harness', () => {
  let bot: EchoBot;
  let pg: Playground;

  beforeAll(async () => {
    bot = await startEchoBot();
    pg = await startPlayground({ botUrl: bot.url });
  });
  afterAll(async () => {
    await pg?.stop();
    await bot?.close();
  });

  it('serves its config on loopback', async () => {
    expect(pg.url).toBe(`http://127.0.0.1:${pg.port}`);
    const { config } = await pg.config();
    expect(config.bot.name).toBe('Test Bot');
    expect(await pg.personalChatId()).toBe(config.personalChat.id);
  });

  it('is not reachable on a non-loopback interface', async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) return; // a machine with loopback only has nothing to check
    await expect(fetch(`http://${external.address}:${pg.port}/_debug/ping`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('personal chat message → bot reply on the log stream, via the Playground connector', async () => {
    const chat = await pg.personalChatId();
    await pg.sendMessage(chat, 'hello');
    const reply = await pg.logStream.next((e) => isFromBot(e) && e.request?.body?.text === 'echo: hello');
    expect(reply.conversationId).toBe(chat);
    const delivered = await pg.logStream.next((e) => isToBot(e) && e.request?.body?.text === 'hello');
    expect(delivered.response?.statusCode).toBe(200);
    // The bot replied to the serviceUrl the harness pinned with --su.
    expect(delivered.request?.body?.serviceUrl).toBe(`http://127.0.0.1:${pg.port}/_connector`);
  });

  it('a custom file-upload activity reaches the bot', async () => {
    const chat = await pg.personalChatId();
    await pg.sendFile(chat, { name: 'users.csv', downloadUrl: 'http://127.0.0.1:9/users.csv' });
    const reply = await pg.logStream.next((e) => isFromBot(e) && /^file: /.test(e.request?.body?.text ?? ''));
    expect(reply.request?.body?.text).toBe('file: users.csv http://127.0.0.1:9/users.csv');
    const got = bot.received.find((a) => a.attachments?.[0]?.name === 'users.csv');
    expect(got.attachments[0].contentType).toBe('application/vnd.microsoft.teams.file.download.info');
    expect(got.conversation.id).toBe(chat);
  });

  it('card → submit and execute round trip; channel post with the bot mention', async () => {
    const chat = await pg.personalChatId();
    await pg.sendMessage(chat, 'card');
    const card = await pg.logStream.next((e) => isFromBot(e) && e.request?.body?.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive');
    await pg.submit(chat, card.messageId!, { verb: 'hi' });
    await pg.logStream.next((e) => isFromBot(e) && e.request?.body?.text === 'submit: {"verb":"hi"}');
    const result = await pg.invoke(chat, card.messageId!, 'check', { n: 1 });
    expect(result).toEqual(expect.objectContaining({ value: 'executed check' }));

    const posted = await pg.sendMessage('team-id', 'ping');
    expect(posted.postConversationId).toMatch(/^team-id;messageid=/);
    await pg.logStream.next((e) => isFromBot(e) && e.request?.body?.text === 'echo: ping');
  });
});
