// Reading an uploaded contacts (.vcf) or calendar (.ics) file into Graph bodies
// (src/adapters/pim/workerPimReader.ts: in a worker thread, with a deadline).

import type { PimParseResult } from '../domain/pim/types';

export interface PimFileReader {
  /**
   * Never throws and never blocks the caller's event loop: a file that cannot be read in
   * time or memory answers `{ ok: false, problem }`, the problem saying what is wrong and what to do.
   */
  read(fileName: string, bytes: Uint8Array): Promise<PimParseResult>;
}
