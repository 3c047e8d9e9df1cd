import { Secret } from '../secret';
import { buildMasterUserCsv, parseAddressList } from './masterUserCsv';
import { validateMigrationCsv } from './migrationCsv';

const admin = { userName: 'mailadmin', password: new Secret('Adm1n,"pw"') };
const addresses = ['terry.adams@contoso.edu', 'Ann.Beebe@contoso.edu'];

function lines(csv: Buffer): string[] {
  return csv.toString('utf8').trimEnd().split('\r\n');
}

describe('buildMasterUserCsv', () => {
  test('dovecot: user*admin, admin password quoted once per row', () => {
    const r = buildMasterUserCsv({ addresses, admin, format: { kind: 'dovecot' } });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(lines(r.csv)).toEqual([
      'EmailAddress,UserName,Password',
      'terry.adams@contoso.edu,terry.adams*mailadmin,"Adm1n,""pw"""',
      'Ann.Beebe@contoso.edu,Ann.Beebe*mailadmin,"Adm1n,""pw"""',
    ]);
    // Exchange's own checks accept it.
    const v = validateMigrationCsv(r.csv);
    expect(v.problems).toEqual([]);
    expect(v.rows.map((x) => x.password.reveal())).toEqual(['Adm1n,"pw"', 'Adm1n,"pw"']);
  });

  test('dovecot with a configured separator and full-address logins', () => {
    const r = buildMasterUserCsv({ addresses, admin, format: { kind: 'dovecot', separator: '%' }, sourceLogin: 'address' });
    expect(r.ok && lines(r.csv)[1]).toBe('terry.adams@contoso.edu,terry.adams@contoso.edu%mailadmin,"Adm1n,""pw"""');
  });

  test('exchange: Domain/Admin/User', () => {
    const r = buildMasterUserCsv({ addresses, admin, format: { kind: 'exchange', domain: 'contoso-students' } });
    expect(r.ok && r.sample.userName).toBe('contoso-students/mailadmin/terry.adams');
  });

  test('mirapoint: #user@domain#Admin#', () => {
    const r = buildMasterUserCsv({ addresses, admin, format: { kind: 'mirapoint' } });
    expect(r.ok && r.sample.userName).toBe('#terry.adams@contoso.edu#mailadmin#');
  });

  test('courier: admin in UserName, /users/<user> in UserRoot', () => {
    const r = buildMasterUserCsv({ addresses, admin, format: { kind: 'courier' } });
    if (!r.ok) throw new Error('not ok');
    expect(lines(r.csv)[0]).toBe('EmailAddress,UserName,Password,UserRoot');
    expect(lines(r.csv)[1]).toBe('terry.adams@contoso.edu,mailadmin,"Adm1n,""pw""",/users/terry.adams');
    expect(validateMigrationCsv(r.csv).problems).toEqual([]);
  });

  test('custom pattern with all placeholders', () => {
    const r = buildMasterUserCsv({
      addresses,
      admin,
      format: { kind: 'custom', userNamePattern: '{domain}\\{localpart}:{admin}', userRootPattern: '/home/{user}' },
    });
    expect(r.ok && r.sample).toEqual({
      emailAddress: 'terry.adams@contoso.edu',
      userName: 'contoso.edu\\terry.adams:mailadmin',
      userRoot: '/home/terry.adams',
    });
  });

  test('custom pattern without a per-user placeholder or with an unknown one is refused', () => {
    const a = buildMasterUserCsv({ addresses, admin, format: { kind: 'custom', userNamePattern: '{admin}' } });
    expect(a.ok).toBe(false);
    const b = buildMasterUserCsv({ addresses, admin, format: { kind: 'custom', userNamePattern: '{usr}*{admin}' } });
    expect(!b.ok && b.problems.map((p) => p.message).join(' ')).toMatch(/\{usr\}/);
  });

  test('bad and duplicate addresses are left out with a problem; password never in problems', () => {
    const r = buildMasterUserCsv({ addresses: [...addresses, 'not-an-address', 'TERRY.ADAMS@contoso.edu'], admin, format: { kind: 'dovecot' } });
    if (!r.ok) throw new Error('not ok');
    expect(r.rows).toBe(2);
    expect(r.problems.map((p) => p.address)).toEqual(['not-an-address', 'TERRY.ADAMS@contoso.edu']);
    expect(JSON.stringify(r.problems)).not.toContain('Adm1n');
  });

  test('empty password, separator inside the admin name, no addresses: refused', () => {
    expect(buildMasterUserCsv({ addresses, admin: { userName: 'a', password: new Secret('') }, format: { kind: 'dovecot' } }).ok).toBe(false);
    expect(buildMasterUserCsv({ addresses, admin: { userName: 'a*b', password: new Secret('x') }, format: { kind: 'dovecot' } }).ok).toBe(false);
    expect(buildMasterUserCsv({ addresses: [], admin, format: { kind: 'mirapoint' } }).ok).toBe(false);
  });
});

describe('parseAddressList', () => {
  test('splits pasted text, drops a header, flags junk and duplicates', () => {
    const r = parseAddressList('\uFEFFEmailAddress\r\na@x.test, b@x.test;\n<c@x.test>  nope\nA@x.test');
    expect(r.addresses).toEqual(['a@x.test', 'b@x.test', 'c@x.test']);
    expect(r.problems.map((p) => p.address)).toEqual(['nope', 'A@x.test']);
  });
});
