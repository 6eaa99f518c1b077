/**
 * Every default in one place. Options documentation (`@default`) and `docs/` quote these values.
 */

/** The port PieChat has always listened on. */
export const DEFAULT_PORT = 9009;

/** Name of the server, used as `from` of its system messages; users may not take it. */
export const DEFAULT_SERVER_NAME = 'server';

/** Rooms every user is in on arrival. */
export const DEFAULT_ROOMS: readonly string[] = ['lobby'];

/** Most simultaneous users a server accepts. */
export const DEFAULT_MAX_CLIENTS = 10_000;

/** Longest message text, in UTF-8 bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024;

/** Largest frame payload either side accepts (1 MiB). File chunks are far smaller. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Largest frame a connection may send before its handshake completes. */
export const HANDSHAKE_MAX_FRAME_BYTES = 16 * 1024;

/** Most rooms one user may be in at once. */
export const DEFAULT_MAX_ROOMS_PER_USER = 32;

/** Longest user name, in characters. */
export const DEFAULT_MAX_NAME_LENGTH = 32;

/** Interval of heartbeats; a peer silent for two intervals is considered dead. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;

/** A line-mode (telnet, `nc`) connection with no traffic either way for this long is closed (1 hour). */
export const DEFAULT_LINE_IDLE_TIMEOUT_MS = 60 * 60 * 1000;

/** Time a new connection has to complete its handshake (binary hello, or a name in line mode). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * How long the server waits for a new connection's first bytes before treating it as a
 * line-mode (telnet, `nc`) client and prompting for a name.
 */
export const DEFAULT_LINE_MODE_DELAY_MS = 250;

/** Most bytes a connection may have queued for sending before it is a slow consumer (8 MiB). */
export const DEFAULT_MAX_OUTPUT_BUFFER_BYTES = 8 * 1024 * 1024;

/** Host a client connects to. */
export const DEFAULT_HOST = 'localhost';

/** Time a client waits for the TCP connection and the welcome. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Time a client waits for the answer to a request (send, join, ...). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** Largest file a server accepts for upload (2 GiB). */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/** Directory of the default file store, relative to the working directory. */
export const DEFAULT_STORAGE_DIRECTORY = 'piechat-files';

/** Most transfers (uploads and downloads together) one connection may run at once. */
export const DEFAULT_MAX_TRANSFERS = 8;

/** Most bytes of stored files per user (10 GiB); uploads beyond it get `ERR_QUOTA_EXCEEDED`. */
export const DEFAULT_QUOTA_BYTES = 10 * 1024 * 1024 * 1024;

/** File bytes per data frame (64 KiB): small enough to interleave with chat, large enough to be cheap. */
export const TRANSFER_CHUNK_BYTES = 64 * 1024;

/**
 * Flow-control window of a transfer (4 MiB): the most bytes a receiver holds received but not yet
 * written. Neither side ever buffers more than this per transfer (and at most 1 MiB of it is in
 * flight on the connection at once).
 */
export const DEFAULT_TRANSFER_WINDOW_BYTES = 4 * 1024 * 1024;

/** Least time between two `progress` events of one transfer (the last one always comes). */
export const PROGRESS_INTERVAL_MS = 100;

/** Most messages a history keeps per room or inbox, for clients that resume. */
export const DEFAULT_HISTORY_MAX_MESSAGES = 1000;

/** Age beyond which a history drops a message (one hour). */
export const DEFAULT_HISTORY_MAX_AGE_MS = 60 * 60 * 1000;

/** Most rooms and inboxes a history tracks. */
export const DEFAULT_HISTORY_MAX_KEYS = 100_000;

/**
 * How long a user whose connection was lost (not closed) stays in its rooms, its name reserved,
 * waiting for its client to resume the session.
 */
export const DEFAULT_RESUME_GRACE_MS = 30_000;

/** How long the server keeps an interrupted upload, for its client to continue it. */
export const DEFAULT_PARTIAL_UPLOAD_TTL_MS = 10 * 60 * 1000;

/** Most messages a client queues while reconnecting. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 1000;

/** Most bytes of message text a client queues while reconnecting (1 MiB). */
export const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

/** First reconnection delay; it doubles after each failed attempt, up to the maximum. */
export const DEFAULT_RECONNECT_INITIAL_DELAY_MS = 250;

/** Longest reconnection delay. */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 10_000;

/** How long the server asks clients to wait before reconnecting after a shutdown. */
export const SHUTDOWN_RETRY_AFTER_MS = 1_000;

/**
 * Receipts of a session's most recent messages kept to recognise its retransmits: at least the
 * client's default queue, so that everything it may send again is known.
 */
export const DEDUPLICATION_MEMORY = 1_000;

/** Messages one connection may send per second on average (a token bucket refills at this rate). */
export const DEFAULT_MAX_MESSAGES_PER_SECOND = 100;

/** Messages one connection may send at once above the average rate (the bucket's size). */
export const DEFAULT_MESSAGE_BURST = 200;

/** Most connections open at once from one remote address. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

/** Longest time one frame (or line) may take to arrive once its first byte came. */
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000;
