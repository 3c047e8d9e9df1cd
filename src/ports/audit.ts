// Who did what, when, and how it went (src/services/auditLog.ts keeps it).

export interface AuditEntryInput {
  actor: { id: string; name?: string };
  action: string;
  target?: string;
  result: 'ok' | 'failed' | 'refused';
  detail?: string;
}

export interface AuditPort {
  record(entry: AuditEntryInput): Promise<unknown>;
  /** Newest first. */
  recent(limit: number): Promise<(AuditEntryInput & { at: string })[]>;
}
