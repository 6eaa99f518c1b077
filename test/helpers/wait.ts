import type { ChatClient, ChatMessage } from '../../lib/index.js';

/** Settles like `promise`, or rejects with `what` after `timeoutMs`. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The next message `client` receives that satisfies `accept`, within `timeoutMs`. */
export function nextMessage(client: ChatClient, accept: (message: ChatMessage) => boolean, what = 'a message', timeoutMs?: number): Promise<ChatMessage> {
  let listener: ((message: ChatMessage) => void) | undefined;
  const received = new Promise<ChatMessage>((resolve) => {
    listener = (message) => {
      if (accept(message)) resolve(message);
    };
    client.on('message', listener);
  });
  return within(received, what, timeoutMs).finally(() => client.off('message', listener));
}

/** Resolves when `client` sees `user` join or leave `room`, within `timeoutMs`. */
export function nextPresence(client: ChatClient, event: 'join' | 'leave', user: string, room: string, timeoutMs?: number): Promise<void> {
  let listener: ((payload: { user: string; room: string }) => void) | undefined;
  const seen = new Promise<void>((resolve) => {
    listener = (payload) => {
      if (payload.user === user && payload.room === room) resolve();
    };
    client.on(event, listener);
  });
  return within(seen, `${user} to ${event} ${room}`, timeoutMs).finally(() => client.off(event, listener));
}
