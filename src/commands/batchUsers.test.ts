import { IncompleteListError, type ExchangeAdmin } from '../ports/exchange';
import type { MigrationUser } from '../domain/exchange/types';
import { incompleteListText, readBatchUsers } from './batchUsers';

const user = (email: string) => ({ identity: email, emailAddress: email }) as MigrationUser;

it('a whole list comes back as is; a partial one with the sentence the card must carry', async () => {
  const whole = { getMigrationUsers: async () => [user('a@x.example')] } as unknown as ExchangeAdmin;
  expect(await readBatchUsers(whole, 'b', 1)).toEqual({ users: [user('a@x.example')], incomplete: null });

  const part = {
    getMigrationUsers: async () => {
      throw new IncompleteListError('cut', 'Get-MigrationUser', 200, null, 1000, [user('a@x.example')]);
    },
  } as unknown as ExchangeAdmin;
  const read = await readBatchUsers(part, 'b', 50_000);
  expect(read.users).toEqual([user('a@x.example')]);
  expect(read.incomplete).toBe('Cutover could read 1,000 of 50,000 users from Exchange: the list is incomplete.');
  expect(incompleteListText(3, null)).toBe('Cutover could read 3 users from Exchange: the list is incomplete.');
});

it('other failures are not mistaken for a partial list', async () => {
  const broken = { getMigrationUsers: async () => Promise.reject(new Error('boom')) } as unknown as ExchangeAdmin;
  await expect(readBatchUsers(broken, 'b')).rejects.toThrow('boom');
});
