// The end-user cutover checklist: what each person does after their mail has moved, in
// the words of their own mail client. Pure: steps, progress and its transitions.

export type MailClient = 'outlook-windows' | 'outlook-new' | 'outlook-mac' | 'imap-other';
export type StepId = 'add-account' | 'copy-contacts' | 'copy-calendar' | 'default-address-book' | 'remove-old-account';

export const STEP_ORDER: readonly StepId[] = ['add-account', 'copy-contacts', 'copy-calendar', 'default-address-book', 'remove-old-account'];

export const CLIENTS: Record<MailClient, { label: string; words: string[] }> = {
  'outlook-windows': { label: 'Outlook for Windows (classic)', words: ['outlook', 'classic', 'windows', 'outlook-windows', 'win'] },
  'outlook-new': { label: 'New Outlook or Outlook on the web', words: ['new', 'web', 'owa', 'new-outlook', 'outlook-new', 'browser'] },
  'outlook-mac': { label: 'Outlook for Mac', words: ['mac', 'macos', 'outlook-mac'] },
  'imap-other': { label: 'Thunderbird or another mail program', words: ['thunderbird', 'imap', 'other', 'apple', 'mail', 'imap-other'] },
};

export function parseClient(word: string | undefined): MailClient | null {
  const w = (word ?? '').trim().toLowerCase();
  if (!w) return null;
  for (const [id, c] of Object.entries(CLIENTS) as [MailClient, (typeof CLIENTS)[MailClient]][]) if (c.words.includes(w)) return id;
  return null;
}

export interface GuideStep {
  id: StepId;
  title: string;
  /** Why, in one sentence. */
  why: string;
  /** Show-me-how lines for this client. */
  how: string[];
  /** The step can be done by sending a file here instead. */
  importKind?: 'contacts' | 'events';
}

const EXPORT_VCF: Record<MailClient, string> = {
  'outlook-windows': 'Or send me a vCard (.vcf) exported from your old mail program here: I copy every contact into your Exchange Contacts.',
  'outlook-new':
    "New Outlook cannot open the old account's contacts. Export them from the old mail program (or its webmail) as a vCard (.vcf) file and send it to me here: I copy them into your Exchange Contacts.",
  'outlook-mac': 'Or in Contacts (the Mac app) select them all and File › Export › Export vCard, then send me the .vcf here.',
  'imap-other':
    'In Thunderbird: Address Book › select the book › Tools (⋯) › Export › vCard (.vcf). Send me that file here and I copy every contact into your Exchange Contacts.',
};
const EXPORT_ICS: Record<MailClient, string> = {
  'outlook-windows': 'Or export it: File › Save Calendar (iCalendar .ics) on the old calendar, and send me the file here.',
  'outlook-new':
    'Export the old calendar as iCalendar (.ics) from the old mail program or its webmail, and send it to me here: I copy the events into your Exchange calendar without inviting anybody.',
  'outlook-mac': 'Or in Calendar (the Mac app) File › Export › Export…, and send me the .ics here.',
  'imap-other':
    'In Thunderbird: Calendar › right-click the calendar › Export… (.ics). Send me that file here and I copy the events, without sending invitations.',
};

const HOW: Record<StepId, Record<MailClient, string[]>> = {
  'add-account': {
    'outlook-windows': [
      'File › Add Account.',
      'Type your work address and click Connect; sign in with your Microsoft 365 password.',
      'Restart Outlook when it asks. Your mail appears under the new account as Exchange copies it.',
    ],
    'outlook-new': [
      'Settings (gear) › Accounts › Email accounts › Add account.',
      'Type your work address and sign in. In a browser just go to https://outlook.office.com and sign in: nothing to add.',
    ],
    'outlook-mac': ['Outlook › Settings › Accounts › + › New Account.', 'Type your work address, Continue, and sign in with your Microsoft 365 password.'],
    'imap-other': [
      'Account Settings › Account Actions › Add Mail Account.',
      'Type your work address; choose IMAP on outlook.office365.com port 993 (SSL/TLS), authentication OAuth2, and sign in.',
      'Better still: install Outlook (it keeps contacts and calendar in Exchange too).',
    ],
  },
  'copy-contacts': {
    'outlook-windows': [
      "Open People, click the old account's Contacts folder.",
      'Select all contacts (Ctrl+A), right-click › Move › Copy to Folder…',
      'Pick Contacts under your Exchange mailbox and click OK.',
    ],
    'outlook-new': ['Export the old contacts as a .vcf file.'],
    'outlook-mac': ["Open People, select the old account's contacts (⌘A).", 'Drag them onto Contacts under your Exchange account.'],
    'imap-other': ['Export the address book as vCard.'],
  },
  'copy-calendar': {
    'outlook-windows': [
      'Open Calendar and tick both the old calendar and the Exchange Calendar: they open side by side.',
      'In the old one switch to List view (View › Change View › List), select all (Ctrl+A).',
      'Drag the appointments onto the Exchange Calendar.',
    ],
    'outlook-new': ['Export the old calendar as an .ics file.'],
    'outlook-mac': ['Open both calendars side by side, select the old appointments and drag them onto the Exchange calendar.'],
    'imap-other': ['Export the calendar as iCalendar.'],
  },
  'default-address-book': {
    'outlook-windows': [
      'Home › Address Book › Tools › Options.',
      'Under "When opening the address book, show this address list first", pick Contacts (your mailbox). Click OK.',
      'In Outlook on the web: People › Your contacts stays the first list you see once you open it there.',
    ],
    'outlook-new': [
      'Open Outlook on the web (https://outlook.office.com) › People.',
      'Click Your contacts › Contacts, not Directory: People remembers it as your first list, and new mail suggests your own contacts first.',
    ],
    'outlook-mac': [
      "Outlook › Settings › Contacts and pick your Exchange account's Contacts.",
      'In Outlook on the web open People › Your contacts once so it is your first list.',
    ],
    'imap-other': [
      'In Outlook on the web (https://outlook.office.com) open People › Your contacts, not Directory.',
      'Thunderbird: Settings › Composition › Addressing › tick your Exchange address book.',
    ],
  },
  'remove-old-account': {
    'outlook-windows': [
      'Wait until your IT team says the mail switch (MX) is done and a last sync ran.',
      'File › Account Settings › Account Settings…, select the old account, Remove.',
    ],
    'outlook-new': ['Wait until your IT team says the mail switch is done.', 'Settings › Accounts › Email accounts › Manage next to the old account › Remove.'],
    'outlook-mac': ['Wait until your IT team says the mail switch is done.', 'Outlook › Settings › Accounts, select the old account, click −.'],
    'imap-other': ['Wait until your IT team says the mail switch is done.', 'Account Settings › select the old account › Account Actions › Remove Account.'],
  },
};

const TITLES: Record<StepId, { title: string; why: string }> = {
  'add-account': { title: 'Add your Exchange account', why: 'Your mail now lives in Exchange Online; your mail program needs to open it.' },
  'copy-contacts': { title: 'Copy your contacts', why: 'The migration moved mail only: contacts stay in the old account until you copy them.' },
  'copy-calendar': { title: 'Copy your calendar', why: 'Appointments in the old account are not moved by the migration either.' },
  'default-address-book': {
    title: 'Make your Contacts the first address book',
    why: 'Otherwise Outlook offers the company directory first and your own contacts are hard to find.',
  },
  'remove-old-account': {
    title: 'After the switch: remove the old account',
    why: 'Once the old server stops receiving mail, keeping it only confuses replies and searches.',
  },
};

export function stepsFor(client: MailClient): GuideStep[] {
  return STEP_ORDER.map((id) => {
    const how = [...HOW[id][client]];
    if (id === 'copy-contacts') how.push(EXPORT_VCF[client]);
    if (id === 'copy-calendar') how.push(EXPORT_ICS[client]);
    return { id, ...TITLES[id], how, importKind: id === 'copy-contacts' ? 'contacts' : id === 'copy-calendar' ? 'events' : undefined };
  });
}

export function stepTitle(id: StepId): string {
  return TITLES[id].title;
}

export interface HelpRequest {
  step: StepId;
  at: string;
  /** Whether an admin channel was told. */
  notified: boolean;
}

export interface GuideProgress {
  client: MailClient | null;
  done: StepId[];
  help: HelpRequest[];
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Things Cutover did for the person (imports). */
  imported?: { contacts?: number; events?: number };
}

export function newProgress(now: Date): GuideProgress {
  return { client: null, done: [], help: [], startedAt: now.toISOString(), updatedAt: now.toISOString() };
}

/** The first step not done yet, or null when all are. */
export function currentStep(p: GuideProgress): StepId | null {
  return STEP_ORDER.find((s) => !p.done.includes(s)) ?? null;
}

export function chooseClient(p: GuideProgress, client: MailClient, now: Date): GuideProgress {
  return { ...p, client, updatedAt: now.toISOString() };
}

export function markDone(p: GuideProgress, step: StepId, now: Date): GuideProgress {
  if (p.done.includes(step)) return p;
  const done = STEP_ORDER.filter((s) => s === step || p.done.includes(s));
  const finished = done.length === STEP_ORDER.length;
  return { ...p, done, updatedAt: now.toISOString(), ...(finished ? { finishedAt: now.toISOString() } : {}) };
}

export function askHelp(p: GuideProgress, step: StepId, now: Date, notified: boolean): GuideProgress {
  // Keep the last 20: a person pressing the button repeatedly must not grow the record forever.
  return { ...p, help: [...p.help, { step, at: now.toISOString(), notified }].slice(-20), updatedAt: now.toISOString() };
}

export function isStepId(s: unknown): s is StepId {
  return typeof s === 'string' && (STEP_ORDER as readonly string[]).includes(s);
}

/** "3 of 5" style summary for the admin view. */
export function progressLine(p: GuideProgress | undefined): string {
  if (!p || (!p.client && p.done.length === 0)) return 'not started';
  if (p.finishedAt) return 'all done';
  const cur = currentStep(p);
  return `${p.done.length} of ${STEP_ORDER.length} done${cur ? ` · now: ${stepTitle(cur)}` : ''}`;
}
