// One answer to a person: an Adaptive Card and the plain text Teams shows in notifications.

import type { AdaptiveCard } from './render';

export interface Reply {
  card: AdaptiveCard;
  /** Plain text for notifications and screen readers. */
  summary: string;
}
