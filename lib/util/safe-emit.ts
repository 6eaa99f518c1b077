import type { EventEmitter } from 'eventemitter3';
import { PieChatError } from '../errors.js';

/** Something with an `error` event to report listener failures on (a client, a server). */
type ErrorReporter = { emit(event: 'error', error: PieChatError): boolean };

/**
 * Emits an event without letting a throwing listener corrupt PieChat's state. The listener's
 * error is emitted as an `ERR_INTERNAL` `error` event (whose `cause` is the original) on
 * `reporter`, the emitter itself by default; with no `error` listener there it is rethrown on a
 * microtask, as an uncaught exception, so bugs stay visible. An `error` event nobody listens to
 * becomes a process warning rather than vanishing.
 */
export function emitSafely<Events extends EventEmitter.ValidEventTypes, Name extends EventEmitter.EventNames<Events>>(
  emitter: EventEmitter<Events>,
  event: Name,
  ...args: EventEmitter.EventArgs<Events, Name>
): void {
  emitReporting(emitter, emitter as unknown as ErrorReporter, event, ...args);
}

/** Like {@link emitSafely}, reporting a throwing listener on `reporter`'s `error` event. */
export function emitReporting<Events extends EventEmitter.ValidEventTypes, Name extends EventEmitter.EventNames<Events>>(
  emitter: EventEmitter<Events>,
  reporter: ErrorReporter,
  event: Name,
  ...args: EventEmitter.EventArgs<Events, Name>
): void {
  try {
    const heard = emitter.emit(event, ...args);
    // An unheard error is not dropped: Node prints it as a process warning.
    if (!heard && event === 'error') process.emitWarning(args[0] as Error);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const wrapped = new PieChatError('ERR_INTERNAL', `A "${String(event)}" listener threw: ${reason}`, { cause: error });
    if (event === 'error' || !reporter.emit('error', wrapped)) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
