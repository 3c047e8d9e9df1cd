// Files with per-user data (reports, proof, preflight results, skipped items) go to the admin who
// asked and nobody else: into their personal chat with Cutover, wherever they asked. In Teams as a
// file consent card (the file lands in their OneDrive when they choose Allow); where the client
// cannot take files (local mode, the Agents Playground) as a link that lives 15 minutes.
// Implemented in src/teams/fileHandover.ts.

export interface ExportFile {
  fileName: string;
  contentType: string;
  body: Buffer;
  /** One line shown on the file card, e.g. "Skipped items of ann@contoso.edu". */
  description: string;
}

export interface FileRecipient {
  /** The channel's id for the person (Teams: 29:...). */
  id: string;
  aadObjectId?: string;
  name?: string;
}

export type Handover =
  /** to: 'this-chat' when asked in the personal chat itself; how: consent card or 15-minute link. */
  { status: 'sent'; to: 'this-chat' | 'personal-chat'; how: 'consent' | 'link'; files: string[] } | { status: 'no-personal-chat' };

export interface ReportDelivery {
  deliver(to: FileRecipient, files: ExportFile[]): Promise<Handover>;
}
