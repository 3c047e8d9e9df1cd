import * as fs from 'node:fs';
import * as path from 'node:path';
import { cardBytes, renderCard, TEAMS_CARD_BYTE_LIMIT, TEMPLATES, templateDir, type TemplateName } from './render';

/** What these tests read of an expanded card. */
interface Expanded {
  actions?: { data?: unknown }[];
  body?: unknown[];
}

const templates = fs
  .readdirSync(templateDir())
  .filter((f) => f.endsWith('.json') && !f.endsWith('.data.json'))
  .map((f) => f.replace(/\.json$/, '') as TemplateName);

describe('card templates', () => {
  it('finds the templates, each one named in TEMPLATES (so each has its typed module)', () => {
    expect(templates).toEqual(expect.arrayContaining(['help', 'notice']));
    expect([...templates].sort()).toEqual([...TEMPLATES].sort());
  });

  it.each(templates)('%s expands with its sample data, fully bound and under the Teams size limit', (name) => {
    const dataFile = path.join(templateDir(), `${name}.data.json`);
    expect(fs.existsSync(dataFile)).toBe(true);
    const card = renderCard(name, JSON.parse(fs.readFileSync(dataFile, 'utf8')));
    const json = JSON.stringify(card);
    expect(json).not.toContain('${');
    expect(card.type).toBe('AdaptiveCard');
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_BYTE_LIMIT);
  });

  it('binds action data objects and drops empty action lists', () => {
    const card = renderCard('notice', {
      title: 'Remove?',
      tone: 'warn',
      text: '',
      facts: [],
      lines: [],
      usage: [],
      powershell: '',
      actions: [{ title: 'Remove', verb: 'batch.remove', data: { batch: 'pilot' }, style: 'destructive' }],
    }) as unknown as Expanded;
    expect(card.actions).toEqual([{ type: 'Action.Execute', title: 'Remove', verb: 'batch.remove', data: { batch: 'pilot' }, style: 'destructive' }]);
    const none = renderCard('notice', { title: 'x', tone: '', text: '', facts: [], lines: [], usage: [], powershell: '', actions: [] }) as unknown as Expanded;
    expect(none.actions).toBeUndefined();
    expect(none.body).toHaveLength(1);
  });

  it('shows usage placeholders as ‹name› (some clients drop <name> as a tag), leaving button data alone', () => {
    const card = renderCard('notice', {
      title: 'Usage',
      tone: '',
      text: 'Send batch new <name> to <admin@contoso.edu>',
      facts: [],
      lines: [],
      usage: ['mailbox limit <email> <size>'],
      powershell: '',
      actions: [{ title: 'Go', verb: 'x', data: { raw: '<name>' } }],
    }) as unknown as Expanded;
    const json = JSON.stringify(card);
    expect(json).toContain('batch new ‹name› to <admin@contoso.edu>');
    expect(json).toContain('mailbox limit ‹email› ‹size›');
    expect(card.actions?.[0].data).toEqual({ raw: '<name>' });
  });
});
