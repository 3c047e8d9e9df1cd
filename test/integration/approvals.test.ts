// Four eyes (CUTOVER_APPROVERS) through the capture connector: two admins (Alex, Megan) and the
// approvers Alex and Adele. Alex asks to remove a batch: the approval card lands in his chat and in
// the channel subscribed to the batch; Alex cannot approve his own request, Megan is no approver,
// Adele approves it once, the step runs under her name, and every copy of the card says so.

import { ALEX, DEFAULT_CHANNEL_ID, MEGAN, type TestUser } from '../support/activities';
import { cardText, startTestCutover, type SentCard, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';
import * as path from 'node:path';
import { AuditLog } from '../../src/services/auditLog';
import { FileStore } from '../../src/adapters/storage/fileStore';
import { systemClock } from '../../src/ports/clock';

const ADELE: TestUser = { id: '29:user-id-2', name: 'Adele Vance', aadObjectId: '00000000-0000-0000-0000-0000000000a3' };
const ENV = {
  WATCHER_INTERVAL_MS: '100',
  CUTOVER_ADMINS: `${ALEX.aadObjectId},${MEGAN.aadObjectId}`,
  CUTOVER_APPROVERS: `${ALEX.aadObjectId},${ADELE.aadObjectId}`,
};
const CSV = 'EmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\nannb@contoso.edu,ann.beebe,2111991';

async function syncedBatch(t: TestCutover, name: string): Promise<void> {
  await t.say('subscribe all', { channel: true });
  await t.say('endpoint add school imap.contoso.edu');
  const [v] = await t.say(`batch new ${name}\n${CSV}`);
  await t.press(v, /^Create/);
  await t.cutover.emulator!.control.advance(2 * 3600);
  await t.cutover.emulator!.control.settle();
}

/** The approval card the bot posted in the channel (proactively), as a card a person can press. */
function channelCard(t: TestCutover, title: RegExp): SentCard {
  const a = t.connector
    .activities(DEFAULT_CHANNEL_ID)
    .filter((x) => x.activity?.attachments?.length)
    .map((x) => ({ activityId: x.activityId, card: x.activity.attachments[0].content, text: cardText(x.activity.attachments[0].content) }))
    .filter((c) => title.test(c.text));
  if (!a.length) throw new Error('no approval card in the channel');
  return a[a.length - 1];
}

const inChannel = { scope: 'channel' as const, conversationId: DEFAULT_CHANNEL_ID };

describe('approvals', () => {
  let t: TestCutover;
  afterEach(async () => t?.close());

  it("refuses the requester and a non-approver, runs on the approver's word once, and updates the card everywhere", async () => {
    t = await startTestCutover(ENV);
    await syncedBatch(t, 'pilot');

    const [asked] = await t.say('batch remove pilot');
    expect(asked.text).toMatch(/Approval needed: remove batch pilot/);
    expect(asked.text).toMatch(/Asked by\nAlex Wilber/);
    expect(asked.text).toContain("Remove-MigrationBatch -Identity 'pilot' -Confirm:$false");
    expect(asked.text).toMatch(/Expires/);
    const posted = await waitFor(() => channelCard(t, /Approval needed: remove batch pilot/), { timeoutMs: 5000 });

    // The requester, even an approver, cannot approve his own request.
    const own = await t.press(asked, 'Approve');
    expect(own.text).toMatch(/You asked for this/);
    // An admin who is no approver cannot either.
    const megan = await t.press(posted, 'Approve', { user: MEGAN, ...inChannel });
    expect(megan.text).toMatch(/Only the approvers/);
    const [still] = await t.say('batch show pilot');
    expect(still.text).toMatch(/\nSynced\n/);

    // Adele, an approver (not an admin), approves in the channel: it runs under her name.
    const approved = await t.press(posted, 'Approve', { user: ADELE, ...inChannel });
    expect(approved.text).toMatch(/Approved and done: remove batch pilot/);
    expect(approved.text).toMatch(/Approved by\nAdele Vance/);
    // Once: a second approval (or Teams delivering the invoke twice) does nothing.
    const again = await t.press(posted, 'Approve', { user: ADELE, ...inChannel });
    expect(again.text).toMatch(/already approved by Adele Vance/);

    // Every copy of the card, in Alex's chat and in the channel, now says so.
    const updatedIds = () =>
      t.connector
        .updates()
        .filter((u) => /Approved and done: remove batch pilot/.test(cardText(u.activity?.attachments?.[0]?.content ?? {})))
        .map((u) => u.activityId);
    await waitFor(() => (updatedIds().includes(asked.activityId) && updatedIds().includes(posted.activityId) ? true : undefined), { timeoutMs: 5000 });

    await t.cutover.emulator!.control.advance(600);
    const [gone] = await t.say('batch show pilot');
    expect(gone.text).not.toMatch(/\nSynced\n/);
    const [history] = await t.say('batch history pilot');
    expect(history.text).toMatch(/by Adele Vance/);

    // All of it audited: the request, both refusals, the approval and the removal under Adele's name.
    const audit = (await new AuditLog(new FileStore(path.join(t.dataDir, 'state')), systemClock).recent(50)).reverse();
    const seen = audit.map((e) => `${e.actor.name} ${e.action} ${e.target} ${e.result} ${e.detail ?? ''}`);
    const at = (re: RegExp) => seen.findIndex((x) => re.test(x));
    expect(at(/^Alex Wilber approval\.request pilot ok batch\.remove/)).toBeGreaterThanOrEqual(0);
    expect(at(/^Alex Wilber approval\.approve pilot refused own-request/)).toBeGreaterThan(at(/approval\.request/));
    expect(at(/^Megan Bowen approval\.approve pilot refused not-approver/)).toBeGreaterThan(at(/own-request/));
    expect(at(/^Adele Vance approval\.approve pilot ok batch\.remove asked by Alex Wilber/)).toBeGreaterThan(at(/not-approver/));
    expect(at(/^Adele Vance batch\.remove pilot ok approved; asked by Alex Wilber/)).toBeGreaterThan(at(/Adele Vance approval\.approve pilot ok/));
    expect(seen.filter((x) => /batch\.remove pilot ok approved/.test(x))).toHaveLength(1);
  });

  it('refuses an approval after the request expired, and the card says it expired everywhere', async () => {
    t = await startTestCutover({ ...ENV, CUTOVER_APPROVAL_EXPIRY_SECONDS: '1' });
    await syncedBatch(t, 'late');
    const [asked] = await t.say('user remove terrya@contoso.edu');
    expect(asked.text).toMatch(/Approval needed: remove terrya@contoso\.edu from batch late/);
    const posted = await waitFor(() => channelCard(t, /Approval needed: remove terrya/), { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 1200));
    const late = await t.press(posted, 'Approve', { user: ADELE, ...inChannel });
    expect(late.text).toMatch(/expired before anyone approved it/);
    const [user] = await t.say('user show terrya@contoso.edu');
    expect(user.text).toMatch(/in batch late/);
    const expiredIds = () =>
      t.connector
        .updates()
        .filter((u) => /Expired, nothing done/.test(cardText(u.activity?.attachments?.[0]?.content ?? {})))
        .map((u) => u.activityId);
    await waitFor(() => (expiredIds().includes(asked.activityId) && expiredIds().includes(posted.activityId) ? true : undefined), { timeoutMs: 5000 });
  });

  it("asks for the cut-over plan's remove step once it would run, and runs it as the approver", async () => {
    t = await startTestCutover(ENV);
    await syncedBatch(t, 'wave');
    const [plan] = await t.say(`cutover plan batch wave\n${CSV}`);
    // Earlier steps are not done: refused as before, with a Force button; forcing asks for approval.
    // (The plan card offers only the next step; the remove step's button is pressed as an older card would.)
    const removeButton: SentCard = {
      ...plan,
      card: {
        type: 'AdaptiveCard',
        actions: [{ type: 'Action.Execute', title: 'Remove batch', verb: 'cutover.step', data: { batch: 'wave', step: 'remove-batch' } }],
      },
    };
    const refused = await t.press(removeButton, 'Remove batch');
    const notYet = refused.extra[0] ?? { activityId: '', card: refused.card, text: refused.text };
    expect(notYet.text).toMatch(/Not yet: Remove the batch/);
    const forced = await t.press(notYet, /^Force/);
    expect(forced.text).toMatch(/Approval needed: remove batch wave \(cut-over plan's last step, forced past its guard\)/);
    const [still] = await t.say('batch show wave');
    expect(still.text).toMatch(/\nSynced\n/);
    const asked = forced.extra[0] ?? { activityId: '', card: forced.card, text: forced.text };
    const approved = await t.press(asked, 'Approve', { user: ADELE });
    expect(approved.text).toMatch(/Approved and done: remove batch wave/);
    await t.cutover.emulator!.control.advance(600);
    const [history] = await t.say('batch history wave');
    expect(history.text).toMatch(/removed through Cutover[\s\S]*Adele Vance/);
  });

  it('keeps the single confirmation when no approver is listed', async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '100' });
    await syncedBatch(t, 'solo');
    const [asked] = await t.say('batch remove solo');
    expect(asked.text).toMatch(/Remove batch solo\?/);
    expect(asked.text).not.toMatch(/Approval needed/);
  });
});
