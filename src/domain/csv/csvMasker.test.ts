import { CsvMasker, MASK } from './csvMasker';
import { validateMigrationCsv } from './migrationCsv';

describe('CsvMasker', () => {
  it('replaces every occurrence of every value, overlapping ones as one run', () => {
    const m = CsvMasker.of(['s3cret!', 'cret!x9', 'Welcome2024']);
    expect(m.scrub('a s3cret! b s3cret!x9 c Welcome2024d')).toBe(`a ${MASK} b ${MASK} c ${MASK}d`);
    expect(m.scrub('nothing here')).toBe('nothing here');
  });

  it('masks values shorter than 4 characters only where they stand alone', () => {
    const m = CsvMasker.of(['12', 'ab']);
    expect(m.scrub('Row 12 and 123, "ab" but not abc')).toBe(`Row ${MASK} and 123, "${MASK}" but not abc`);
  });

  it('knows a value with surrounding spaces in both spellings', () => {
    const m = CsvMasker.of(['  padded pw ']);
    expect(m.scrub('x padded pw y')).toBe(`x ${MASK} y`);
    expect(m.isSecret('padded pw')).toBe(true);
  });

  it('scrubs a card without touching what steers it', () => {
    const m = CsvMasker.of(['TextBlock', 'pw-value']);
    const card = {
      type: 'AdaptiveCard',
      body: [{ type: 'TextBlock', text: 'pw-value and TextBlock' }],
      actions: [{ title: 'Go pw-value', verb: 'batch.create', data: { pending: 'pw-value' } }],
    };
    expect(m.scrubDeep(card)).toEqual({
      type: 'AdaptiveCard',
      body: [{ type: 'TextBlock', text: `${MASK} and ${MASK}` }],
      actions: [{ title: `Go ${MASK}`, verb: 'batch.create', data: { pending: 'pw-value' } }],
    });
  });

  it('with() adds values; show() quotes a value only when it hides nothing', () => {
    const m = CsvMasker.of(['alpha-pw']).with(['beta-pw']);
    expect(m.scrub('alpha-pw beta-pw')).toBe(`${MASK} ${MASK}`);
    expect(m.show('ann@contoso.edu', 'the address')).toBe('"ann@contoso.edu"');
    expect(m.show('beta-pw', 'the address')).toBe('the address');
  });

  it('stays fast with 50,000 values and a long text', () => {
    const values = Array.from({ length: 50_000 }, (_, i) => `Pw-${i}-${(i * 7919).toString(36)}`);
    const m = CsvMasker.of(values);
    const text = 'Row 1 (line 2): all good. '.repeat(1500) + values[49_999];
    const t0 = Date.now();
    const out = m.scrub(text);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(out.endsWith(MASK)).toBe(true);
  });
});

describe('the masker of a migration CSV knows every password cell', () => {
  const hidden = (csv: string, values: string[]) => {
    const v = validateMigrationCsv(csv);
    for (const x of values) expect(v.masker.scrub(`>${x}<`)).toBe(`>${MASK}<`);
    // No problem text holds any of them either.
    const text = JSON.stringify(v.problems);
    for (const x of values) expect(text).not.toContain(x);
    return v;
  };

  it('a file with no header row: every cell, and the first line is not printed', () => {
    const v = hidden('terrya@contoso.edu,terry.adams,Pw-Terry-1\nannb@contoso.edu,ann.beebe,Pw-Ann-2\n', ['Pw-Terry-1', 'Pw-Ann-2', 'terry.adams']);
    expect(v.problems.map((p) => p.code)).toEqual(['MissingHeader']);
    expect(v.problems[0].message + v.problems[0].fix).not.toContain('terry');
  });

  it('columns out of order: the password under EmailAddress is hidden and not echoed', () => {
    const v = hidden('EmailAddress,UserName,Password\nPw-Swap-1,terry.adams,terrya@contoso.edu\n', ['Pw-Swap-1']);
    expect(v.problems[0].code).toBe('InvalidEmailAddress');
    expect(v.problems[0].fix).toContain('Column 3 of this row holds an email address');
  });

  it('extra columns: their cells are hidden too', () => {
    const csv = 'EmailAddress,UserName,Password,OldPassword\nterrya@contoso.edu,terry,Pw-New-1,Pw-Old-1\n';
    const v = validateMigrationCsv(csv, { allowUnknownColumns: true });
    expect(v.masker.scrub('Pw-New-1 Pw-Old-1')).toBe(`${MASK} ${MASK}`);
    expect(v.masker.scrub('terrya@contoso.edu')).toBe('terrya@contoso.edu');
  });

  it('passwords that look like addresses are hidden; the addresses themselves are not', () => {
    const v = hidden('EmailAddress,UserName,Password\nterrya@contoso.edu,terry,pw@looks.like\nannb@contoso.edu,ann,ann-Pw@x.org\n', [
      'pw@looks.like',
      'ann-Pw@x.org',
    ]);
    expect(v.masker.scrub('terrya@contoso.edu')).toBe('terrya@contoso.edu');
  });

  it('a row with the wrong number of fields: every cell of it', () => {
    hidden('EmailAddress,UserName,Password\nterrya@contoso.edu,terry,Pw,With,Commas\n', ['With', 'Commas', 'terry']);
  });

  it('a header with a missing column names only the header, never a data row', () => {
    const v = validateMigrationCsv('Email,UserName\nholly@contoso.com,Pw-Holly-9\n');
    expect(JSON.stringify(v.problems)).not.toContain('Pw-Holly-9');
    expect(v.problems.find((p) => p.code === 'MissingColumn')?.fix).toContain('Email,UserName');
    expect(v.masker.scrub('Pw-Holly-9')).toBe(MASK);
  });
});
