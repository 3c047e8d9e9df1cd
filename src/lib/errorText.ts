// The message of anything thrown, for logs and cards (callers still mask secrets: this only
// turns an unknown into text, bounded so a hostile peer's huge error cannot flood a card).

const MAX = 2_000;

export function errorText(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.message;
  else if (typeof err === 'string') text = err;
  else {
    try {
      text = String(err);
    } catch {
      text = 'unknown error';
    }
  }
  return text.length > MAX ? `${text.slice(0, MAX)}…` : text;
}
