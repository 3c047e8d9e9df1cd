// The commands' way out for CSV-derived text: replies, card-action answers, their later
// updates and the error a follow-up fails with (which the Teams layer logs).

import { CsvMasker, MASK } from '../domain/csv/migrationCsv';
import { maskAction, maskResult } from './batchNew';
import type { Reply } from './types';

const masker = CsvMasker.of(['Sekret-Pw-1']);
const reply = (text: string): Reply => ({ card: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text }] } as never, summary: text });

describe('maskResult / maskAction', () => {
  it('mask every reply, card and summary, and every later update', async () => {
    const updates: Reply[] = [];
    const r = maskResult(
      {
        replies: [reply('first Sekret-Pw-1')],
        followUp: async (sink) => {
          await sink.update(reply('later Sekret-Pw-1'));
        },
      },
      masker,
    );
    expect(JSON.stringify(r.replies)).not.toContain('Sekret-Pw-1');
    expect(r.replies[0].summary).toBe(`first ${MASK}`);
    await r.followUp!({ update: async (u) => void updates.push(u) });
    expect(updates[0].summary).toBe(`later ${MASK}`);
    expect(JSON.stringify(updates)).not.toContain('Sekret-Pw-1');
  });

  it('mask the error a follow-up fails with', async () => {
    const r = maskAction(
      {
        ...reply('x'),
        followUp: async () => {
          throw new Error('server said: bad password Sekret-Pw-1');
        },
      },
      masker,
    );
    await expect(r.followUp!({ update: async () => undefined })).rejects.toThrow(`server said: bad password ${MASK}`);
  });
});
