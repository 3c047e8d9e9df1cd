// Every chat command, its exact words and what it does. The help card, usage
// answers for bad arguments and the Teams manifest's command list all come from here,
// so the words people and scripts rely on live in one place.

export interface CommandSpec {
  family: 'help' | 'endpoint' | 'batch' | 'user' | 'mailbox' | 'preflight' | (string & {});
  verb: string;
  usage: string;
  description: string;
  adminOnly: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  { family: 'help', verb: 'help', usage: 'help', description: 'What Cutover can do for you.', adminOnly: false },
  { family: 'endpoint', verb: 'list', usage: 'endpoint list', description: 'IMAP migration endpoints.', adminOnly: true },
  {
    family: 'endpoint',
    verb: 'add',
    usage: 'endpoint add <name> <host> [port] [ssl|tls|none]',
    description: 'Test the IMAP server, then create an endpoint (default 993, ssl).',
    adminOnly: true,
  },
  { family: 'endpoint', verb: 'test', usage: 'endpoint test <name>', description: 'Can Exchange reach the IMAP server?', adminOnly: true },
  { family: 'endpoint', verb: 'remove', usage: 'endpoint remove <name>', description: 'Remove an endpoint no batch uses.', adminOnly: true },
  {
    family: 'batch',
    verb: 'new',
    usage: 'batch new <name> [endpoint <endpoint>] [exclude <folder>,<folder>…] [start <when>]',
    description:
      'Attach the migration CSV (or paste it under the command): Cutover checks it, then you click Create. With start (2026-12-31T22:00Z, tomorrow 22:00, fri 19:30 in your Teams time zone) Exchange starts it by itself then.',
    adminOnly: true,
  },
  { family: 'batch', verb: 'list', usage: 'batch list', description: 'All migration batches and their status.', adminOnly: true },
  { family: 'batch', verb: 'show', usage: 'batch show <name>', description: 'Live progress of one batch, failed users first.', adminOnly: true },
  { family: 'batch', verb: 'start', usage: 'batch start <name>', description: 'Start, resume, or retry failed users.', adminOnly: true },
  { family: 'batch', verb: 'stop', usage: 'batch stop <name>', description: 'Stop syncing; migrated mail stays.', adminOnly: true },
  { family: 'batch', verb: 'sync', usage: 'batch sync <name>', description: 'Incremental sync now instead of in ~24 h.', adminOnly: true },
  {
    family: 'batch',
    verb: 'remove',
    usage: 'batch remove <name>',
    description: 'After the MX switch: remove the batch (asks first).',
    adminOnly: true,
  },
  {
    family: 'batch',
    verb: 'history',
    usage: 'batch history [name]',
    description: "Batches Exchange no longer has (removed, or purged 90 days after they stopped) and, for one, each user's final record; exportable as CSV.",
    adminOnly: true,
  },
  { family: 'user', verb: 'show', usage: 'user show <email>', description: 'Migration user, statistics and sync request.', adminOnly: true },
  {
    family: 'user',
    verb: 'report',
    usage: 'user report <email>',
    description: 'Skipped items, report and diagnostics as JSON and CSV files, in your personal chat.',
    adminOnly: true,
  },
  {
    family: 'user',
    verb: 'remove',
    usage: 'user remove <email>',
    description: 'Take a user out of their batch so they can go in another (asks first).',
    adminOnly: true,
  },
  {
    family: 'user',
    verb: 'history',
    usage: 'user history <email>',
    description: 'Every batch the user was in that Exchange has forgotten: status, items synced, skipped kinds, errors.',
    adminOnly: true,
  },
  {
    family: 'preflight',
    verb: 'preflight',
    usage: 'preflight [endpoint <endpoint>]',
    description: 'Attach the CSV: every user is checked on the source IMAP server (sign-in, folders, items over the limit) before Exchange is asked.',
    adminOnly: true,
  },
  {
    family: 'csv',
    verb: 'build',
    usage: 'csv build <dovecot|exchange|mirapoint|courier|custom> batch <name> [endpoint <endpoint>]',
    description: 'Addresses (pasted or attached) plus one admin login: the CSV for a master-user migration, without collecting passwords.',
    adminOnly: true,
  },
  {
    family: 'cutover',
    verb: 'check',
    usage: 'cutover check <domain>',
    description: 'MX (with TTL), SPF and autodiscover: what is ready for the switch to Exchange, and the exact record to set.',
    adminOnly: true,
  },
  {
    family: 'cutover',
    verb: 'plan',
    usage: 'cutover plan batch <name> [domain <domain>] [switch <when>]',
    description:
      'The ordered cut-over with a button per step; attach the batch CSV so the delta pass can read the source. switch <when> plans the MX switch: reminders 24 h and 1 h before.',
    adminOnly: true,
  },
  {
    family: 'cutover',
    verb: 'delta',
    usage: 'cutover delta batch <name>',
    description: 'Copy what reached the old server after the last sync (by Message-ID), once.',
    adminOnly: true,
  },
  {
    family: 'cutover',
    verb: 'proof',
    usage: 'cutover proof batch <name>',
    description: 'Per-user reconciliation, as a card and a CSV; the batch is verified when every user reconciles.',
    adminOnly: true,
  },
  {
    family: 'guide',
    verb: 'guide',
    usage: 'guide',
    description:
      'Your own move to Exchange, step by step: add the account, copy contacts and calendar (or attach the .vcf/.ics here), then remove the old account.',
    adminOnly: false,
  },
  {
    family: 'guide',
    verb: 'client',
    usage: 'guide client <outlook|new|mac|thunderbird>',
    description: 'Steps written for your mail program.',
    adminOnly: false,
  },
  {
    family: 'guide',
    verb: 'status',
    usage: 'guide status [batch <name>]',
    description: 'Who has done which guide step, and who asked for help.',
    adminOnly: true,
  },
  {
    family: 'guide',
    verb: 'send',
    usage: 'guide send batch <name>',
    description: 'Offer the guide to every user of a batch (installs Cutover for them where allowed).',
    adminOnly: true,
  },
  {
    family: 'subscribe',
    verb: 'subscribe',
    usage: 'subscribe [batch <name>|all]',
    description: 'Live progress cards and alerts for batches, here (chat or channel).',
    adminOnly: true,
  },
  { family: 'unsubscribe', verb: 'unsubscribe', usage: 'unsubscribe [batch <name>|all]', description: 'Stop notifications here.', adminOnly: true },
  { family: 'subscriptions', verb: 'subscriptions', usage: 'subscriptions', description: 'What this conversation is subscribed to.', adminOnly: true },
  {
    family: 'schedule',
    verb: 'schedule',
    usage: 'schedule',
    description:
      'What is planned: batches to start by themselves (batch new … start <when>) and MX switches (cutover plan … switch <when>), with a Cancel button each.',
    adminOnly: true,
  },
  {
    family: 'status',
    verb: 'status',
    usage: 'status',
    description: "Every batch at a glance, the watcher's last and next poll, and any throttling.",
    adminOnly: true,
  },
  { family: 'audit', verb: 'audit', usage: 'audit [count]', description: 'Who did what, when, and how it went (newest first).', adminOnly: true },
  { family: 'mailbox', verb: 'show', usage: 'mailbox show <email>', description: 'Target mailbox and its size limits.', adminOnly: true },
  {
    family: 'mailbox',
    verb: 'limit',
    usage: 'mailbox limit <email> <size>',
    description: 'Raise MaxReceiveSize and MaxSendSize (up to 150MB) for large items.',
    adminOnly: true,
  },
];

export function usageOf(family: string, verb?: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.family === family && (verb === undefined || c.verb === verb));
}
