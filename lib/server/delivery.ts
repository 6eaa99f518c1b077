import { encodeControl } from '../protocol/encoder.js';
import type { ChatMessage, FileInfo, JoinEvent, LeaveEvent } from '../types.js';

/**
 * One event on its way to many members. The wire frame is encoded at most once, on first use,
 * and the same buffer is written to every binary member.
 */
abstract class Delivery {
  #frame: Buffer | undefined;

  /** The encoded frame, shared by every receiver. */
  get frame(): Buffer {
    return (this.#frame ??= encodeControl(this.toWire()));
  }

  protected abstract toWire(): object;
}

/** A chat message on its way to a room's members or to its recipient. */
export class MessageDelivery extends Delivery {
  constructor(readonly message: ChatMessage) {
    super();
  }

  protected toWire(): object {
    return { t: 'msg', ...this.message };
  }
}

/** A join on its way to the room's other members. */
export class JoinDelivery extends Delivery {
  constructor(readonly event: JoinEvent) {
    super();
  }

  protected toWire(): object {
    return { t: 'join', room: this.event.room, user: this.event.user };
  }
}

/** A leave on its way to the room's remaining members. */
export class LeaveDelivery extends Delivery {
  constructor(readonly event: LeaveEvent) {
    super();
  }

  protected toWire(): object {
    return { t: 'leave', room: this.event.room, user: this.event.user, reason: this.event.reason };
  }
}

/** A newly stored file on its way to its room's members or to its recipient. */
export class FileDelivery extends Delivery {
  constructor(readonly file: FileInfo) {
    super();
  }

  protected toWire(): object {
    return { t: 'file', file: this.file };
  }
}
