// @ts-check
/* global document, URLSearchParams */
/**
 * Builds the page's lists from plain data. Every text from the chat goes in with `textContent`
 * (through `element()`), never as markup: a message like `<img onerror=…>` stays text.
 *
 * @typedef {import('../protocol.js').PageMessage} PageMessage
 * @typedef {import('../protocol.js').PageFile} PageFile
 * @typedef {{ kind: 'message', message: PageMessage } | { kind: 'notice', text: string }} Entry
 */

/**
 * An element with a class (or none) and text or children.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} className
 * @param {string | Node[]} content text, or child nodes
 * @returns {HTMLElementTagNameMap[K]}
 */
export function element(tag, className, content) {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  if (typeof content === 'string') node.textContent = content;
  else node.append(...content);
  return node;
}

/**
 * `2.0 MiB`, `512 B` …
 *
 * @param {number} bytes
 */
export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

/** @param {number} at ms since the epoch */
function formatTime(at) {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * One line of the conversation.
 *
 * @param {Entry} entry
 * @param {string} me the tab's user
 */
export function entryItem(entry, me) {
  if (entry.kind === 'notice') return element('li', 'notice', entry.text);
  const { message } = entry;
  const kind = message.system ? 'system' : message.to !== undefined ? 'private' : message.from === me ? 'mine' : 'theirs';
  const from = message.to !== undefined ? `${message.from} → you` : message.from;
  return element('li', `message ${kind}`, [
    element('time', '', formatTime(message.at)),
    element('span', 'from', from),
    element('span', 'text', message.text),
  ]);
}

/**
 * The rooms list: a button per room, the current one marked.
 *
 * @param {HTMLElement} list
 * @param {Array<{ name: string, users: string[], joined: boolean }>} rooms
 * @param {string | undefined} current
 * @param {(room: string) => void} pick
 */
export function renderRooms(list, rooms, current, pick) {
  list.replaceChildren(
    ...rooms.map((room) => {
      const label = `${room.name} (${room.users.length})${room.joined ? '' : ' · join'}`;
      const button = element('button', room.name === current ? 'current' : room.joined ? 'joined' : '', label);
      button.type = 'button';
      button.dataset.room = room.name;
      button.addEventListener('click', () => pick(room.name));
      return element('li', '', [button]);
    }),
  );
}

/**
 * Who is in the current room.
 *
 * @param {HTMLElement} list
 * @param {Iterable<string>} users
 * @param {string} me
 */
export function renderMembers(list, users, me) {
  list.replaceChildren(...[...users].sort().map((user) => element('li', user === me ? 'me' : '', user)));
}

/**
 * The files shared in the current room, newest first, each a download link.
 *
 * @param {HTMLElement} list
 * @param {Iterable<PageFile>} files
 * @param {string} session the tab's session, which authorises its downloads
 */
export function renderFiles(list, files, session) {
  const newestFirst = [...files].sort((a, b) => b.at - a.at);
  list.replaceChildren(
    ...newestFirst.map((file) => {
      const link = element('a', 'download', file.name);
      link.href = `/files/${encodeURIComponent(file.id)}?${new URLSearchParams({ session })}`;
      link.download = '';
      return element('li', '', [link, element('span', 'meta', ` ${formatBytes(file.size)}, from ${file.from}`)]);
    }),
  );
}
