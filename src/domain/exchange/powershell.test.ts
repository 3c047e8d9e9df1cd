import { quotePowerShell, toPowerShell } from './powershell';

describe('toPowerShell', () => {
  it('prints a Get with a quoted Identity', () => {
    expect(toPowerShell('Get-MigrationBatch', { Identity: 'pilot' })).toBe("Get-MigrationBatch -Identity 'pilot'");
  });

  it('switches, false switches, Confirm, numbers, arrays', () => {
    expect(toPowerShell('Set-MigrationBatch', { Identity: 'pilot', SyncNow: true })).toBe("Set-MigrationBatch -Identity 'pilot' -SyncNow");
    expect(toPowerShell('Remove-MigrationBatch', { Identity: 'pilot', Confirm: false })).toBe("Remove-MigrationBatch -Identity 'pilot' -Confirm:$false");
    expect(toPowerShell('New-MigrationEndpoint', { IMAP: true, Name: 'imap', RemoteServer: 'imap.contoso.example', Port: 993, Security: 'Ssl' })).toBe(
      "New-MigrationEndpoint -IMAP -Name 'imap' -RemoteServer 'imap.contoso.example' -Port 993 -Security 'Ssl'",
    );
    expect(toPowerShell('New-MigrationBatch', { ExcludeFolders: ['Junk', "Bob's"], NotificationEmails: ['a@b.c'] })).toBe(
      "New-MigrationBatch -ExcludeFolders 'Junk','Bob''s' -NotificationEmails @('a@b.c')",
    );
    expect(toPowerShell('Get-MigrationUser', { BatchId: undefined, Status: null })).toBe('Get-MigrationUser');
  });

  it('shows CSVData as a ReadAllBytes of the file, never its bytes', () => {
    const csv = Buffer.from('EmailAddress,UserName,Password\r\na@b.c,a,hunter2\r\n');
    const line = toPowerShell('New-MigrationBatch', { Name: 'pilot', SourceEndpoint: 'imap', CSVData: csv, AutoStart: true });
    expect(line).toBe("New-MigrationBatch -Name 'pilot' -SourceEndpoint 'imap' -CSVData ([System.IO.File]::ReadAllBytes('migration.csv')) -AutoStart");
    expect(line).not.toContain('hunter2');
    expect(toPowerShell('Set-MigrationBatch', { CSVData: csv }, { csvFileName: "wave 1's.csv" })).toBe(
      "Set-MigrationBatch -CSVData ([System.IO.File]::ReadAllBytes('wave 1''s.csv'))",
    );
  });

  it('never prints secret-named values', () => {
    const line = toPowerShell('Set-Thing', { Identity: 'x', Password: 'hunter2', ClientSecret: 'abc', Opts: { Password: 'p' } });
    expect(line).not.toMatch(/hunter2|abc|'p'/);
    expect(line).toBe("Set-Thing -Identity 'x' -Password '********' -ClientSecret '********' -Opts @{Password='********'}");
  });

  it('escapes quotes, including curly ones, and strips injection from names', () => {
    expect(quotePowerShell("it's")).toBe("'it''s'");
    expect(quotePowerShell('it\u2019s')).toBe("'it\u2019\u2019s'");
    expect(toPowerShell('Get-Mailbox; rm', { 'Identity; rm': "x'; Remove-Mailbox 'y" })).toBe("Get-Mailboxrm -Identityrm 'x''; Remove-Mailbox ''y'");
  });
});
