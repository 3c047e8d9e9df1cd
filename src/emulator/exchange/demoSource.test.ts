import { createDemoSourceDirectory, findDemoUserByLogin } from './demoSource';

describe('demo IMAP source', () => {
  it("accepts Microsoft's documented example logins as written (contoso\\terry.adams), and the plain forms", () => {
    for (const login of ['contoso\\terry.adams', 'CONTOSO\\Terry.Adams', 'contoso.edu\\terry.adams', 'terry.adams', 'terry.adams@contoso.edu']) {
      expect(findDemoUserByLogin(login)?.alias).toBe('terrya');
    }
    expect(findDemoUserByLogin('fabrikam\\terry.adams')).toBeUndefined();
    expect(findDemoUserByLogin('contoso\\')).toBeUndefined();
  });

  it('signs in contoso\\ann.beebe with her documented password, and refuses a wrong one', async () => {
    const dir = createDemoSourceDirectory();
    const server = { remoteServer: 'imap.contoso.edu', port: 993, security: 'Ssl' as const };
    const ok = await dir.open(server, { userName: 'contoso\\ann.beebe', password: '2111991' }, { excludeFolders: [], largeItemLimitBytes: 35 * 1024 * 1024 });
    expect(ok.ok).toBe(true);
    const bad = await dir.open(server, { userName: 'contoso\\ann.beebe', password: '2111992' }, { excludeFolders: [], largeItemLimitBytes: 35 * 1024 * 1024 });
    expect(bad.ok).toBe(false);
  });
});
