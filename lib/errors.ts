/**
 * Every failure PieChat reports carries one of these codes. The list is the contract
 * documented in `docs/errors.md`; codes are only ever added, never renamed.
 */
export const ERROR_CODES = [
  'ERR_NAME_TAKEN',
  'ERR_INVALID_NAME',
  'ERR_INVALID_ROOM',
  'ERR_AUTH',
  'ERR_FORBIDDEN',
  'ERR_NOT_CONNECTED',
  'ERR_CLOSED',
  'ERR_PROTOCOL',
  'ERR_FRAME_TOO_LARGE',
  'ERR_MESSAGE_TOO_LONG',
  'ERR_INVALID_MESSAGE',
  'ERR_UNKNOWN_USER',
  'ERR_NOT_IN_ROOM',
  'ERR_TOO_MANY_ROOMS',
  'ERR_SERVER_FULL',
  'ERR_TIMEOUT',
  'ERR_RATE_LIMITED',
  'ERR_FILE_TOO_LARGE',
  'ERR_FILE_NOT_FOUND',
  'ERR_QUOTA_EXCEEDED',
  'ERR_TOO_MANY_TRANSFERS',
  'ERR_CHECKSUM',
  'ERR_ABORTED',
  'ERR_QUEUE_FULL',
  'ERR_SLOW_CONSUMER',
  'ERR_HISTORY_GAP',
  'ERR_STORAGE',
  'ERR_INTERNAL',
  'ERR_TLS',
] as const;

/** A code from {@link ERROR_CODES}: the stable, documented way to tell errors apart. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Brand shared by every copy of this module (ESM and CJS builds, or two installed versions),
 * so that `instanceof PieChatError` holds whichever copy created the error.
 */
const BRAND = Symbol.for('piechat.error');

/** Options accepted by the {@link PieChatError} constructor. */
export interface PieChatErrorOptions {
  /** The underlying error, if any (a socket error, a file system error). */
  cause?: unknown;
}

/**
 * The one error class PieChat throws, rejects with and emits. Tell errors apart by
 * {@link PieChatError.code | code}, a literal type that narrows.
 *
 * `instanceof PieChatError` works across the ESM and CJS builds; `err.code` works everywhere.
 *
 * @example
 * ```ts
 * try {
 *   await client.connect();
 * } catch (error) {
 *   if (error instanceof PieChatError && error.code === 'ERR_NAME_TAKEN') pickAnotherName();
 * }
 * ```
 */
export class PieChatError<C extends ErrorCode = ErrorCode> extends Error {
  /** The stable code of this failure, one of {@link ERROR_CODES}. */
  readonly code: C;

  constructor(code: C, message: string, options: PieChatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PieChatError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Recognises errors made by any copy of PieChat (ESM, CJS or another version). */
  static override [Symbol.hasInstance](value: unknown): value is PieChatError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `code` is one of the documented {@link ErrorCode}s. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODE_SET.has(code);
}

/**
 * Narrows `error` to a {@link PieChatError}, optionally of one code.
 *
 * @example
 * ```ts
 * if (isPieChatError(error, 'ERR_RATE_LIMITED')) await delay(1000);
 * ```
 */
export function isPieChatError<C extends ErrorCode>(error: unknown, code?: C): error is PieChatError<C> {
  return error instanceof PieChatError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a {@link PieChatError}, keeping PieChat errors as they are. */
export function toPieChatError(error: unknown, fallback: ErrorCode = 'ERR_INTERNAL'): PieChatError {
  if (error instanceof PieChatError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PieChatError(fallback, message, { cause: error });
}
