// The built-in demo IMAP source (imap.contoso.edu, mail.contoso.edu): a school's mail server
// with realistic folders. The first three users and passwords are Microsoft's sample IMAP CSV.
// Passwords live only in this table and in memory; they are never echoed in a failure detail.

import type {
  SourceFolder,
  SourceLargeItem,
  SourceMailboxDirectory,
  SourceMailboxResult,
  SourceProbeResult,
  SourceServer,
} from '../../domain/source/mailboxDirectory';
import { folderExcluded } from '../../domain/exchange/folderExclusion';

export const DEMO_SOURCE_HOSTS = ['imap.contoso.edu', 'mail.contoso.edu'];
export const DEMO_DOMAIN = 'contoso.edu';

export interface DemoUser {
  alias: string; // mailbox alias at contoso.edu, e.g. terrya
  displayName: string;
  login: string; // IMAP user name, e.g. terry.adams
  password: string;
  folders: SourceFolder[];
  bigItems: SourceLargeItem[];
}

const FOLDER_SHAPE: Array<[string, number]> = [
  ['INBOX', 0.42],
  ['Sent Items', 0.21],
  ['Drafts', 0.01],
  ['Deleted Items', 0.06],
  ['Junk E-mail', 0.02],
  ['Archive/2024', 0.12],
  ['Archive/2025', 0.1],
  ['Projects', 0.04],
  ['Projects/Grants', 0.02],
];
const AVERAGE_ITEM_BYTES = 48 * 1024;

function foldersFor(total: number): SourceFolder[] {
  let left = total;
  return FOLDER_SHAPE.map(([name, share], i) => {
    const itemCount = i === FOLDER_SHAPE.length - 1 ? left : Math.round(total * share);
    left -= itemCount;
    return { name, itemCount, sizeBytes: itemCount * AVERAGE_ITEM_BYTES };
  });
}

const MB = 1024 * 1024;

function user(alias: string, displayName: string, login: string, password: string, total: number, bigItems: SourceLargeItem[] = []): DemoUser {
  return { alias, displayName, login, password, folders: foldersFor(total), bigItems };
}

const EXTRA_NAMES: Array<[string, string]> = [
  ['kima', 'Kim Akers'],
  ['jeffh', 'Jeff Hay'],
  ['ellena', 'Ellen Adams'],
  ['pilarp', 'Pilar Pinilla'],
  ['tonyk', 'Tony Krijnen'],
  ['lauran', 'Laura Norman'],
  ['davidp', 'David Pelton'],
  ['hollyh', 'Holly Holt'],
  ['florencef', 'Florence Flipo'],
  ['danj', 'Dan Jump'],
  ['meganb', 'Megan Bowen'],
  ['alexw', 'Alex Wilber'],
  ['diegos', 'Diego Siciliani'],
  ['isaiahl', 'Isaiah Langer'],
  ['lynner', 'Lynne Robbins'],
  ['nestorw', 'Nestor Wilke'],
  ['pattif', 'Patti Fernandez'],
  ['johannal', 'Johanna Lorenz'],
  ['leeg', 'Lee Gu'],
  ['gradya', 'Grady Archie'],
  ['adelev', 'Adele Vance'],
  ['miriamg', 'Miriam Graham'],
];

/** The demo users: Microsoft's three sample rows, then 22 more (so a page of results exists). */
export const DEMO_USERS: readonly DemoUser[] = [
  user('terrya', 'Terry Adams', 'terry.adams', '1091990', 1846),
  user('annb', 'Ann Beebe', 'ann.beebe', '2111991', 1317),
  user('paulc', 'Paul Cannon', 'paul.cannon', '3281986', 2874),
  ...EXTRA_NAMES.map(([alias, displayName], i) => {
    const login = displayName.toLowerCase().replace(/\s+/g, '.');
    // Birthday-style numbers like the sample's, distinct per user.
    const password = `${(i % 12) + 1}${String(10 + i).padStart(2, '0')}19${80 + i}`;
    const bigItems: SourceLargeItem[] =
      alias === 'danj'
        ? [
            {
              folderName: 'INBOX',
              subject: 'Site survey photos (full resolution)',
              sender: 'surveys@fabrikam.com',
              dateSent: new Date('2025-09-14T08:31:07Z'),
              size: 40 * MB,
            },
            {
              folderName: 'Projects',
              subject: 'Board slides - final',
              sender: 'kima@contoso.edu',
              dateSent: new Date('2025-10-02T16:05:44Z'),
              size: 12 * MB,
            },
          ]
        : [];
    return user(alias, displayName, login, password, 400 + ((i * 397) % 1600), bigItems);
  }),
];

/** The demo school's Windows domain: Microsoft's documented example writes logins as contoso\terry.adams. */
export const DEMO_NETBIOS_DOMAIN = 'contoso';

/** The demo user for a login as an admin would write it: terry.adams, terry.adams@contoso.edu, or contoso\terry.adams. */
export function findDemoUserByLogin(login: string): DemoUser | undefined {
  let l = login.trim().toLowerCase();
  const slash = l.indexOf('\\');
  if (slash >= 0) {
    const domain = l.slice(0, slash);
    if (domain !== DEMO_NETBIOS_DOMAIN && domain !== DEMO_DOMAIN) return undefined;
    l = l.slice(slash + 1);
  }
  return DEMO_USERS.find((u) => u.login === l || `${u.login}@${DEMO_DOMAIN}` === l);
}

export function createDemoSourceDirectory(hosts: readonly string[] = DEMO_SOURCE_HOSTS): SourceMailboxDirectory {
  const handled = new Set(hosts.map((h) => h.toLowerCase()));
  const reach = (server: SourceServer): SourceProbeResult => {
    const okCombo = (server.port === 993 && server.security === 'Ssl') || (server.port === 143 && (server.security === 'Tls' || server.security === 'None'));
    if (okCombo) return { ok: true };
    if (server.port !== 993 && server.port !== 143) {
      return { ok: false, failure: 'ConnectionRefused', detail: `No connection could be made to ${server.remoteServer}:${server.port}.` };
    }
    return { ok: false, failure: 'TlsFailed', detail: `TLS negotiation with ${server.remoteServer}:${server.port} failed.` };
  };
  return {
    handles: (server) => handled.has(server.remoteServer.trim().toLowerCase()),
    probe: async (server) => reach(server),
    open: async (server, credentials, options): Promise<SourceMailboxResult> => {
      const reached = reach(server);
      if (!reached.ok) return reached;
      const demo = findDemoUserByLogin(credentials.userName);
      if (!demo || demo.password !== credentials.password) {
        return { ok: false, failure: 'AuthenticationFailed', detail: 'LOGIN failed: authentication failed.' };
      }
      const folders = demo.folders.filter((f) => !folderExcluded(f.name, options.excludeFolders));
      const names = new Set(folders.map((f) => f.name));
      return {
        ok: true,
        folders: folders.map((f) => ({ ...f })),
        largeItems: demo.bigItems.filter((b) => names.has(b.folderName) && b.size > options.largeItemLimitBytes).map((b) => ({ ...b })),
      };
    },
  };
}
