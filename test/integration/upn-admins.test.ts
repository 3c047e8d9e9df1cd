// Admins listed by UPN in CUTOVER_ADMINS: recognised through the directory (the listed UPN resolved
// to an object id through Graph, here the Graph emulator) or through Teams (the sender's UPN from the
// member lookup, here the capture connector's members endpoint). Both paths, each on its own.

import { ALEX, MEGAN, type TestUser } from '../support/activities';
import { startTestCutover, type TestCutover } from '../support/cutover';

const PAT: TestUser = { id: '29:user-id-pat', name: 'Pat Admin', aadObjectId: '0000aaaa-0000-0000-0000-00000000a0a0' };

describe('admins listed by UPN', () => {
  describe('resolved through Graph', () => {
    let t: TestCutover;
    beforeAll(async () => {
      // Megan is in the Graph emulator's directory as meganb@contoso.edu; the connector's member
      // lookup does not know her (only Alex), so only the Graph path can make her an admin.
      t = await startTestCutover({ CUTOVER_ADMINS: 'MeganB@contoso.edu' });
    });
    afterAll(async () => t?.close());

    it('lets the person with that UPN in by object id, and nobody else', async () => {
      const [ok] = await t.say('endpoint list', { user: MEGAN });
      expect(ok.text).not.toMatch(/That is for Cutover admins/);
      expect(ok.text).toMatch(/endpoint/i);
      const [refused] = await t.say('endpoint list', { user: ALEX });
      expect(refused.text).toMatch(/That is for Cutover admins/);
    });

    it('asks Graph again only when the cache is stale, not on every message', async () => {
      const before = t.cutover.graphEmulator!.control.counts().requests;
      await t.say('endpoint list', { user: MEGAN });
      await t.say('endpoint list', { user: ALEX });
      expect(t.cutover.graphEmulator!.control.counts().requests).toBe(before);
    });
  });

  describe('read from Teams (member lookup)', () => {
    let t: TestCutover;
    beforeAll(async () => {
      // Not in the Graph directory at all: only Teams can say this sender's UPN.
      t = await startTestCutover({ CUTOVER_ADMINS: 'pat.admin@fabrikam.example' });
    });
    afterAll(async () => t?.close());

    it("reads the sender's UPN from Teams and lets a listed UPN in", async () => {
      t.connector.setMembers(`a:personal-${PAT.aadObjectId}`, [
        { id: PAT.id, name: PAT.name, aadObjectId: PAT.aadObjectId, userPrincipalName: 'Pat.Admin@fabrikam.example' },
      ]);
      const [ok] = await t.say('endpoint list', { user: PAT });
      expect(ok.text).not.toMatch(/That is for Cutover admins/);
      expect(t.connector.requests().some((r) => r.method === 'GET' && decodeURIComponent(r.path).endsWith(`/members/${PAT.id}`))).toBe(true);
      // Alex's UPN (alexw@contoso.example, from the same lookup) is not listed.
      const [refused] = await t.say('endpoint list', { user: ALEX });
      expect(refused.text).toMatch(/That is for Cutover admins/);
    });

    it('works in a channel too (the team roster)', async () => {
      t.connector.setMembers('19:team-general@thread.tacv2', [
        { id: PAT.id, name: PAT.name, aadObjectId: PAT.aadObjectId, userPrincipalName: 'pat.admin@fabrikam.example' },
      ]);
      const [ok] = await t.say('endpoint list', { user: { ...PAT, id: '29:user-id-pat' }, channel: true });
      expect(ok.text).not.toMatch(/That is for Cutover admins/);
    });

    it('fails safe when Teams cannot say who it is', async () => {
      const stranger: TestUser = { id: '29:user-id-x', name: 'Stranger', aadObjectId: '0000bbbb-0000-0000-0000-00000000b0b0' };
      const [refused] = await t.say('endpoint list', { user: stranger });
      expect(refused.text).toMatch(/That is for Cutover admins/);
    });
  });
});
