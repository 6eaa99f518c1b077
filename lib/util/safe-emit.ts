import type { EventEmitter } from 'eventemitter3';
import { PieChatError } from '../errors.js';

/**
 * Emits an event without letting a throwing listener corrupt PieChat's state. The listener's
 * error is emitted as an `ERR_INTERNAL` `error` event whose `cause` is the original; with no
 * `error` listener it is rethrown on a microtask, as an uncaught exception, so bugs stay visible.
 * An `error` event nobody listens to becomes a process warning rather than vanishing.
 */
export function emitSafely<Events extends EventEmitter.ValidEventTypes, Name extends EventEmitter.EventNames<Events>>(
  emitter: EventEmitter<Events>,
  event: Name,
  ...args: EventEmitter.EventArgs<Events, Name>
): void {
  try {
    const heard = emitter.emit(event, ...args);
    // An unheard error is not dropped: Node prints it as a process warning.
    if (!heard && event === 'error') process.emitWarning(args[0] as Error);
  } catch (error) {
    const untyped = emitter as unknown as { emit(event: string, error: PieChatError): boolean };
    const reason = error instanceof Error ? error.message : String(error);
    if (event === 'error' || !untyped.emit('error', new PieChatError('ERR_INTERNAL', `A "${String(event)}" listener threw: ${reason}`, { cause: error }))) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
