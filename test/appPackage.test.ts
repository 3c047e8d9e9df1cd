// The Teams app package: the manifest's compose-box commands must be real commands,
// and the icons the sizes Teams requires (color 192×192, outline 32×32).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../src/commands/catalog';

const dir = path.resolve(__dirname, '..', 'appPackage');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(path.join(dir, file));
  expect(b.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('appPackage', () => {
  it('declares a bot that takes files in personal chat', () => {
    const [bot] = manifest.bots;
    expect(bot.supportsFiles).toBe(true);
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team', 'groupChat']));
  });

  it('lists only commands Cutover understands, at most 10 per scope', () => {
    const known = new Set(COMMANDS.map((c) => (c.family === c.verb ? c.family : `${c.family} ${c.verb}`)));
    for (const list of manifest.bots[0].commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(known.has(c.title)).toBe(true);
        expect(c.description.length).toBeLessThanOrEqual(128);
      }
    }
  });

  it('has icons of the sizes Teams requires', () => {
    expect(pngSize(manifest.icons.color)).toEqual({ width: 192, height: 192 });
    expect(pngSize(manifest.icons.outline)).toEqual({ width: 32, height: 32 });
  });
});
