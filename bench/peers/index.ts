import { netNdjson, netNdjsonInterleaved } from './net-ndjson.js';
import { piechat, piechatPageCache } from './piechat.js';
import { socketio } from './socketio.js';
import type { Peer } from './types.js';
import { ws } from './ws.js';

/** Every system the benchmark compares, PieChat first. */
export const PEERS: readonly Peer[] = [piechat, piechatPageCache, socketio, ws, netNdjson];

/**
 * The peer to use for chat during an upload: the same, except the node:net NDJSON chat, which
 * must carry the file as base64 lines for chat lines to share its one connection.
 */
export function chatUploadPeer(peer: Peer): Peer {
  return peer === netNdjson ? netNdjsonInterleaved : peer;
}

/** The peer called `name`. */
export function peerNamed(name: string): Peer {
  const peer = PEERS.find((candidate) => candidate.name === name);
  if (peer === undefined) throw new Error(`Unknown peer ${name}; known: ${PEERS.map((known) => known.name).join(', ')}`);
  return peer;
}
