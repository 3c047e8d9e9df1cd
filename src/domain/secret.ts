import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A password (or any credential) that must not leak through logs, error texts,
 * JSON, template strings or console.log. The value lives in a private field,
 * so only reveal() hands it out, and only code that sends it to Exchange should call it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The clear value. Call it only where the password leaves for Exchange. */
  reveal(): string {
    return this.#value;
  }

  /** True when the secret is the empty string (lets checks run without revealing). */
  isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
