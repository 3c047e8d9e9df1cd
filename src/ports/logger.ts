// Where Cutover's structured log lines go (src/adapters/log/logger.ts writes JSON lines).
// Fields are plain values; secrets never go in (CSV-derived text passes the file's masker first).

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
