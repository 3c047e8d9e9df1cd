// Fetching a file a person attached in Teams (src/adapters/http/fileFetcher.ts).

/** A file the person attached: Teams gives a download URL for it. */
export interface IncomingFile {
  name: string;
  downloadUrl: string;
  fileType?: string;
}

export interface FileFetcher {
  /** Downloads an attached file from the URL Teams gave, with a size cap; throws FileFetchError. */
  fetch(file: IncomingFile): Promise<Buffer>;
}

export class FileFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileFetchError';
  }
}
