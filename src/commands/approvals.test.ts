// Raising the size limits of more than one user (the preflight's one-click fix) is a wide step:
// with approvers listed it is asked for, and runs only on an approver's word (not the requester's).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStore } from '../adapters/storage/fileStore';
import type { PreflightReport } from '../domain/preflight/report';
import { Approvals } from '../services/approvals';
import { AuditLog } from '../services/auditLog';
import { PreflightRuns } from '../services/preflightRuns';
import { decideApproval } from './approvals';
import { raiseLimitsFromPreflight } from './preflight';
import type { Actor, CommandDeps } from './types';
import { handlerDeps, overlay } from '../../test/support/handlerDeps';

const after: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of after) await close();
});

const ALEX: Actor = { id: '29:alex', aadObjectId: 'a1', name: 'Alex Wilber' };
const ADELE: Actor = { id: '29:adele', aadObjectId: 'a3', name: 'Adele Vance' };
const MB = 1024 * 1024;

/** All text on a card, joined. */
function cardTextOf(card: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'text' || k === 'title' || k === 'value') && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(card);
  return out.join('\n');
}

describe('raising limits for several users under four eyes', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('asks instead of raising, and raises each limit under the approver once approved', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'approvals-'));
    const store = new FileStore(dir);
    const clock = { now: () => new Date() };
    const set: string[] = [];
    const exchange = { setMailboxSizeLimits: async (email: string, l: { maxReceiveSize?: number }) => void set.push(`${email}=${l.maxReceiveSize}`) };
    const runs = new PreflightRuns();
    const { run } = runs.begin({ startedBy: ALEX.id, endpoint: 'school', pendingId: null, excludeFolders: [] });
    runs.finish(run.id, {
      fixes: {
        raiseLimits: [
          { emailAddress: 'danj@contoso.edu', currentLimitBytes: 36 * MB, newLimitBytes: 41 * MB, itemsBroughtIn: 1 },
          { emailAddress: 'kima@contoso.edu', currentLimitBytes: 36 * MB, newLimitBytes: 60 * MB, itemsBroughtIn: 2 },
        ],
        dropRows: [],
        excludeFolders: [],
        unfixableLargeItems: [],
      },
    } as unknown as PreflightReport);
    const audit = new AuditLog(store, clock);
    const h = await handlerDeps({ store, clock, audit, preflightRuns: runs, approvals: { requests: new Approvals(store, clock), approvers: ['a1', 'a3'] } });
    after.push(h.close);
    const deps: CommandDeps = { ...h.deps, exchange: overlay(h.deps.exchange, exchange) };

    const asked = await raiseLimitsFromPreflight(deps, ALEX, run.id);
    expect(asked.approval).toBeTruthy();
    expect(cardTextOf(asked.card)).toMatch(/Approval needed: raise MaxReceiveSize and MaxSendSize for 2 users/);
    expect(set).toEqual([]);

    const own = await decideApproval(deps, ALEX, asked.approval!, 'approved');
    expect(cardTextOf(own.card)).toMatch(/You asked for this/);
    expect(set).toEqual([]);

    const approved = await decideApproval(deps, ADELE, asked.approval!, 'approved');
    expect(cardTextOf(approved.card)).toMatch(/Approved and done[\s\S]*Raised the limits of 2 users/);
    expect(set).toEqual([`danj@contoso.edu=${41 * MB}`, `kima@contoso.edu=${60 * MB}`]);
    const entries = await audit.recent(20);
    expect(entries.filter((e) => e.action === 'mailbox.limit' && e.actor.name === 'Adele Vance' && e.result === 'ok')).toHaveLength(2);
  });
});
