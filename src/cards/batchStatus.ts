// Batch status colours, the same on every card that shows one.

const BATCH_STATUS_COLOR: Record<string, string> = {
  Synced: 'Good',
  SyncedWithErrors: 'Warning',
  Failed: 'Attention',
  Corrupted: 'Attention',
  Stopped: 'Warning',
  Syncing: 'Accent',
  Starting: 'Accent',
  IncrementalSyncing: 'Accent',
  Removing: 'Warning',
};

/** The card colour of a batch status, the same on every card that shows one. */
export function batchStatusColor(status: string): string {
  return BATCH_STATUS_COLOR[status] ?? 'Default';
}
