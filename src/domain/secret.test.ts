import { format, inspect } from 'node:util';
import { Secret } from './secret';

describe('Secret', () => {
  const clear = 'Zq9, "kiwi" with spaces';
  const secret = new Secret(clear);

  it('reveals the exact value, and only through reveal()', () => {
    expect(secret.reveal()).toBe(clear);
    expect(secret.isEmpty()).toBe(false);
    expect(new Secret('').isEmpty()).toBe(true);
  });

  it('redacts in toString, template strings and concatenation', () => {
    expect(secret.toString()).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect('pw=' + secret).toBe('pw=[redacted]');
    expect(String(secret)).toBe('[redacted]');
  });

  it('redacts in JSON, also when nested', () => {
    expect(JSON.stringify(secret)).toBe('"[redacted]"');
    const json = JSON.stringify({ row: { password: secret } });
    expect(json).toBe('{"row":{"password":"[redacted]"}}');
    expect(json).not.toContain('kiwi');
  });

  it('redacts in util.inspect, console-style formatting and nested objects', () => {
    expect(inspect(secret)).toBe('[redacted]');
    expect(inspect({ password: secret }, { depth: 5, showHidden: true })).not.toContain('kiwi');
    expect(format('%o %O %s %j', secret, { p: secret }, secret, secret)).not.toContain('kiwi');
  });

  it('exposes no enumerable property holding the value', () => {
    expect(Object.keys(secret)).toEqual([]);
    expect(Object.values(secret)).toEqual([]);
    expect({ ...secret }).toEqual({});
  });
});
