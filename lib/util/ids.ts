import { randomBytes } from 'node:crypto';

/** An unguessable token (128 bits, base64url): session ids. */
export function randomToken(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Makes ids unique for the lifetime of the process and, thanks to a random prefix, across
 * restarts: `<prefix>-<counter in base 36>`. Cheaper than a random id per message.
 */
export function createIdFactory(): () => string {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return () => `${prefix}-${(++counter).toString(36)}`;
}
