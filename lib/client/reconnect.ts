import * as defaults from '../defaults.js';
import { assertInteger, assertOptions, describe } from '../util/assert.js';

/** How a client reconnects after losing its connection. */
export interface ReconnectOptions {
  /**
   * Delay before the first attempt (ms); it grows by `factor` after each failed attempt.
   * @default 250
   */
  initialDelayMs?: number;
  /**
   * Longest delay between attempts (ms).
   * @default 10000
   */
  maxDelayMs?: number;
  /**
   * Growth of the delay after each failed attempt.
   * @default 2
   */
  factor?: number;
  /**
   * Share of each delay drawn at random (0–1), so that many clients do not reconnect in step.
   * @default 0.5
   */
  jitter?: number;
  /**
   * Attempts before giving up: the client then goes `idle` and emits `error` (`ERR_NOT_CONNECTED`).
   * @default Infinity
   */
  maxAttempts?: number;
}

/** A reconnection policy with every default applied. */
export type ReconnectPolicy = Required<ReconnectOptions>;

/** The policy for the `reconnect` option: `true` (the default) gives the defaults, `false` none. */
export function resolveReconnect(value: boolean | ReconnectOptions | undefined): ReconnectPolicy | undefined {
  if (value === false) return undefined;
  if (value !== undefined && value !== true) assertOptions('reconnect', value);
  const options: ReconnectOptions = value === undefined || value === true ? {} : value;
  const policy: ReconnectPolicy = {
    initialDelayMs: options.initialDelayMs ?? defaults.DEFAULT_RECONNECT_INITIAL_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? defaults.DEFAULT_RECONNECT_MAX_DELAY_MS,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.5,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
  assertInteger('reconnect.initialDelayMs', policy.initialDelayMs, 0);
  assertInteger('reconnect.maxDelayMs', policy.maxDelayMs, 0);
  if (typeof policy.factor !== 'number' || !(policy.factor >= 1)) throw new TypeError(`Expected \`reconnect.factor\` to be a number of at least 1, got \`${describe(policy.factor)}\``);
  if (typeof policy.jitter !== 'number' || !(policy.jitter >= 0 && policy.jitter <= 1)) {
    throw new TypeError(`Expected \`reconnect.jitter\` to be a number from 0 to 1, got \`${describe(policy.jitter)}\``);
  }
  if (policy.maxAttempts !== Number.POSITIVE_INFINITY) assertInteger('reconnect.maxAttempts', policy.maxAttempts, 1);
  return policy;
}

/**
 * The delay before reconnection attempt `attempt` (1, 2, …): exponential, capped, with jitter.
 * `floorMs` (a server's `retryAfterMs` after a shutdown) raises it, spread by the jitter too.
 */
export function reconnectDelay(attempt: number, policy: ReconnectPolicy, floorMs = 0, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1));
  const delay = exponential * (1 - policy.jitter * random());
  return Math.round(Math.max(delay, floorMs * (1 + policy.jitter * random())));
}
