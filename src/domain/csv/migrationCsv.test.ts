import { inspect } from 'node:util';
import {
  applyTargetChecks,
  CsvProblem,
  dropProblemRows,
  MigrationCsvValidation,
  serializeMigrationCsv,
  summarizeProblems,
  validateMigrationCsv,
} from './migrationCsv';

const codes = (v: MigrationCsvValidation) => v.problems.map((p) => p.code);
const only = (v: MigrationCsvValidation, code: string): CsvProblem[] => v.problems.filter((p) => p.code === code);

describe('validateMigrationCsv: well-formed files', () => {
  it('reads a plain file with CRLF and keeps passwords exact', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\r\nholly@contoso.com,hollyh,s3cret\r\n');
    expect(v.fatal).toBe(false);
    expect(v.problems).toEqual([]);
    expect(v.totals).toEqual({ rows: 1, validRows: 1, problemRows: 0 });
    expect(v.rows).toHaveLength(1);
    const row = v.rows[0];
    expect(row).toMatchObject({ rowNumber: 1, line: 2, emailAddress: 'holly@contoso.com', userName: 'hollyh' });
    expect(row.password.reveal()).toBe('s3cret');
    expect(row.userRoot).toBeUndefined();
  });

  it('gives the same rows for LF, CRLF, CR and a UTF-8 BOM in a Buffer', () => {
    const body = ['EmailAddress,UserName,Password', 'a@contoso.com,a,pa', 'b@contoso.com,b,pb'];
    const variants = [
      body.join('\n'),
      body.join('\r\n') + '\r\n',
      body.join('\r'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body.join('\r\n'), 'utf8')]),
    ];
    for (const input of variants) {
      const v = validateMigrationCsv(input);
      expect(v.problems).toEqual([]);
      expect(v.rows.map((r) => [r.emailAddress, r.userName, r.password.reveal(), r.line])).toEqual([
        ['a@contoso.com', 'a', 'pa', 2],
        ['b@contoso.com', 'b', 'pb', 3],
      ]);
    }
  });

  it('accepts header case and surrounding whitespace, any column order, and UserRoot', () => {
    const v = validateMigrationCsv(' password , EMAILADDRESS,username ,UserRoot\nhunter2,terry@contoso.com,terry.adams*mailadmin,/users/terry.adams\n');
    expect(v.problems).toEqual([]);
    expect(v.header?.hasUserRoot).toBe(true);
    expect(v.rows[0]).toMatchObject({ emailAddress: 'terry@contoso.com', userName: 'terry.adams*mailadmin', userRoot: '/users/terry.adams' });
  });

  it('allows the admin login forms in UserName', () => {
    const v = validateMigrationCsv(
      'EmailAddress,UserName,Password\n' +
        'a@contoso.com,terry.adams*mailadmin,p1\n' +
        'b@contoso.com,contoso\\hollyh,p2\n' +
        'c@contoso.com,#user@contoso.com#Admin#,p3\n' +
        'd@contoso.com,contoso-students/mailadmin/terry.adams,p4\n',
    );
    expect(v.problems).toEqual([]);
    expect(v.rows.map((r) => r.userName)).toEqual([
      'terry.adams*mailadmin',
      'contoso\\hollyh',
      '#user@contoso.com#Admin#',
      'contoso-students/mailadmin/terry.adams',
    ]);
  });

  it('trims addresses and user names but never passwords', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\n  Holly@Contoso.com ,  hollyh\t,  two spaces  \n');
    expect(v.problems).toEqual([]);
    expect(v.rows[0].emailAddress).toBe('Holly@Contoso.com');
    expect(v.rows[0].userName).toBe('hollyh');
    expect(v.rows[0].password.reveal()).toBe('  two spaces  ');
  });

  it('skips blank lines, whitespace lines and comma-only lines, keeping physical line numbers', () => {
    const v = validateMigrationCsv('\n\nEmailAddress,UserName,Password\n\n   \na@contoso.com,a,p\n,,\n\r\nb@contoso.com,b,p\n,,\n');
    expect(v.problems).toEqual([]);
    expect(v.rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [1, 6],
      [2, 9],
    ]);
    expect(v.header?.line).toBe(3);
  });

  it('reads quoted passwords with commas, quotes, spaces and line breaks', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\na@contoso.com,a,"p,a ""q"" s"\nb@contoso.com,b,"line\r\nbreak"\nc@contoso.com,c,ok\n');
    expect(v.problems).toEqual([]);
    expect(v.rows.map((r) => r.password.reveal())).toEqual(['p,a "q" s', 'line\r\nbreak', 'ok']);
    expect(v.rows.map((r) => r.line)).toEqual([2, 3, 5]);
  });

  it('keeps non-ASCII user names and passwords from UTF-8 bytes', () => {
    const v = validateMigrationCsv(Buffer.from('EmailAddress,UserName,Password\nzoe@contoso.com,zoë,pässwörd€\n', 'utf8'));
    expect(v.problems).toEqual([]);
    expect(v.rows[0].userName).toBe('zoë');
    expect(v.rows[0].password.reveal()).toBe('pässwörd€');
  });
});

describe('validateMigrationCsv: file-level problems', () => {
  it.each([[''], ['\uFEFF'], ['\r\n\r\n  \n'], [Buffer.alloc(0)]])('rejects an empty file (%j)', (input) => {
    const v = validateMigrationCsv(input as string | Buffer);
    expect(v.fatal).toBe(true);
    expect(codes(v)).toEqual(['EmptyFile']);
    expect(v.problems[0].message).toBe("Upload file can't be empty.");
  });

  it('rejects a header without users', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\r\n');
    expect(v.fatal).toBe(true);
    expect(codes(v)).toEqual(['NoDataRows']);
  });

  it("names each missing column with Exchange's text", () => {
    const v = validateMigrationCsv('Email,UserName\nholly@contoso.com,hollyh\n');
    expect(v.fatal).toBe(true);
    const missing = only(v, 'MissingColumn');
    expect(missing.map((p) => p.column)).toEqual(['EmailAddress', 'Password']);
    expect(missing[0].message).toBe('Column "EmailAddress" is missing from the CSV file. The import process can\'t continue because this column is required.');
    expect(only(v, 'UnknownColumn')[0].message).toContain('"Email"');
    expect(v.rows).toEqual([]);
    expect(v.totals.rows).toBe(1);
  });

  it('rejects unknown columns unless allowed, as -AllowUnknownColumnsInCsv does', () => {
    const text = 'EmailAddress,UserName,Password,Department\na@contoso.com,a,p,Sales\n';
    const strict = validateMigrationCsv(text);
    expect(strict.fatal).toBe(true);
    expect(codes(strict)).toEqual(['UnknownColumn']);
    expect(strict.problems[0].message).toContain('"Department"');
    const lenient = validateMigrationCsv(text, { allowUnknownColumns: true });
    expect(lenient.fatal).toBe(false);
    expect(lenient.header?.unknown).toEqual(['Department']);
    expect(lenient.rows[0].password.reveal()).toBe('p');
  });

  it('rejects a repeated column', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password,password\na@contoso.com,a,p,q\n');
    expect(codes(v)).toEqual(['DuplicateColumn']);
    expect(v.fatal).toBe(true);
  });

  it('reports an unterminated quote with its line', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\na@contoso.com,a,p\nb@contoso.com,b,"open\nc@contoso.com,c,p\n');
    expect(v.fatal).toBe(true);
    const p = only(v, 'UnterminatedQuote')[0];
    expect(p.line).toBe(3);
    expect(p.message).toContain('line 3');
  });

  it('reads bytes that are not UTF-8 as Windows-1252, and reports invalid UTF-8 by line (never replacing it) when UTF-8 is chosen', () => {
    const bytes = Buffer.concat([Buffer.from('EmailAddress,UserName,Password\r\nzoe@contoso.com,zo', 'latin1'), Buffer.from([0xeb]), Buffer.from(',pw\r\n')]);
    const guessed = validateMigrationCsv(bytes);
    expect(guessed.fatal).toBe(false);
    expect(guessed.rows[0].userName).toBe('zoë');
    expect(guessed.reading).toMatchObject({ encoding: 'windows-1252', separator: ',' });
    const v = validateMigrationCsv(bytes, { reading: { encoding: 'utf-8' } });
    expect(v.fatal).toBe(true);
    expect(codes(v)).toEqual(['InvalidUtf8']);
    expect(v.problems[0].line).toBe(2);
    expect(v.problems[0].message).toContain('line 2');
    expect(v.problems[0].fix).toContain('UTF-8');
    expect(v.problems[0].message).not.toContain('\ufffd');
    expect(v.rows).toEqual([]);
  });

  it("rejects 50,001 rows with Exchange's text and accepts exactly 50,000", () => {
    const make = (n: number) => {
      const lines = ['EmailAddress,UserName,Password'];
      for (let i = 0; i < n; i++) lines.push(`u${i}@contoso.com,u${i},p${i}`);
      return lines.join('\r\n');
    };
    const ok = validateMigrationCsv(make(50_000));
    expect(ok.fatal).toBe(false);
    expect(ok.totals).toEqual({ rows: 50_000, validRows: 50_000, problemRows: 0 });
    const over = validateMigrationCsv(make(50_001));
    expect(over.fatal).toBe(true);
    expect(codes(over)).toEqual(['TooManyRows']);
    expect(over.problems[0].message).toMatch(/^The CSV file contains more than 50,000 rows/);
    expect(over.problems[0].message).toContain('Please divide the file into two or more files and submit them separately.');
    expect(over.totals.rows).toBe(50_001);
    expect(over.totals.validRows).toBe(0);
  });

  it('rejects a file over 10 MB, counted in bytes', () => {
    const pad = 'x'.repeat(200);
    const lines = ['EmailAddress,UserName,Password'];
    for (let i = 0, size = 0; size <= 10 * 1024 * 1024; i++) {
      const line = `u${i}@contoso.com,u${i},${pad}`;
      lines.push(line);
      size += line.length + 1;
    }
    const text = lines.join('\n');
    const v = validateMigrationCsv(Buffer.from(text));
    expect(v.fatal).toBe(true);
    expect(codes(v)).toEqual(['FileTooLarge']);
    expect(v.problems[0].message).toContain('10 MB');
    // Multi-byte characters count as bytes, not characters.
    const small = 'EmailAddress,UserName,Password\na@contoso.com,a,' + '€'.repeat(3_600_000);
    expect(small.length).toBeLessThan(10 * 1024 * 1024);
    expect(codes(validateMigrationCsv(small))).toContain('FileTooLarge');
  });
});

describe('validateMigrationCsv: row problems', () => {
  it("reports the wrong number of columns with Exchange's wording and suggests quoting", () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\na@contoso.com,a,pa,ss\nb@contoso.com,b\nc@contoso.com,c,p\n');
    expect(v.fatal).toBe(false);
    const wrong = only(v, 'WrongColumnCount');
    expect(wrong.map((p) => [p.rowNumber, p.line])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(wrong[0].message).toMatch(/^Row 1 has the wrong number of columns\. Expected number: 3\. Actual number: 4\./);
    expect(wrong[0].fix).toContain('double quotes');
    expect(v.totals).toEqual({ rows: 3, validRows: 1, problemRows: 2 });
    expect(dropProblemRows(v).map((r) => r.emailAddress)).toEqual(['c@contoso.com']);
  });

  it('reports bad and empty addresses, naming row, line and column', () => {
    const bad = [
      'holly',
      'holly@',
      '@contoso.com',
      'holly smith@contoso.com',
      'Holly <holly@contoso.com>',
      'holly@contoso',
      'holly@@contoso.com',
      'holly@contoso..com',
    ];
    const text = 'EmailAddress,UserName,Password\n' + bad.map((b, i) => `${b},u${i},pw${i}`).join('\n') + '\n,u,pw\n';
    const v = validateMigrationCsv(text);
    const invalid = only(v, 'InvalidEmailAddress');
    expect(invalid.map((p) => p.rowNumber)).toEqual(bad.map((_, i) => i + 1));
    expect(invalid.every((p) => p.column === 'EmailAddress')).toBe(true);
    expect(invalid[0].message).toBe(
      'Row 1 (line 2), column EmailAddress: the value is not a valid email address (not shown here: if the columns are out of order it may be a password).',
    );
    expect(only(v, 'MissingEmailAddress').map((p) => p.rowNumber)).toEqual([bad.length + 1]);
    expect(v.totals.validRows).toBe(0);
  });

  it('reports empty user names and passwords, but a password of spaces is a password', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\na@contoso.com,,pw\nb@contoso.com,b,\nc@contoso.com,c,"   "\n');
    expect(v.problems.map((p) => [p.rowNumber, p.column, p.code])).toEqual([
      [1, 'UserName', 'MissingUserName'],
      [2, 'Password', 'MissingPassword'],
    ]);
    expect(v.rows[2].password.reveal()).toBe('   ');
  });

  it('reports every later duplicate address, case-insensitively, naming the first row', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\nholly@contoso.com,a,p\nb@contoso.com,b,p\nHOLLY@contoso.com ,c,p\nholly@Contoso.com,d,p\n');
    const dups = only(v, 'DuplicateEmailAddress');
    expect(dups.map((p) => p.rowNumber)).toEqual([3, 4]);
    expect(dups.every((p) => p.message.includes('row 1'))).toBe(true);
    expect(dropProblemRows(v).map((r) => r.rowNumber)).toEqual([1, 2]);
  });

  it('flags misplaced quotes instead of guessing a password', () => {
    const v = validateMigrationCsv('EmailAddress,UserName,Password\na@contoso.com,a,"pass"word\nb@contoso.com,b, "pw"\n');
    const misplaced = only(v, 'MisplacedQuote');
    expect(misplaced.map((p) => [p.rowNumber, p.column])).toEqual([
      [1, 'Password'],
      [2, 'Password'],
    ]);
  });
});

describe('serializeMigrationCsv', () => {
  it('round-trips passwords with commas, quotes, spaces and line breaks byte for byte', () => {
    const passwords = ['a,b', 'say "hi"', ' lead', 'trail ', 'in side', '""', ',', 'multi\r\nline', 'tab\tin', 'ünï€ødé', "o'neil", 'plain'];
    const text = 'EmailAddress,UserName,Password\r\n' + passwords.map((p, i) => `u${i}@contoso.com,u${i},"${p.replace(/"/g, '""')}"`).join('\r\n');
    const v = validateMigrationCsv(text);
    expect(v.problems).toEqual([]);
    const out = serializeMigrationCsv(v.rows);
    const again = validateMigrationCsv(out);
    expect(again.problems).toEqual([]);
    expect(again.rows.map((r) => r.password.reveal())).toEqual(passwords);
    expect(again.rows.map((r) => r.emailAddress)).toEqual(v.rows.map((r) => r.emailAddress));
  });

  it('writes the canonical header, CRLF, quoting only where needed, UserRoot when present', () => {
    const v = validateMigrationCsv('password,emailaddress,username,userroot\n"p,1",a@contoso.com,a,/users/a\np2,b@contoso.com,b,\n');
    const out = serializeMigrationCsv(v.rows).toString('utf8');
    expect(out).toBe('EmailAddress,UserName,Password,UserRoot\r\na@contoso.com,a,"p,1",/users/a\r\nb@contoso.com,b,p2,\r\n');
    const noRoot = validateMigrationCsv('EmailAddress,UserName,Password\na@contoso.com,a,p\n');
    expect(serializeMigrationCsv(noRoot.rows).toString('utf8')).toBe('EmailAddress,UserName,Password\r\na@contoso.com,a,p\r\n');
  });

  it('drops unknown columns when they were allowed', () => {
    const v = validateMigrationCsv('EmailAddress,Dept,UserName,Password\na@contoso.com,Sales,a,p\n', { allowUnknownColumns: true });
    expect(serializeMigrationCsv(v.rows).toString('utf8')).toBe('EmailAddress,UserName,Password\r\na@contoso.com,a,p\r\n');
  });
});

describe('applyTargetChecks', () => {
  const text = 'EmailAddress,UserName,Password\nholly@contoso.com,h,p1\nGhost@Contoso.com,g,p2\nbusy@contoso.com,b,p3\nbad-address,x,p4\n';
  const mailboxes = new Set(['holly@contoso.com', 'busy@contoso.com']);
  const lookups = {
    mailboxExists: (e: string) => mailboxes.has(e),
    batchOf: (e: string) => (e === 'busy@contoso.com' ? 'Wave1' : null),
  };

  it('adds "mailbox not found" and "already in batch" problems on a new validation', () => {
    const v = validateMigrationCsv(text);
    const checked = applyTargetChecks(v, lookups);
    expect(v.problems.map((p) => p.code)).toEqual(['InvalidEmailAddress']);
    expect(checked.problems.map((p) => [p.rowNumber, p.code])).toEqual([
      [2, 'TargetMailboxNotFound'],
      [3, 'AlreadyInBatch'],
      [4, 'InvalidEmailAddress'],
    ]);
    const busy = only(checked, 'AlreadyInBatch')[0];
    expect(busy.message).toContain('"Wave1"');
    expect(busy.fix).toContain('user remove busy@contoso.com');
    expect(only(checked, 'TargetMailboxNotFound')[0].fix).toMatch(/licen/);
    expect(checked.totals).toEqual({ rows: 4, validRows: 1, problemRows: 3 });
    expect(dropProblemRows(checked).map((r) => r.emailAddress)).toEqual(['holly@contoso.com']);
  });

  it('is idempotent', () => {
    const once = applyTargetChecks(validateMigrationCsv(text), lookups);
    const twice = applyTargetChecks(once, lookups);
    expect(twice.problems).toEqual(once.problems);
  });
});

describe('summarizeProblems', () => {
  it('counts by code and returns one page, file-level problems first', () => {
    const lines = ['EmailAddress,UserName,Password'];
    for (let i = 0; i < 60_000; i++) lines.push(i % 1000 === 0 ? `bad${i},u,p` : `u${i}@contoso.com,u${i},p`);
    const v = validateMigrationCsv(lines.join('\n'));
    const s = summarizeProblems(v, { page: 1, pageSize: 10 });
    expect(s.fatal).toBe(true);
    expect(s.byCode).toEqual([
      { code: 'InvalidEmailAddress', count: 50 },
      { code: 'TooManyRows', count: 1 },
    ]);
    expect(s.problems).toHaveLength(10);
    expect(s.problems[0].code).toBe('TooManyRows');
    expect(s.pageCount).toBe(6);
    expect(s.totalProblems).toBe(51);
    const last = summarizeProblems(v, { page: 99, pageSize: 10 });
    expect(last.page).toBe(6);
    expect(last.problems).toHaveLength(1);
  });
});

describe('passwords never leak into problems', () => {
  it('no problem text contains any row password, across every kind of problem', () => {
    const pw = (i: number) => `Pw${i}-${(i * 7919).toString(36)}!Zx`;
    const rows: string[] = [];
    const passwords: string[] = [];
    const add = (email: string, user: string, i: number, extra = '') => {
      passwords.push(pw(i));
      rows.push(`${email},${user},"${pw(i)}"${extra}`);
    };
    add('ok@contoso.com', 'ok', 1);
    add('ok@contoso.com', 'dup', 2); // duplicate
    add('not an address', 'x', 3); // bad address
    add(pw(4), 'swapped', 4); // the password typed into the address column
    add('e@contoso.com', '', 5); // empty user name
    add('f@contoso.com', 'f', 6, ',extra'); // wrong column count
    add('ghost@contoso.com', 'g', 7); // target missing
    add('busy@contoso.com', 'b', 8); // already in a batch
    rows.push('h@contoso.com,h,"' + pw(9) + '"tail'); // misplaced quote
    passwords.push(pw(9));
    const v = applyTargetChecks(validateMigrationCsv('EmailAddress,UserName,Password\n' + rows.join('\n') + '\n'), {
      mailboxExists: (e) => e !== 'ghost@contoso.com',
      batchOf: (e) => (e === 'busy@contoso.com' ? 'Wave 2' : null),
    });
    expect(new Set(codes(v))).toEqual(
      new Set([
        'DuplicateEmailAddress',
        'InvalidEmailAddress',
        'MissingUserName',
        'WrongColumnCount',
        'TargetMailboxNotFound',
        'AlreadyInBatch',
        'MisplacedQuote',
      ]),
    );
    const everything = JSON.stringify(v.problems) + inspect(v.problems, { depth: 10 }) + JSON.stringify(summarizeProblems(v, { page: 1, pageSize: 100 }));
    // Rows hold passwords only as Secret.
    expect(JSON.stringify(v.rows) + inspect(v.rows, { depth: 10 })).not.toContain(pw(1));
    for (const p of passwords) expect(everything).not.toContain(p);
    // The swapped row is reported without echoing the value.
    expect(v.problems.find((p) => p.rowNumber === 4)?.message).toContain('not shown here');
  });
});
