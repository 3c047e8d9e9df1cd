import { parseCommand, tokenize } from './parse';

function ok(text: string) {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.problem}`);
  return r.command;
}

describe('parseCommand', () => {
  it('parses help and is forgiving about case and spacing', () => {
    expect(ok('  HELP ')).toEqual({ kind: 'help' });
  });

  it('parses endpoint add with defaults, port and security', () => {
    expect(ok('endpoint add school imap.contoso.edu')).toEqual({ kind: 'endpoint.add', name: 'school', host: 'imap.contoso.edu', port: 993, security: 'Ssl' });
    expect(ok('endpoint add school imap.contoso.edu 143')).toMatchObject({ port: 143, security: 'Tls' });
    expect(ok('endpoint add school imap.contoso.edu 10143 none')).toMatchObject({ port: 10143, security: 'None' });
    expect(ok('endpoint add school imap.contoso.edu tls')).toMatchObject({ port: 993, security: 'Tls' });
  });

  it('explains a bad security word and a bad port', () => {
    const r = parseCommand('endpoint add school imap.contoso.edu 993 ssh');
    expect(r).toMatchObject({ ok: false, family: 'endpoint', verb: 'add' });
    expect(!r.ok && r.problem).toMatch(/ssl.*tls.*none/);
    expect(parseCommand('endpoint add school imap.contoso.edu 70000')).toMatchObject({ ok: false });
  });

  it('parses batch new with endpoint, quoted excluded folders and a pasted CSV', () => {
    const c = ok('batch new pilot endpoint school exclude "Deleted Items",Junk\nEmailAddress,UserName,Password\na@b.c,a,p');
    expect(c).toEqual({
      kind: 'batch.new',
      name: 'pilot',
      endpoint: 'school',
      excludeFolders: ['Deleted Items', 'Junk'],
      pastedCsv: 'EmailAddress,UserName,Password\na@b.c,a,p',
    });
  });

  it('refuses batch names Exchange would not take', () => {
    expect(parseCommand('batch new bad/name')).toMatchObject({ ok: false, family: 'batch', verb: 'new' });
    expect(parseCommand('batch new ' + 'x'.repeat(65))).toMatchObject({ ok: false });
  });

  it('parses batch verbs and user/mailbox commands', () => {
    expect(ok('batch sync pilot')).toEqual({ kind: 'batch.sync', name: 'pilot' });
    expect(ok('batch')).toEqual({ kind: 'batch.list' });
    expect(ok('user show TerryA@Contoso.edu')).toEqual({ kind: 'user.show', email: 'terrya@contoso.edu' });
    expect(ok('mailbox limit annb@contoso.edu 150MB')).toEqual({ kind: 'mailbox.limit', email: 'annb@contoso.edu', bytes: 157286400 });
    expect(ok('mailbox limit annb@contoso.edu 50 MB')).toMatchObject({ bytes: 52428800 });
  });

  it("refuses limits over Exchange's 150 MB ceiling", () => {
    const r = parseCommand('mailbox limit annb@contoso.edu 151MB');
    expect(r).toMatchObject({ ok: false, family: 'mailbox', verb: 'limit' });
    expect(!r.ok && r.problem).toMatch(/150 MB/);
  });

  it('answers unknown words without throwing', () => {
    expect(parseCommand('frobnicate')).toMatchObject({ ok: false, family: null });
    expect(parseCommand('batch explode pilot')).toMatchObject({ ok: false, family: 'batch' });
    expect(parseCommand('user show not-an-address')).toMatchObject({ ok: false, family: 'user' });
    expect(parseCommand('')).toMatchObject({ ok: false });
  });

  it('tokenizes quoted words', () => {
    expect(tokenize(`a "b c" 'd e' f`)).toEqual(['a', 'b c', 'd e', 'f']);
  });
});

describe('parseCommand on long or hostile text', () => {
  it('checks addresses as before', () => {
    expect(parseCommand('user show Ann.B@Contoso.edu')).toMatchObject({ ok: true, command: { email: 'ann.b@contoso.edu' } });
    for (const bad of ['a@b', '@b.cd', 'a@.cd', 'a@b.', 'a@b@c.de', 'a b@c.de', 'a@b.c)d']) {
      expect(parseCommand(`user show ${bad}`)).toMatchObject({ ok: false, family: 'user' });
    }
  });

  // The old address pattern backtracked quadratically on "a@a.a.a…@" (seconds for 20 KB).
  const MB = 1024 * 1024;
  const hostile: [string, string][] = [
    ['an address full of dots ending in @', 'user show a@' + 'a.'.repeat(MB / 2) + '@'],
    ['an address full of dots ending in a space', 'mailbox show a@' + 'a.'.repeat(MB / 2) + '"'],
    ['unclosed quotes', 'batch new "' + 'x '.repeat(MB / 2)],
    ['quotes of both kinds', `endpoint add ${'"\''.repeat(MB / 2)}`],
    ['a long CSV under the command', 'batch new pilot\n' + 'a@b.cd,a,p\r\n'.repeat(MB / 12)],
  ];
  it.each(hostile)('answers a 1 MB hostile message (%s) in well under a second', (_name, text) => {
    const t0 = performance.now();
    const r = parseCommand(text);
    expect(performance.now() - t0).toBeLessThan(1000);
    // A refusal quotes at most a short piece of what was typed.
    if (!r.ok) expect(r.problem.length).toBeLessThan(400);
  });
});
