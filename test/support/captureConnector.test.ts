import { startCaptureConnector, CaptureConnector } from './captureConnector';
import { cardExecute, cardSubmit, channelMessage, fileMessage, personalMessage, postActivity, BOT, MEGAN } from './activities';
import { startEchoBot, EchoBot } from './echoBot';

// The connector and builders are proven against a real CloudAdapter + restify bot.
describe('capture connector + activity builders', () => {
  let connector: CaptureConnector;
  let bot: EchoBot;

  beforeAll(async () => {
    [connector, bot] = await Promise.all([startCaptureConnector(), startEchoBot()]);
  });
  afterAll(async () => {
    await Promise.all([connector?.close(), bot?.close()]);
  });
  beforeEach(() => connector.reset());

  it('records a reply to a personal message at the activity serviceUrl', async () => {
    const activity = personalMessage('hello', { serviceUrl: connector.serviceUrl, user: MEGAN });
    const res = await postActivity(bot.url, activity);
    expect(res.status).toBe(200);
    const [reply] = await connector.waitForActivities(1, { conversationId: activity.conversation.id });
    expect(reply.kind).toBe('reply');
    expect(reply.replyToId).toBe(activity.id);
    expect(reply.activity.text).toBe('echo: hello');
    expect(reply.activity.recipient.aadObjectId).toBe(MEGAN.aadObjectId);
    expect(bot.received[bot.received.length - 1].from.aadObjectId).toBe(MEGAN.aadObjectId);
  });

  it('expectReplies returns replies in the body and posts nothing', async () => {
    const res = await postActivity(bot.url, personalMessage('hi', { serviceUrl: connector.serviceUrl }), { expectReplies: true });
    expect(res.status).toBe(200);
    expect(res.replies.map((r) => r.text)).toEqual(['echo: hi']);
    expect(connector.activities()).toHaveLength(0);
  });

  it('channel message carries the bot mention the bot strips', async () => {
    const activity = channelMessage('status', { serviceUrl: connector.serviceUrl, teamId: '19:t@thread.tacv2', channelId: '19:c@thread.tacv2' });
    expect(activity.text).toBe(`<at>${BOT.name}</at> status`);
    expect(activity.conversation.id).toMatch(/^19:c@thread\.tacv2;messageid=/);
    const res = await postActivity(bot.url, activity, { expectReplies: true });
    expect(res.replies[0].text).toBe('echo: status');
  });

  it('card submit, card execute (invoke response) and file message reach the bot', async () => {
    const s = await postActivity(bot.url, cardSubmit({ verb: 'hi', note: 'x' }, { serviceUrl: connector.serviceUrl }), { expectReplies: true });
    expect(s.replies[0].text).toBe('submit: {"verb":"hi","note":"x"}');
    const e = await postActivity(bot.url, cardExecute('check', { n: 1 }, { serviceUrl: connector.serviceUrl }));
    expect(e.status).toBe(200);
    expect(e.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'executed check' });
    const f = await postActivity(bot.url, fileMessage({ name: 'users.csv', downloadUrl: 'http://127.0.0.1:9/users.csv', serviceUrl: connector.serviceUrl }), {
      expectReplies: true,
    });
    expect(f.replies[0].text).toBe('file: users.csv http://127.0.0.1:9/users.csv');
  });

  it('records updateActivity (PUT) and proactive createConversation', async () => {
    const up = personalMessage('update', { serviceUrl: connector.serviceUrl });
    await postActivity(bot.url, up);
    const [sent] = await connector.waitForActivities(1);
    const [update] = await connector.waitForUpdates(1);
    expect(update.activityId).toBe(sent.activityId);
    expect(update.activity.text).toBe('v2');

    await postActivity(bot.url, personalMessage('proactive', { serviceUrl: connector.serviceUrl }));
    const [conv] = connector.createdConversations();
    expect(conv.parameters.members[0].aadObjectId).toBe(up.from.aadObjectId);
    const [hello] = await connector.waitForActivities(1, { conversationId: conv.id });
    // botbuilder's create-conversation turn has activity.id = conversation id, so this is a 'reply'.
    expect(hello.conversationId).toBe(conv.id);
    expect(hello.activity.text).toBe('hello from a new chat');
  });

  it('answers 429 with Retry-After, then accepts', async () => {
    connector.failNext({ status: 429, times: 1, retryAfterSeconds: 0 });
    const res = await postActivity(bot.url, personalMessage('again', { serviceUrl: connector.serviceUrl }));
    const statuses = connector.requests().map((r) => r.status);
    expect(statuses[0]).toBe(429);
    // botbuilder's HTTP pipeline retries 429 by itself.
    expect(res.status).toBe(200);
    expect(connector.activities().map((a) => a.activity.text)).toEqual(['echo: again']);
  });

  it('a conversation that fails 403 makes the send fail', async () => {
    const activity = personalMessage('x', { serviceUrl: connector.serviceUrl, conversationId: 'a:removed' });
    connector.failConversation('a:removed', 403);
    // CloudAdapter logs the RestError itself; keep the test output readable.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await postActivity(bot.url, activity).finally(() => quiet.mockRestore());
    expect(res.status).toBe(500);
    expect(connector.requests()).toEqual([expect.objectContaining({ status: 403 })]);
    expect(connector.activities()).toHaveLength(0);
  });

  it('members endpoints answer plausibly', async () => {
    const all = await (await fetch(`${connector.serviceUrl}v3/conversations/${encodeURIComponent('a:1')}/members`)).json();
    expect(all[0]).toEqual(expect.objectContaining({ name: 'Alex Wilber', aadObjectId: expect.any(String) }));
    const one = await fetch(`${connector.serviceUrl}v3/conversations/a%3A1/members/nobody`);
    expect(one.status).toBe(404);
  });
});
