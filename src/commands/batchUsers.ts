import type { MigrationUser } from '../domain/exchange/types';
import { isIncompleteList, type ExchangeAdmin } from '../ports/exchange';

// A batch's migration users as far as Exchange hands them over. Exchange may refuse every next link
// (measured app-only), so a large batch can come back in part: then `incomplete` says so in words an
// admin reads on the card, and the caller shows the part as a part, never as the whole.

export interface BatchUsersRead {
  users: MigrationUser[];
  /** Null when the list is whole; else the sentence the card must carry. */
  incomplete: string | null;
}

export function incompleteListText(read: number, total: number | null, what = 'users'): string {
  const of = total !== null ? ` of ${total.toLocaleString('en-US')}` : '';
  return `Cutover could read ${read.toLocaleString('en-US')}${of} ${what} from Exchange: the list is incomplete.`;
}

export async function readBatchUsers(exchange: ExchangeAdmin, batch: string, total: number | null = null): Promise<BatchUsersRead> {
  try {
    return { users: await exchange.getMigrationUsers({ batchId: batch }), incomplete: null };
  } catch (e) {
    if (!isIncompleteList(e)) throw e;
    return { users: e.partial as MigrationUser[], incomplete: incompleteListText(e.rowsRead, total) };
  }
}
