import { PieChatError, toPieChatError } from '../errors.js';
import type { ReconnectingEvent } from './events.js';
import { reconnectDelay, type ReconnectPolicy } from './reconnect.js';

/** A server to connect to. */
export interface ServerAddress {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
}

/** Refusals a reconnection cannot overcome: the client stops trying. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set(['ERR_NAME_TAKEN', 'ERR_INVALID_NAME', 'ERR_AUTH', 'ERR_TLS']);

/** Whether `error` refuses the client for good (a bad name, bad credentials): trying again cannot help. */
export function isFinalRefusal(error: PieChatError | undefined): boolean {
  return error !== undefined && FINAL_REFUSALS.has(error.code);
}

/** What a {@link Reconnector} needs of its client. */
export interface ReconnectorHost {
  /** Connects to `address`; resolves once the server admitted the client. */
  open(address: ServerAddress): Promise<unknown>;
  /** Whether the client still wants a connection (it was not closed meanwhile). */
  wanted(): boolean;
  /** An attempt is scheduled. */
  retrying(event: ReconnectingEvent): void;
  /** No more attempts: the server refused the client for good, or `maxAttempts` failed. */
  gaveUp(error: PieChatError): void;
}

/**
 * Finds a server for the client: the first connection tries each address once, in order; after a
 * lost connection, attempts follow the reconnection policy (exponential backoff with jitter, a
 * cap, at least the server's `retryAfterMs`), starting with the server last connected to and
 * failing over to the others in turn.
 */
export class Reconnector {
  readonly #addresses: readonly ServerAddress[];
  readonly #policy: ReconnectPolicy | undefined;
  readonly #host: ReconnectorHost;
  #attempt = 0;
  /** Index of the server last connected to. */
  #server = 0;
  /** Index of the server being tried. */
  #trying = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(addresses: readonly ServerAddress[], policy: ReconnectPolicy | undefined, host: ReconnectorHost) {
    this.#addresses = addresses;
    this.#policy = policy;
    this.#host = host;
  }

  /** Whether lost connections are followed by attempts (the `reconnect` option is not `false`). */
  get enabled(): boolean {
    return this.#policy !== undefined;
  }

  /**
   * Tries each address once; resolves on the first that admits the client, rejects with the last
   * failure (at once on a final refusal, or when the client no longer wants to connect).
   */
  async first(): Promise<void> {
    let failure: PieChatError | undefined;
    for (let index = 0; index < this.#addresses.length; index++) {
      try {
        this.#trying = index;
        await this.#host.open(this.#addresses[index]!);
        return;
      } catch (error) {
        failure = toPieChatError(error);
        if (isFinalRefusal(failure) || !this.#host.wanted()) break;
      }
    }
    throw failure!;
  }

  /** The connection was lost: attempts begin, the first no sooner than `floorMs`. */
  start(floorMs: number): void {
    this.#schedule(floorMs, undefined);
  }

  /** No more attempts. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(floorMs: number, previous: PieChatError | undefined): void {
    const policy = this.#policy!;
    this.#attempt++;
    if (this.#attempt > policy.maxAttempts) {
      this.#attempt = 0;
      this.#host.gaveUp(new PieChatError('ERR_NOT_CONNECTED', `Gave up reconnecting after ${policy.maxAttempts} attempts`, { cause: previous }));
      return;
    }
    const delayMs = reconnectDelay(this.#attempt, policy, floorMs);
    this.#host.retrying(previous === undefined ? { attempt: this.#attempt, delayMs } : { attempt: this.#attempt, delayMs, error: previous });
    if (!this.#host.wanted()) return;
    this.#timer = setTimeout(() => this.#try(), delayMs);
  }

  #try(): void {
    this.#timer = undefined;
    if (!this.#host.wanted()) return;
    // The server last connected to first, then the others in turn.
    const index = (this.#server + this.#attempt - 1) % this.#addresses.length;
    this.#trying = index;
    this.#host.open(this.#addresses[index]!).then(
      () => undefined,
      (error: unknown) => {
        if (!this.#host.wanted()) return;
        const failure = toPieChatError(error);
        if (isFinalRefusal(failure)) {
          this.#attempt = 0;
          this.#host.gaveUp(failure);
        } else this.#schedule(0, failure);
      },
    );
  }

  /** The server being tried admitted the client: later attempts start with it, and from the shortest delay. */
  connected(): void {
    this.#server = this.#trying;
    this.#attempt = 0;
  }
}
