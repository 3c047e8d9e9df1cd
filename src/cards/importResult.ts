// The import result card (adaptiveCards/importResult.json): what a .vcf/.ics import created,
// found already there, and could not copy.

import type { ImportPreviewInput } from './importPreview';
import { renderCard, type AdaptiveCard } from './render';

/** The same shape as the preview's: the result card shows the same parts, filled after the import. */
export type ImportResultInput = ImportPreviewInput;

export function importResultCard(input: ImportResultInput): AdaptiveCard {
  return renderCard('importResult', input);
}
