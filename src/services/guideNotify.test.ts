import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStore } from '../adapters/storage/fileStore';
import { systemClock } from '../ports/clock';
import { Conversations } from './conversations';
import { subscribedAdminNotifier } from './guideNotify';
import { Subscriptions } from './subscriptions';

describe('help requests to subscribed admin channels', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guide-notify-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('posts to every subscribed channel with a stored reference and says whether anyone was told', async () => {
    const store = new FileStore(dir);
    const subscriptions = new Subscriptions(store, systemClock);
    const conversations = new Conversations(store, systemClock);
    const sent: { conv: string | undefined; text: string }[] = [];
    const notifier = subscribedAdminNotifier({
      subscriptions,
      conversations,
      sink: {
        async send(reference, reply) {
          sent.push({ conv: reference.conversation?.id, text: JSON.stringify(reply.card) });
          return 'a1';
        },
      },
    });
    const msg = {
      title: 'Ann Beebe needs help with the move to Exchange',
      text: 'Stuck at: Copy your contacts.',
      facts: [{ title: 'Step', value: 'Copy your contacts' }],
    };
    expect(await notifier.notifyAdmins(msg)).toBe(false);
    const id = await conversations.remember(
      {
        conversation: { id: '19:admins@thread.tacv2', conversationType: 'channel' },
        serviceUrl: 'http://127.0.0.1:1/',
        channelId: 'msteams',
        bot: { id: '28:bot' },
      },
      'membersAdded',
    );
    await subscriptions.subscribe(id ?? '19:admins@thread.tacv2', { all: true }, { id: '29:admin' });
    expect(await notifier.notifyAdmins(msg)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toMatch(/Ann Beebe needs help/);
    expect(sent[0].text).toMatch(/Copy your contacts/);
  });
});
