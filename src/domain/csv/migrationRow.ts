// One migration user as read from the CSV: what Cutover carries from the admin's file to
// Exchange (New-MigrationBatch / Set-MigrationBatch -AddUsers take these rows; the adapter
// writes Exchange's CSV from them). The password is a Secret from the moment it is read.

import type { Secret } from '../secret';

export interface MigrationCsvRow {
  rowNumber: number;
  line: number;
  /** Trimmed, case as written (compare lower-cased). */
  emailAddress: string;
  /** Trimmed source login, admin forms included (`terry.adams*mailadmin`, `contoso\hollyh`). */
  userName: string;
  /** Exactly as written: no trimming, commas/quotes/spaces kept. */
  password: Secret;
  userRoot?: string;
}
