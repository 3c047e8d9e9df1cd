// The one way out for CSV-derived text, tried as a careless admin would: files with no
// header, columns out of order, extra columns and passwords that look like addresses,
// through `batch new` (and its buttons) and `preflight`. No password may reach a card,
// a message summary, a log line or a stored file. And a CSV pasted in a channel or a
// group chat is not read at all.

import { assertNoSecrets, startTestCutover, type TestCutover, finalCard } from '../support/cutover';

const HEADER = 'EmailAddress,UserName,Password';

describe('CSV passwords never leave through any text', () => {
  let t: TestCutover;
  const secrets: string[] = [];
  /** Every password of every file below, checked in every card, summary, log and file at the end. */
  const csv = (rows: [string, string, string, ...string[]][], header: string | null = HEADER, passwordAt = 2, extraSecretsFrom = 3) => {
    for (const r of rows) {
      secrets.push(r[passwordAt]);
      for (const x of r.slice(extraSecretsFrom)) secrets.push(x);
    }
    return [...(header ? [header] : []), ...rows.map((r) => r.join(','))].join('\n');
  };

  beforeAll(async () => {
    t = await startTestCutover();
    await t.say('endpoint add school imap.contoso.edu');
  });
  afterAll(async () => t?.close());

  it('a file with no header row: the first line is not printed, in batch new or preflight', async () => {
    const file = csv(
      [
        ['terrya@contoso.edu', 'terry.adams', 'NoHeader-Pw-1'],
        ['annb@contoso.edu', 'ann.beebe', 'NoHeader-Pw-2'],
      ],
      null,
    );
    const [card] = await t.say(`batch new nohead\n${file}`);
    expect(card.text).toMatch(/not the header/);
    expect(card.text).not.toMatch(/terry/);
    const [pre] = await t.say(`preflight\n${file}`);
    expect(pre.text).toMatch(/The CSV needs fixing first/);
    expect(pre.text).not.toMatch(/terry/);
  });

  it('columns out of order: passwords are not printed as "not a valid email address"', async () => {
    const file = csv(
      [
        ['Shuffled-Pw-1', 'terry.adams', 'terrya@contoso.edu'],
        ['Shuffled-Pw-2', 'ann.beebe', 'annb@contoso.edu'],
      ],
      HEADER,
      0,
    );
    const [card] = await t.say(`batch new shuffled\n${file}`);
    expect(card.text).toMatch(/not a valid email address/);
    expect(card.text).toMatch(/Column 3 of this row holds an email address/);
    const [pre] = await t.say(`preflight\n${file}`);
    expect(pre.text).toMatch(/No usable rows/);
  });

  it('extra columns: their values are not printed, only the header names', async () => {
    const file = csv([['terrya@contoso.edu', 'terry.adams', '1091990', 'Old-Pw-Extra-1']], `${HEADER},OldPassword`);
    const [card] = await t.say(`batch new extra\n${file}`);
    expect(card.text).toMatch(/"OldPassword"/);
    const [pre] = await t.say(`preflight\n${file}`);
    expect(pre.text).toMatch(/The CSV needs fixing first/);
  });

  it('passwords that look like addresses, and in the address column: hidden on every card, summary and button answer', async () => {
    // kima's row is swapped (the password, itself an address, sits under EmailAddress);
    // jeffh's password looks like an address; danj's user name and password are swapped.
    const file = csv([
      ['pw.kim@contoso.edu', 'kim.akers', 'kima@contoso.edu'],
      ['jeffh@contoso.edu', 'jeff.hay', 'jeff.pw@fabrikam.com'],
      ['danj@contoso.edu', 'UserSwap-Pw-3', 'dan.jump'],
    ]);
    secrets.push('pw.kim@contoso.edu', 'UserSwap-Pw-3');
    const [validation] = await t.say(`batch new lookalike\n${file}`);
    expect(validation.text).toMatch(/no Exchange Online mailbox was found for the address in this row/);
    const ran = await t.press(validation, 'Run preflight');
    const text = await finalCard(t, ran.extra[0], /Preflight result/);
    expect(text).toMatch(/Row 1 · ••••/);
    expect(text).toMatch(/Row 3 · danj@contoso.edu\nThe source server rejected the user name or password for "••••"/);
    const [pre] = await t.say(`preflight\n${file}`);
    const direct = await finalCard(t, pre, /Preflight result/);
    expect(direct).toMatch(/Blocked\n3/);
  });

  it('keeps all of them out of every card, summary, log line and stored file', () => {
    expect(secrets.length).toBeGreaterThan(8);
    assertNoSecrets(t, secrets);
    // The assertion does look at summaries and the log.
    expect(() => assertNoSecrets(t, ['Batch nohead:'])).toThrow(/a message summary holds/);
    expect(t.logs()).toMatch(/\S/);
  });
});

describe('secrets stay out of channels', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
    await t.say('endpoint add school imap.contoso.edu');
  });
  afterAll(async () => t?.close());

  const file = `${HEADER}\nterrya@contoso.edu,terry.adams,Channel-Pw-1\nannb@contoso.edu,ann.beebe,Channel-Pw-2`;

  it.each([
    ['batch new', 'channel'],
    ['preflight', 'channel'],
    ['batch new', 'groupChat'],
  ] as const)('%s with a CSV pasted in a %s: not read, and the answer says to delete it and attach it in personal chat', async (command, scope) => {
    const cards = await t.say(`${command === 'batch new' ? 'batch new wave' : 'preflight'}\n${file}`, { channel: true, scope });
    expect(cards).toHaveLength(1);
    expect(cards[0].text).toMatch(/Delete that message/);
    expect(cards[0].text).toMatch(/personal chat with Cutover/);
    expect(cards[0].text).not.toMatch(/ready|problem|Preflight against/i);
  });

  it('stored nothing from it, and the same CSV in personal chat is still read', async () => {
    const audit = (await t.say('audit 50'))[0].text;
    expect(audit).not.toMatch(/batch\.validate|preflight/);
    const [ok] = await t.say(`batch new wave\n${file}`);
    expect(ok.text).toMatch(/Create batch wave|rows are ready/);
    assertNoSecrets(t, ['Channel-Pw-1', 'Channel-Pw-2']);
  });
});
