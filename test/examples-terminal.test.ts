import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parseLine } from '../examples/terminal/commands.js';
import { ConfigError, nameFrom, readConfig } from '../examples/terminal/config.js';
import { intentOf } from '../examples/terminal/keys.js';
import { edit, EMPTY_EDITOR, submit, type Edit, type LineEditor } from '../examples/terminal/line-editor.js';
import { LinePrinter } from '../examples/terminal/line-mode.js';
import { initialState, MAX_LOG, reduce, type Action, type ChatState } from '../examples/terminal/model.js';
import { render, type Size } from '../examples/terminal/render.js';
import { clean, fit, width, wrap } from '../examples/terminal/text.js';
import type { ChatMessage, FileInfo } from '../lib/index.js';
import { ensureBuilt } from './helpers/build.js';
import { closeAll, nextEvent, startServer, type Harness } from './helpers/chat.js';
import { runTs, type Child } from './helpers/child.js';
import { randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';
import { nextMessage } from './helpers/wait.js';

// The example imports 'piechat', which resolves to dist/: build it if it is missing or stale.
test.before(ensureBuilt);

const AT = Date.UTC(2024, 4, 6, 7, 8, 9);
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const message = (text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({ id: 'm', seq: 1, room: 'lobby', from: 'bob', text, at: AT, ...extra });
const fileInfo = (name: string, extra: Partial<FileInfo> = {}): FileInfo => ({ id: 'f'.repeat(32), name, size: 2048, sha256: '0'.repeat(64), from: 'bob', room: 'lobby', at: AT, ...extra });

/** The state after connecting as alice to lobby (with bob), then `actions`. */
function stateAfter(...actions: Action[]): ChatState {
  const start: Action[] = [
    { type: 'connected', name: 'alice', rooms: ['lobby'], resumed: false, at: AT },
    { type: 'members', room: 'lobby', users: ['alice', 'bob'] },
  ];
  return [...start, ...actions].reduce(reduce, initialState('alice', '127.0.0.1:9009'));
}

const editing = (editor: LineEditor, ...edits: Edit[]): LineEditor => edits.reduce(edit, editor);
const typed = (text: string): LineEditor => edit(EMPTY_EDITOR, { kind: 'insert', text });

// --- text

test('clean() neutralises controls, escapes and direction overrides from the wire', (t) => {
  t.is(clean('a\u001b[2Jb'), 'a?[2Jb');
  t.is(clean('bell\u0007 c1\u009b del\u007f'), 'bell? c1? del?');
  t.is(clean('line\nbreak\ttab\rret'), 'line break tab ret');
  t.is(clean('evil\u202etxt.exe \u2066x\u2069'), 'evil?txt.exe ?x?');
  t.is(clean('plain ünïcødé 日本 🙂'), 'plain ünïcødé 日本 🙂');
});

test('width(), fit() and wrap() count display columns', (t) => {
  t.is(width('abc'), 3);
  t.is(width('日本'), 4);
  t.is(width('e\u0301'), 1, 'a combining accent takes no column');
  t.is(fit('abc', 5), 'abc  ');
  t.is(fit('abcdef', 4), 'abc…');
  t.is(width(fit('日本語テキスト', 7)), 7, 'a wide character never straddles the edge');
  t.deepEqual(wrap('the quick brown fox', 10, '  '), ['the quick', '  brown', '  fox']);
  t.deepEqual(wrap('abcdefghijklmnop', 6, ' '), ['abcdef', ' ghijk', ' lmnop']);
  t.deepEqual(wrap('', 10), ['']);
  for (const line of wrap('日本語のテキストと English words mixed together', 9, '  ')) t.true(width(line) <= 9, line);
});

// --- the input line

test('the line editor inserts, moves, deletes and kills like a shell', (t) => {
  t.deepEqual(typed('hello'), { ...EMPTY_EDITOR, text: 'hello', cursor: 5 });
  t.is(editing(typed('hello world'), { kind: 'home' }, { kind: 'insert', text: '> ' }).text, '> hello world');
  t.is(editing(typed('hello world'), { kind: 'backspace' }, { kind: 'left' }, { kind: 'delete' }).text, 'hello wor');
  t.is(editing(typed('one two three'), { kind: 'delete-word' }).text, 'one two ');
  t.is(editing(typed('one two three'), { kind: 'word-left' }, { kind: 'kill-end' }).text, 'one two ');
  t.is(editing(typed('one two three'), { kind: 'word-left' }, { kind: 'kill-start' }).text, 'three');
  t.is(editing(typed('日本'), { kind: 'backspace' }).text, '日', 'characters, not UTF-16 units');
  t.is(editing(typed('😀x'), { kind: 'left' }, { kind: 'left' }, { kind: 'delete' }).text, 'x');
  t.is(typed('a\u001b[2Jb\nc').text, 'a [2Jb c', 'pasted controls become spaces');
  t.is(editing(EMPTY_EDITOR, { kind: 'backspace' }, { kind: 'left' }).cursor, 0);
});

test('the line editor keeps a history: Up and Down recall it and come back to the draft', (t) => {
  let editor = submit(typed('first')).editor;
  editor = submit(edit(editor, { kind: 'insert', text: 'second' })).editor;
  editor = submit(edit(editor, { kind: 'insert', text: 'second' })).editor;
  editor = submit(edit(editor, { kind: 'insert', text: '   ' })).editor;
  t.deepEqual(editor.history, ['first', 'second'], 'no blank lines, no repeats');
  editor = edit(editor, { kind: 'insert', text: 'draft' });
  t.is(editing(editor, { kind: 'history', by: -1 }).text, 'second');
  t.is(editing(editor, { kind: 'history', by: -1 }, { kind: 'history', by: -1 }, { kind: 'history', by: -1 }).text, 'first');
  t.is(editing(editor, { kind: 'history', by: -1 }, { kind: 'history', by: 1 }).text, 'draft');
  t.deepEqual(submit(typed('say this')).line, 'say this');
});

test('parseLine() reads chat and commands', (t) => {
  t.is(parseLine('   '), undefined);
  t.deepEqual(parseLine('hello there'), { kind: 'say', text: 'hello there' });
  t.deepEqual(parseLine('//not a command'), { kind: 'say', text: '/not a command' });
  t.deepEqual(parseLine('/join dev'), { kind: 'join', room: 'dev' });
  t.deepEqual(parseLine('/room dev'), { kind: 'room', room: 'dev' });
  t.deepEqual(parseLine('/leave'), { kind: 'leave' });
  t.deepEqual(parseLine('/msg bob hi  there'), { kind: 'msg', to: 'bob', text: 'hi  there' });
  t.deepEqual(parseLine('/send "./my file.txt"'), { kind: 'send', path: './my file.txt' });
  t.deepEqual(parseLine('/send @bob ./a.txt'), { kind: 'send', to: 'bob', path: './a.txt' });
  t.deepEqual(parseLine('/get 3'), { kind: 'get', file: 3 });
  t.deepEqual(parseLine(`/get ${'a1'.repeat(16)}`), { kind: 'get', file: 'a1'.repeat(16) });
  t.deepEqual(parseLine('/files'), { kind: 'files' });
  t.deepEqual(parseLine('/users dev'), { kind: 'users', room: 'dev' });
  t.deepEqual(parseLine('/QUIT'), { kind: 'quit' });
  for (const line of ['/join', '/join two words', '/msg bob', '/send', '/send @bob', '/get', '/get 0', '/get x', '/frobnicate']) t.is(parseLine(line)?.kind, 'usage', line);
});

// --- the model

test('reduce(): members follow joins and leaves of the current rooms only', (t) => {
  const state = stateAfter(
    { type: 'user-joined', room: 'lobby', user: 'carol', at: AT },
    { type: 'user-left', room: 'lobby', user: 'bob', reason: 'disconnected', at: AT },
    { type: 'user-joined', room: 'elsewhere', user: 'dave', at: AT },
  );
  t.deepEqual(state.members, { lobby: ['alice', 'carol'] });
  t.deepEqual(state.log.slice(-3).map((entry) => entry.text), ['carol joined lobby', 'bob left lobby (disconnected)', 'dave joined elsewhere']);

  const joined = reduce(state, { type: 'joined', room: 'dev', users: ['alice', 'erin'], at: AT });
  t.is(joined.room, 'dev');
  t.deepEqual(joined.joined, ['lobby', 'dev']);
  const left = reduce(joined, { type: 'left', room: 'dev', at: AT });
  t.deepEqual([left.room, left.joined, Object.keys(left.members)], ['lobby', ['lobby'], ['lobby']]);
  t.is(reduce(left, { type: 'switch', room: 'dev', at: AT }).log.at(-1)?.kind, 'error', 'cannot talk in a room one is not in');
});

test('reduce(): messages, files and transfers', (t) => {
  let state = stateAfter({ type: 'message', message: message('hi'), mine: false }, { type: 'message', message: message('psst', { room: undefined, to: 'alice' }), mine: false });
  t.deepEqual(state.log.slice(-2).map((entry) => entry.kind), ['chat', 'private']);

  state = reduce(state, { type: 'file', file: fileInfo('a.txt'), at: AT });
  state = reduce(state, { type: 'file', file: fileInfo('a.txt'), at: AT });
  state = reduce(state, { type: 'file', file: fileInfo('b.txt', { id: 'b'.repeat(32) }), at: AT });
  t.deepEqual(state.files.map((file) => [file.n, file.file.name, file.state]), [[1, 'a.txt', 'new'], [2, 'b.txt', 'new']], 'numbered once each');
  const download: Action[] = [
    { type: 'download-start', n: 2, at: AT },
    { type: 'download-progress', n: 2, bytes: 1024, at: AT + 100 },
  ];
  state = download.reduce(reduce, state);
  t.like(state.files[1], { state: 'downloading', bytes: 1024 });
  state = reduce(state, { type: 'download-done', n: 2, path: '/tmp/b.txt', at: AT + 200 });
  t.like(state.files[1], { state: 'saved', bytes: 2048, path: '/tmp/b.txt' });

  state = reduce(state, { type: 'upload-start', transferId: 'u1', name: 'big.bin', target: 'lobby', total: 4096, at: AT });
  state = reduce(state, { type: 'upload-progress', transferId: 'u1', bytes: 2048, at: AT + 500 });
  t.like(state.uploads[0], { bytes: 2048, total: 4096 });
  state = reduce(state, { type: 'upload-done', transferId: 'u1', file: fileInfo('big.bin', { id: 'c'.repeat(32) }), at: AT + 900 });
  t.deepEqual(state.uploads, []);
  t.is(state.status, `sent big.bin to lobby (id ${'c'.repeat(32)})`);
});

test('reduce(): the log is capped, scrolling is clamped, an empty files pane keeps the focus on typing', (t) => {
  const many = Array.from({ length: MAX_LOG + 10 }, (_, index): Action => ({ type: 'notice', text: `n${index}`, at: AT }));
  const state = stateAfter(...many);
  t.is(state.log.length, MAX_LOG);
  t.is(state.log.at(-1)?.text, `n${MAX_LOG + 9}`);
  t.is(reduce(state, { type: 'scroll', by: 50, max: 20 }).scroll, 20);
  t.is(reduce(state, { type: 'scroll', by: -5, max: 20 }).scroll, 0);
  t.is(reduce(state, { type: 'focus', pane: 'files' }).focus, 'input');
});

// --- the renderer

/** The rows without styling, each checked to be exactly as wide as the screen. */
function plainRows(t: ExecutionContext, state: ChatState, size: Size, color = true): string[] {
  const frame = render(state, size, { color });
  t.is(frame.lines.length, size.rows);
  return frame.lines.map((line) => {
    const plain = line.replace(SGR, '');
    t.false(CONTROL.test(plain), `no control character in ${JSON.stringify(plain)}`);
    t.is(width(plain), size.columns, JSON.stringify(plain));
    return plain;
  });
}

test('render(): every row exactly fills the screen, at any size, with nothing unsafe from the wire', (t) => {
  const state = stateAfter(
    { type: 'message', message: message(`evil \u001b[2J\u001b]0;owned\u0007 ${'long '.repeat(40)}日本語 🙂`), mine: false },
    { type: 'file', file: fileInfo('x\u001b[31m.txt'), at: AT },
    { type: 'upload-start', transferId: 'u', name: 'big.bin', target: 'lobby', total: 10 * 1024 * 1024, at: AT },
    { type: 'upload-progress', transferId: 'u', bytes: 5 * 1024 * 1024, at: AT + 1000 },
    { type: 'edit', edit: { kind: 'insert', text: 'a reply that is being typed '.repeat(5) } },
  );
  for (const size of [{ columns: 120, rows: 40 }, { columns: 80, rows: 24 }, { columns: 59, rows: 10 }, { columns: 20, rows: 5 }, { columns: 10, rows: 3 }]) {
    plainRows(t, state, size);
    plainRows(t, state, size, false);
  }
  t.false(render(state, { columns: 80, rows: 24 }, { color: false }).lines.join('').includes('\u001b[3'), 'NO_COLOR: no colours, only bold and inverse');
});

test('render(): title, messages, users, files, progress in the status line and the input line', (t) => {
  const state = stateAfter(
    { type: 'user-joined', room: 'lobby', user: 'carol', at: AT },
    { type: 'message', message: message('hello alice'), mine: false },
    { type: 'file', file: fileInfo('notes.txt'), at: AT },
    { type: 'upload-start', transferId: 'u', name: 'big.bin', target: 'lobby', total: 8 * 1024 * 1024, at: AT },
    { type: 'upload-progress', transferId: 'u', bytes: 2 * 1024 * 1024, at: AT + 1000 },
    { type: 'edit', edit: { kind: 'insert', text: 'typing' } },
  );
  const size = { columns: 100, rows: 16 };
  const rows = plainRows(t, state, size);
  t.regex(rows[0]!, /^ PieChat · alice @ 127\.0\.0\.1:9009 · lobby +online $/);
  const screen = rows.join('\n');
  t.regex(screen, /bob: hello alice/);
  t.regex(screen, /│ Users · lobby \(3\)/);
  t.regex(screen, /│ alice \(you\)/);
  t.true(rows.findIndex((row) => row.includes('│ bob')) < rows.findIndex((row) => row.includes('│ carol')), 'members sorted');
  t.regex(screen, /│ Files \(1\) · Tab/);
  t.regex(screen, /│ 1 notes\.txt +2\.0 KiB/);
  t.regex(rows.at(-2)!, /^ ↑ big\.bin \[#####-+\] {2}25% {2}2\.0 MiB \/ 8\.0 MiB {2}2\.0 MiB\/s {2}ETA 0:03/);
  t.regex(rows.at(-1)!, /^lobby> typing +$/);
  t.deepEqual(render(state, size).cursor, { row: 15, column: 'lobby> typing'.length });

  const narrow = plainRows(t, state, { columns: 50, rows: 10 });
  t.false(narrow.join('\n').includes('│'), 'no side pane on a narrow terminal');
  const choosing = render(reduce(state, { type: 'focus', pane: 'files' }), size);
  t.is(choosing.cursor, undefined, 'no cursor while choosing a file');
  t.true(choosing.lines.some((line) => line.includes('\u001b[7m 1 notes.txt')), 'the chosen file is highlighted');
});

test('render(): the message pane scrolls back and wraps long messages', (t) => {
  const lines = Array.from({ length: 30 }, (_, index): Action => ({ type: 'message', message: message(`line ${index}`), mine: false }));
  const state = stateAfter(...lines);
  const size = { columns: 60, rows: 10 };
  t.true(plainRows(t, state, size).some((row) => row.includes('bob: line 29')));
  const back = plainRows(t, reduce(state, { type: 'scroll', by: 10, max: 100 }), size);
  t.true(back.some((row) => row.includes('bob: line 19')) && !back.some((row) => row.includes('line 29')));
  t.regex(back.at(-2)!, /scrolled back 10 lines/);
  const long = plainRows(t, stateAfter({ type: 'message', message: message('word '.repeat(40)), mine: false }), size);
  t.true(long.filter((row) => row.includes('word')).length > 1);
});

// --- keys

test('intentOf(): keys while typing and while choosing a file', (t) => {
  const state = stateAfter({ type: 'file', file: fileInfo('a.txt'), at: AT }, { type: 'file', file: fileInfo('b.txt', { id: 'b'.repeat(32) }), at: AT });
  t.deepEqual(intentOf(state, '\r', { name: 'return' }), { kind: 'submit' });
  t.deepEqual(intentOf(state, 'x', { name: 'x' }), { kind: 'actions', actions: [{ type: 'edit', edit: { kind: 'insert', text: 'x' } }] });
  t.deepEqual(intentOf(state, '\u0003', { name: 'c', ctrl: true }), { kind: 'quit' });
  t.deepEqual(intentOf(state, '\u0004', { name: 'd', ctrl: true }), { kind: 'quit' }, 'Ctrl-D on an empty line');
  t.deepEqual(intentOf(state, undefined, { name: '2', meta: true }), { kind: 'download', n: 2 }, 'Alt+2');
  t.deepEqual(intentOf(state, undefined, { name: 'pageup' }), { kind: 'page', by: 1 });
  t.deepEqual(intentOf(state, '\t', { name: 'tab' }), { kind: 'actions', actions: [{ type: 'focus', pane: 'files' }] });
  t.is(intentOf(state, '\u001b', { name: 'escape' }), undefined);

  const choosing = reduce(state, { type: 'focus', pane: 'files' });
  t.deepEqual(intentOf(choosing, '2', { name: '2' }), { kind: 'download', n: 2 });
  t.deepEqual(intentOf(reduce(choosing, { type: 'select', by: 1 }), '\r', { name: 'return' }), { kind: 'download', n: 2 });
  t.deepEqual(intentOf(choosing, '\u001b', { name: 'escape' }), { kind: 'actions', actions: [{ type: 'focus', pane: 'input' }] });
  t.deepEqual(intentOf(choosing, 'h', { name: 'h' }), {
    kind: 'actions',
    actions: [
      { type: 'focus', pane: 'input' },
      { type: 'edit', edit: { kind: 'insert', text: 'h' } },
    ],
  });
});

// --- the line mode's printer and the settings

test('LinePrinter: each entry once, progress at most once a second, then a final 100% line', (t) => {
  const printed: string[] = [];
  let now = AT;
  const printer = new LinePrinter({ print: (line) => printed.push(line), now: () => now });
  let state = initialState('alice', 'here');
  const dispatch = (action: Action): void => {
    const before = state;
    state = reduce(state, action);
    printer.listener(action, before, state);
  };
  dispatch({ type: 'connected', name: 'alice', rooms: ['lobby'], resumed: false, at: AT });
  dispatch({ type: 'message', message: message('hi \u001b[2J'), mine: false });
  dispatch({ type: 'upload-start', transferId: 'u', name: 'big.bin', target: 'lobby', total: 4096, at: AT });
  for (const bytes of [1024, 2048, 3072]) {
    now += 600;
    dispatch({ type: 'upload-progress', transferId: 'u', bytes, at: now });
  }
  dispatch({ type: 'upload-done', transferId: 'u', file: fileInfo('big.bin'), at: now + 100 });
  const progress = printed.filter((line) => line.startsWith('↑'));
  t.is(progress.length, 3, printed.join('\n'));
  t.regex(progress[0]!, /25%/);
  t.regex(progress[1]!, /75%/, 'the 50% report came too soon after the 25% one');
  t.regex(progress[2]!, /^↑ big\.bin \[#{20}\] 100% {2}4\.0 KiB \/ 4\.0 KiB /);
  t.true(printed.some((line) => line.endsWith('[lobby] bob: hi ?[2J')));
  t.true(printed.indexOf(progress[2]!) < printed.findIndex((line) => line.includes('* sent big.bin')), 'the 100% line before the outcome');
  t.false(printed.some((line) => CONTROL.test(line)));
});

test('readConfig(): defaults, and a bad setting is named', (t) => {
  t.deepEqual(readConfig({}, 'Jean Dupont'), { host: 'localhost', port: undefined, name: 'JeanDupont', downloads: './downloads', color: true });
  t.like(readConfig({ PIECHAT_PORT: '9100', PIECHAT_NAME: 'bob', NO_COLOR: '1' }, 'x'), { port: 9100, name: 'bob', color: false });
  t.is(nameFrom('日本'), 'guest');
  t.throws(() => readConfig({ PIECHAT_PORT: 'ninety' }, 'x'), { instanceOf: ConfigError, message: /PIECHAT_PORT/ });
  t.throws(() => readConfig({ PIECHAT_NAME: 'no spaces' }, 'x'), { instanceOf: ConfigError, message: /PIECHAT_NAME/ });
});

// --- the example, run as a user would, in line mode (its stdout is a pipe here)

/** A server on port 0 whose files live in a temporary directory, closed in teardown. */
async function isolatedServer(t: ExecutionContext): Promise<Harness> {
  const harness = await startServer({ storage: join(await temporaryDirectory(t), 'storage') });
  t.teardown(() => closeAll(harness));
  return harness;
}

/** Runs the example for one test and kills it in teardown, whatever happens. */
async function runTerminal(t: ExecutionContext, env: Record<string, string>): Promise<{ ui: Child; downloads: string; scratch: string }> {
  const scratch = await temporaryDirectory(t);
  const downloads = join(scratch, 'downloads');
  const ui = runTs('examples/terminal/terminal.ts', { PIECHAT_PORT: '', PIECHAT_DOWNLOADS: downloads, ...env });
  t.teardown(() => ui.kill());
  return { ui, downloads, scratch };
}

test('line mode: chats, shows others safely, /send with a final 100% line, lists and /gets a file', async (t) => {
  const harness = await isolatedServer(t);
  const { ui, downloads, scratch } = await runTerminal(t, { PIECHAT_HOST: '127.0.0.1', PIECHAT_PORT: String(harness.port), PIECHAT_NAME: 'alice' });
  await ui.waitForLine(`* connected to 127.0.0.1:${harness.port} as alice, in lobby`);

  const bob = await harness.connect('bob');
  await ui.waitForLine('* bob joined lobby');
  await bob.send('hi alice \u001b[2J\u0007 from bob', { room: 'lobby' });
  t.regex(await ui.waitForLine('[lobby] bob: hi alice'), /\[lobby\] bob: hi alice \?\[2J\? from bob$/);

  const heard = nextMessage(bob, (received) => received.from === 'alice' && received.room === 'lobby', 'alice in lobby');
  ui.writeLine('hello bob');
  t.is((await heard).text, 'hello bob');
  const whispered = nextMessage(bob, (received) => received.to === 'bob', 'alice privately');
  ui.writeLine('/msg bob psst');
  t.is((await whispered).text, 'psst');
  await ui.waitForLine('[you -> bob] psst');

  const upload = await randomFile(scratch, 'upload.bin', 3 * 1024 * 1024 + 17);
  const announced = nextEvent(bob, 'file', (file) => file.name === 'upload.bin', 15_000);
  ui.writeLine(`/send ${upload.path}`);
  t.regex(await ui.waitForLine(/^↑ upload\.bin .*100%/, 15_000), /^↑ upload\.bin \[#{20}\] 100% {2}3\.0 MiB \/ 3\.0 MiB {2}/);
  const shared = await announced;
  t.is(shared.sha256, upload.sha256);
  await ui.waitForLine(`* sent upload.bin to lobby (id ${shared.id})`);

  const incoming = await randomFile(scratch, 'notes.txt', 70_000);
  await bob.sendFile(incoming.path, { room: 'lobby' });
  await ui.waitForLine('* [1] bob shared notes.txt (68.4 KiB) in lobby: /get 1 downloads it');
  ui.writeLine('/get 1');
  t.regex(await ui.waitForLine(/^↓ notes\.txt .*100%/), /\[#{20}\] 100% {2}68\.4 KiB \/ 68\.4 KiB/);
  t.true((await ui.waitForLine('* saved notes.txt to ')).endsWith(`${join(downloads, 'notes.txt')} (SHA-256 verified)`));
  t.is(await sha256OfFile(join(downloads, 'notes.txt')), incoming.sha256);

  ui.writeLine('/get 7');
  await ui.waitForLine('! No incoming file 7');
  ui.writeLine('/quit');
  t.deepEqual(await ui.waitForExit(), { code: 0, signal: null }, ui.output);
  t.is(ui.stdout.at(-1), 'terminal: bye');
  t.deepEqual(ui.stderr.filter((line) => line !== ''), []);
  t.false(ui.stdout.some((line) => CONTROL.test(line)), 'nothing from the wire reached the terminal raw');
});

test('alone (no PIECHAT_PORT): an embedded server and piebot, whose file /get saves; ends at end of input', async (t) => {
  const { ui, downloads } = await runTerminal(t, { PIECHAT_NAME: 'carol' });
  await ui.waitForLine(/^terminal: no PIECHAT_PORT, so started a demo server on 127\.0\.0\.1:\d+ with piebot$/);
  await ui.waitForLine('* [1] piebot shared welcome.txt');
  await ui.waitForLine('[lobby] piebot: Welcome, carol!');
  ui.writeLine('!ping');
  await ui.waitForLine('[lobby] piebot: pong');
  ui.writeLine('/get 1');
  await ui.waitForLine('* saved welcome.txt');
  t.regex(await readFile(join(downloads, 'welcome.txt'), 'utf8'), /^Welcome to PieChat!/);
  ui.writeLine('/join dev');
  await ui.waitForLine('* you joined dev: carol');
  ui.writeLine('/nope');
  await ui.waitForLine('! Unknown command /nope');
  ui.process.stdin.end();
  t.deepEqual(await ui.waitForExit(), { code: 0, signal: null }, ui.output);
  t.deepEqual(ui.stderr.filter((line) => line !== ''), []);
});

test('/files lists what was shared before; exits 0 on SIGTERM, 1 when it cannot connect, 2 on a bad setting', async (t) => {
  const harness = await isolatedServer(t);
  const erin = await harness.connect('erin');
  await erin.sendFile(Buffer.from('old news\n'), { room: 'lobby', name: 'old.txt' });
  const env = { PIECHAT_HOST: '127.0.0.1', PIECHAT_PORT: String(harness.port), PIECHAT_NAME: 'dave' };
  const { ui } = await runTerminal(t, env);
  await ui.waitForLine('* connected to');
  ui.writeLine('/files');
  await ui.waitForLine('* [1] erin shared old.txt (9 B) in lobby: /get 1 downloads it');
  await ui.waitForLine('* 1 file(s) added to the files pane');
  ui.process.kill('SIGTERM');
  t.deepEqual(await ui.waitForExit(), { code: 0, signal: null }, ui.output);
  t.is(ui.stdout.at(-1), 'terminal: bye');

  const taken = (await runTerminal(t, { ...env, PIECHAT_NAME: 'erin' })).ui;
  t.is((await taken.waitForExit()).code, 1, taken.output);
  t.true(taken.stderr.some((line) => line.includes('could not connect') && line.includes('ERR_NAME_TAKEN')), taken.output);
  const misconfigured = (await runTerminal(t, { ...env, PIECHAT_PORT: '70000' })).ui;
  t.is((await misconfigured.waitForExit()).code, 2, misconfigured.output);
  t.true(misconfigured.stderr.some((line) => line.includes('PIECHAT_PORT')), misconfigured.output);
});
