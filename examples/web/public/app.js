// @ts-check
/* global document, location, WebSocket, HTMLElement, HTMLFormElement, HTMLInputElement, HTMLButtonElement, HTMLProgressElement */
/**
 * The chat page: one WebSocket to the host, which runs this tab's own ChatClient. Requests go
 * up as JSON (`PageRequest`), events come down (`HostEvent`); this file keeps the state and
 * redraws what changed. Files go over HTTP (`upload.js`, and plain download links).
 *
 * @typedef {import('../protocol.js').HostEvent} HostEvent
 * @typedef {import('../protocol.js').PageRequest} PageRequest
 * @typedef {import('../protocol.js').PageFile} PageFile
 * @typedef {import('../protocol.js').PageRoom} PageRoom
 * @typedef {import('./view.js').Entry} Entry
 * @typedef {{ users: Set<string>, entries: Entry[], files: Map<string, PageFile> }} Room
 */
import { postFile } from './upload.js';
import { entryItem, formatBytes, renderFiles, renderMembers, renderRooms } from './view.js';

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no #${id}`);
  return node;
}

const ui = {
  status: byId('status', HTMLElement),
  error: byId('error', HTMLElement),
  nameForm: byId('name-form', HTMLFormElement),
  name: byId('name', HTMLInputElement),
  chat: byId('chat', HTMLElement),
  rooms: byId('rooms', HTMLElement),
  joinForm: byId('join-form', HTMLFormElement),
  roomName: byId('room-name', HTMLInputElement),
  refreshRooms: byId('refresh-rooms', HTMLButtonElement),
  currentRoom: byId('current-room', HTMLElement),
  leaveRoom: byId('leave-room', HTMLButtonElement),
  messages: byId('messages', HTMLElement),
  sendForm: byId('send-form', HTMLFormElement),
  messageText: byId('message-text', HTMLInputElement),
  members: byId('members', HTMLElement),
  uploadForm: byId('upload-form', HTMLFormElement),
  fileInput: byId('file-input', HTMLInputElement),
  upload: byId('upload', HTMLElement),
  uploadProgress: byId('upload-progress', HTMLProgressElement),
  uploadStatus: byId('upload-status', HTMLElement),
  files: byId('files', HTMLElement),
};

const state = {
  me: '',
  session: '',
  maxFileBytes: Infinity,
  /** @type {string | undefined} the room on screen */
  current: undefined,
  /** @type {string | undefined} a room asked to join: shown once joined */
  wanted: undefined,
  /** @type {Map<string, Room>} rooms the tab's user is in */
  joined: new Map(),
  /** @type {PageRoom[]} every room on the server, as last listed */
  serverRooms: [],
  /** @type {{ name: string, bytes: number, transfer?: string } | undefined} the upload under way */
  upload: undefined,
};

const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);

/** @param {PageRequest} request */
function ask(request) {
  hideError();
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(request));
  else showError('The connection to the web host is closed: reload the page');
}

/** @param {string} text */
function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
}

/** @param {string} text @param {boolean} online */
function setStatus(text, online) {
  ui.status.textContent = text;
  ui.status.classList.toggle('offline', !online);
}

// --- drawing

function drawRooms() {
  const names = new Set([...state.serverRooms.map((room) => room.name), ...state.joined.keys()]);
  const rooms = [...names].sort().map((name) => {
    const joined = state.joined.get(name);
    const listed = state.serverRooms.find((room) => room.name === name);
    return { name, users: joined ? [...joined.users] : (listed?.users ?? []), joined: joined !== undefined };
  });
  renderRooms(ui.rooms, rooms, state.current, (name) => {
    if (state.joined.has(name)) show(name);
    else join(name);
  });
}

/** Draws the current room: title, conversation, members, files. */
function drawRoom() {
  const room = state.current === undefined ? undefined : state.joined.get(state.current);
  ui.currentRoom.textContent = state.current ?? 'no room';
  ui.leaveRoom.hidden = room === undefined;
  ui.messages.replaceChildren(...(room?.entries ?? []).map((entry) => entryItem(entry, state.me)));
  ui.messages.scrollTop = ui.messages.scrollHeight;
  renderMembers(ui.members, room?.users ?? [], state.me);
  renderFiles(ui.files, room?.files.values() ?? [], state.session);
  drawRooms();
}

/** @param {string} name */
function show(name) {
  state.current = name;
  drawRoom();
}

/** Adds a line to a room's conversation, and to the screen if the room is on it. @param {string} name @param {Entry} entry */
function addEntry(name, entry) {
  const room = state.joined.get(name);
  if (room === undefined) return;
  room.entries.push(entry);
  if (name !== state.current) return;
  ui.messages.append(entryItem(entry, state.me));
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

/** @param {number} bytes @param {number} total @param {'uploading' | 'done' | 'failed'} phase */
function drawUpload(bytes, total, phase) {
  const percent = total === 0 ? 100 : Math.floor((100 * bytes) / total);
  ui.upload.hidden = false;
  ui.upload.dataset.state = phase;
  ui.uploadProgress.value = percent;
  const name = state.upload?.name ?? '';
  ui.uploadStatus.textContent =
    phase === 'failed' ? `${name}: failed at ${percent}%` : `${name}: ${formatBytes(bytes)} of ${formatBytes(total)} (${percent}%)${phase === 'done' ? ', shared' : ''}`;
}

// --- what the host says

/** @param {HostEvent} event */
function handle(event) {
  switch (event.type) {
    case 'welcome':
      state.me = event.name;
      state.session = event.session;
      state.maxFileBytes = event.maxFileBytes;
      ui.nameForm.hidden = true;
      ui.chat.hidden = false;
      setStatus(`connected as ${event.name}`, true);
      return;
    case 'joined': {
      const previous = state.joined.get(event.room);
      state.joined.set(event.room, { users: new Set(event.users), entries: previous?.entries ?? [], files: new Map(event.files.map((file) => [file.id, file])) });
      if (state.current === undefined || state.wanted === event.room) {
        state.wanted = undefined;
        state.current = event.room;
      }
      drawRoom();
      return;
    }
    case 'left':
      state.joined.delete(event.room);
      if (state.current === event.room) state.current = state.joined.keys().next().value;
      drawRoom();
      return;
    case 'rooms':
      state.serverRooms = event.rooms;
      drawRooms();
      return;
    case 'message': {
      // A private message has no room: it shows in the room on screen.
      const room = event.message.room ?? state.current;
      if (room !== undefined) addEntry(room, { kind: 'message', message: event.message });
      return;
    }
    case 'presence': {
      const room = state.joined.get(event.room);
      if (room === undefined) return;
      if (event.joined) room.users.add(event.user);
      else room.users.delete(event.user);
      addEntry(event.room, { kind: 'notice', text: event.joined ? `${event.user} joined` : `${event.user} left (${event.reason ?? 'left'})` });
      if (event.room === state.current) renderMembers(ui.members, room.users, state.me);
      drawRooms();
      return;
    }
    case 'file': {
      // A private file has no room: it shows in the room on screen.
      const name = event.file.room ?? state.current;
      const room = state.joined.get(name ?? '');
      if (name === undefined || room === undefined) return;
      room.files.set(event.file.id, event.file);
      addEntry(name, { kind: 'notice', text: `${event.file.from} shared ${event.file.name} (${formatBytes(event.file.size)})` });
      if (name === state.current) renderFiles(ui.files, room.files.values(), state.session);
      return;
    }
    case 'progress': {
      const upload = state.upload;
      if (upload === undefined || (upload.transfer !== undefined && upload.transfer !== event.transfer)) return;
      upload.transfer = event.transfer;
      upload.bytes = event.bytes;
      drawUpload(event.bytes, event.total, 'uploading');
      return;
    }
    case 'status':
      setStatus(event.text, event.online);
      return;
    case 'error':
      showError(`${event.error.code}: ${event.error.message}`);
      if (event.action === 'connect') setEnabled(ui.nameForm, true);
      return;
  }
}

socket.addEventListener('open', () => {
  setStatus('not signed in', false);
  setEnabled(ui.nameForm, true);
});
socket.addEventListener('message', (message) => handle(/** @type {HostEvent} */ (JSON.parse(String(message.data)))));
socket.addEventListener('close', () => {
  setStatus('disconnected from the web host: reload the page', false);
  for (const form of [ui.nameForm, ui.joinForm, ui.sendForm, ui.uploadForm]) setEnabled(form, false);
});

// --- what the user does

/** @param {HTMLFormElement} form @param {boolean} enabled */
function setEnabled(form, enabled) {
  for (const control of form.elements) if (control instanceof HTMLButtonElement || control instanceof HTMLInputElement) control.disabled = !enabled;
}

/** @param {string} room */
function join(room) {
  state.wanted = room;
  ask({ type: 'join', room });
}

ui.nameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setEnabled(ui.nameForm, false);
  ask({ type: 'connect', name: ui.name.value.trim() });
});

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = ui.roomName.value.trim();
  if (state.joined.has(room)) show(room);
  else join(room);
  ui.roomName.value = '';
});

ui.refreshRooms.addEventListener('click', () => ask({ type: 'rooms' }));
ui.leaveRoom.addEventListener('click', () => {
  if (state.current !== undefined) ask({ type: 'leave', room: state.current });
});

ui.sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (state.current === undefined) return showError('Join a room first');
  ask({ type: 'send', room: state.current, text: ui.messageText.value });
  ui.messageText.value = '';
});

ui.uploadForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = ui.fileInput.files?.[0];
  const room = state.current;
  if (file === undefined || room === undefined) return showError('Pick a file, in a room');
  if (file.size > state.maxFileBytes) return showError(`ERR_FILE_TOO_LARGE: ${file.name} is larger than the server's limit of ${formatBytes(state.maxFileBytes)}`);
  hideError();
  state.upload = { name: file.name, bytes: 0 };
  drawUpload(0, file.size, 'uploading');
  setEnabled(ui.uploadForm, false);
  void postFile(file, room, state.session).then((response) => {
    if ('file' in response) drawUpload(response.file.size, response.file.size, 'done');
    else {
      drawUpload(state.upload?.bytes ?? 0, file.size, 'failed');
      showError(`${response.error.code}: ${response.error.message}`);
    }
    state.upload = undefined;
    ui.uploadForm.reset();
    setEnabled(ui.uploadForm, true);
  });
});
