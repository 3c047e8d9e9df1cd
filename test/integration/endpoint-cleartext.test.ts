// An endpoint with security None sends every user's password in clear: its cards say so, and so
// does the validation card of a batch that would use it. TLS endpoints carry no such warning.

import { startTestCutover, type TestCutover } from '../support/cutover';

const CLEAR = /Endpoint plain uses security None: every user's password crosses the network to imap\.contoso\.edu:143 in clear/;
const FIX = /endpoint remove plain, then endpoint add plain imap\.contoso\.edu 993 ssl \(or imap\.contoso\.edu 143 tls for STARTTLS\)/;
const CSV = 'EmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990';

describe('endpoints with security None', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
  });
  afterAll(async () => t?.close());

  it('warns on endpoint add, list and test, with the fix', async () => {
    const [added] = await t.say('endpoint add plain imap.contoso.edu 143 none');
    expect(added.text).toMatch(/Endpoint plain created/);
    expect(added.text).toMatch(CLEAR);
    expect(added.text).toMatch(FIX);
    const [safe] = await t.say('endpoint add safe imap.contoso.edu 993 ssl');
    expect(safe.text).toMatch(/Endpoint safe created/);
    expect(safe.text).not.toMatch(/in clear/);
    const [list] = await t.say('endpoint list');
    expect(list.text).toMatch(CLEAR);
    expect(list.text).not.toMatch(/Endpoint safe uses security None/);
    const [tested] = await t.say('endpoint test plain');
    expect(tested.text).toMatch(CLEAR);
    const [testedSafe] = await t.say('endpoint test safe');
    expect(testedSafe.text).not.toMatch(/in clear/);
  });

  it('warns on the validation card of a batch using it, not of one using TLS', async () => {
    const [validation] = await t.say(`batch new clear endpoint plain\n${CSV}`);
    expect(validation.text).toMatch(/New batch clear: CSV check/);
    expect(validation.text).toMatch(CLEAR);
    expect(validation.text).toMatch(FIX);
    const [tls] = await t.say(`batch new tls endpoint safe\n${CSV}`);
    expect(tls.text).toMatch(/New batch tls: CSV check/);
    expect(tls.text).not.toMatch(/in clear/);
  });
});
