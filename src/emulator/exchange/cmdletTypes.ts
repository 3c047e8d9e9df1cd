// What a cmdlet handler receives and returns; a file of its own so the handler files
// (cmdlets.ts, permissions.ts) depend on it and not on each other.

import type { MigrationEngine } from './engine';
import type { WireRow } from './serializer';

export interface CmdletResult {
  rows: WireRow[];
  /** Present for cmdlets with -ResultSize: the server pages and warns. */
  resultSize?: number | 'Unlimited';
  warnings?: string[];
  confirmationMessage?: string;
}

export interface CmdletContext {
  engine: MigrationEngine;
  tenantId: string;
  submittedByUser: string;
}

export type Handler = (p: Record<string, unknown>, ctx: CmdletContext) => Promise<CmdletResult> | CmdletResult;
