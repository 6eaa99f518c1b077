import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import type { HostEvent, PageRequest, UploadResponse } from '../examples/web/protocol.js';
import { ChatServer } from '../lib/index.js';
import { ensureBuilt } from './helpers/build.js';
import { ROOT, runTs, type Child } from './helpers/child.js';
import { within } from './helpers/wait.js';

// The example imports 'piechat', which resolves to dist/: build it if it is missing or stale.
test.before(ensureBuilt);

/** Debian's Chromium, driven by playwright-core: no browser is ever downloaded. */
const CHROMIUM = process.env.PIECHAT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/** Longest wait for anything the page should show. */
const WAIT_MS = 10_000;
const SCREENSHOT = join(ROOT, 'test-results', 'web-example.png');

/** The example, running. */
interface RunningExample {
  child: Child;
  url: string;
  /** The embedded server's temporary file storage, removed when the example stops (none with PIECHAT_PORT). */
  storage: string | undefined;
}

/**
 * Starts `npm run example:web` on a free port (PIECHAT_WEB_PORT=0): with its own embedded server,
 * or against `chatPort`. Stopped in teardown.
 */
async function startExample(t: ExecutionContext, chatPort?: number): Promise<RunningExample> {
  const chat: Record<string, string> = chatPort === undefined ? { PIECHAT_PORT: '' } : { PIECHAT_HOST: '127.0.0.1', PIECHAT_PORT: String(chatPort) };
  const child = runTs('examples/web/server.ts', { PIECHAT_WEB_PORT: '0', ...chat });
  // Even after a failure: SIGTERM first, so the example removes its files, then SIGKILL.
  t.teardown(async () => {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
    await child.waitForExit(WAIT_MS).catch(() => child.kill());
  });
  const url = /web UI on (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(await child.waitForLine(/^web UI on /, WAIT_MS))![1]!;
  const storage = /\(files in (.+)\)$/.exec(child.stdout.join('\n'))?.[1];
  return { child, url, storage };
}

/** Stops the example as Ctrl-C would, and checks it exits 0 and removes its files. */
async function stopExample(t: ExecutionContext, { child, storage }: RunningExample): Promise<void> {
  child.process.kill('SIGTERM');
  const { code } = await child.waitForExit(WAIT_MS);
  t.is(code, 0, child.output);
  if (storage !== undefined) t.false(existsSync(storage), 'the embedded server’s files are removed');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The host's events to one tab, as they arrive, with a wait for the first that matches. */
class EventLog {
  readonly seen: HostEvent[] = [];
  #waiters = new Set<() => void>();

  /** Records the events the host sends to `page` (attach before the page loads). */
  static of(page: Page): EventLog {
    const log = new EventLog();
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => log.push(payload.toString())));
    return log;
  }

  push(json: string): void {
    this.seen.push(JSON.parse(json) as HostEvent);
    for (const waiter of [...this.#waiters]) waiter();
  }

  waitFor<T extends HostEvent['type']>(type: T, accept: (event: Extract<HostEvent, { type: T }>) => boolean = () => true): Promise<Extract<HostEvent, { type: T }>> {
    let check: () => void = () => undefined;
    const found = new Promise<Extract<HostEvent, { type: T }>>((resolve) => {
      check = () => {
        const event = this.seen.find((seen): seen is Extract<HostEvent, { type: T }> => seen.type === type && accept(seen as Extract<HostEvent, { type: T }>));
        if (event !== undefined) resolve(event);
      };
      this.#waiters.add(check);
      check();
    });
    return within(found, `a "${type}" event`, WAIT_MS).finally(() => this.#waiters.delete(check));
  }
}

/** A tab without a browser: the page's WebSocket, opened from Node with the page's origin. */
async function openSocketTab(t: ExecutionContext, url: string): Promise<{ socket: WebSocket; events: EventLog; ask: (request: PageRequest) => void }> {
  const { host } = new URL(url);
  const socket = new WebSocket(`ws://${host}/ws`, { origin: `http://${host}` });
  t.teardown(() => socket.terminate());
  const events = new EventLog();
  socket.on('message', (data: Buffer) => events.push(data.toString()));
  await within(new Promise((resolve) => socket.once('open', resolve)), 'the WebSocket to open');
  return { socket, events, ask: (request) => socket.send(JSON.stringify(request)) };
}

/** Fills in the name form and waits until the page says it is connected. */
async function signIn(page: Page, name: string): Promise<void> {
  await page.fill('#name', name);
  await page.click('#name-form button');
  await page.locator('#status', { hasText: `connected as ${name}` }).waitFor({ timeout: WAIT_MS });
}

/** Waits until the conversation on `page` shows a message from `from` with exactly `text`. */
async function waitForMessage(page: Page, from: string, text: string): Promise<void> {
  const line = page.locator('#messages li.message').filter({ has: page.locator('.from', { hasText: from }) }).filter({ has: page.getByText(text, { exact: true }) });
  await line.first().waitFor({ timeout: WAIT_MS });
}

/** Both pages side by side, as one picture. */
async function sideBySide(browser: Browser, pages: Page[]): Promise<Buffer> {
  const shots = await Promise.all(pages.map((page) => page.screenshot()));
  const canvas = await browser.newPage({ viewport: { width: 2 * 1000 + 24, height: 700 + 16 } });
  const images = shots.map((shot) => `<img src="data:image/png;base64,${shot.toString('base64')}" width="1000" height="700">`).join('');
  await canvas.setContent(`<body style="margin:0;padding:8px;background:#555;display:flex;gap:8px">${images}</body>`);
  const picture = await canvas.screenshot();
  await canvas.close();
  return picture;
}

const browserTest = existsSync(CHROMIUM) || IN_CI ? test : test.skip;
if (browserTest === test.skip) {
  console.warn(`\n!!! ${CHROMIUM} is missing: the web example's browser test is SKIPPED. Install it with \`apt-get install chromium\` (CI=true makes it required).\n`);
}

browserTest('web: two tabs chat as alice and bob; alice uploads a file with a progress bar, bob downloads it intact', async (t) => {
  const example = await startExample(t);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());
  const workDirectory = await mkdtemp(join(tmpdir(), 'piechat-web-test-'));
  t.teardown(() => rm(workDirectory, { recursive: true, force: true }));
  const openTab = async (): Promise<{ page: Page; events: EventLog }> => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, acceptDownloads: true });
    const page = await context.newPage();
    const events = EventLog.of(page);
    await page.goto(example.url);
    return { page, events };
  };

  const { page: alice, events: aliceEvents } = await openTab();
  await signIn(alice, 'alice');
  await alice.locator('#current-room', { hasText: 'lobby' }).waitFor({ timeout: WAIT_MS });

  // bob first picks a name already taken: the page shows the PieChat error, and lets him retry.
  const { page: bob } = await openTab();
  await bob.fill('#name', 'alice');
  await bob.click('#name-form button');
  await bob.locator('#error', { hasText: 'ERR_NAME_TAKEN' }).waitFor({ timeout: WAIT_MS });
  await signIn(bob, 'bob');

  // alice sees bob arrive; each sees the other's messages, and markup stays text.
  await alice.locator('#members li', { hasText: 'bob' }).waitFor({ timeout: WAIT_MS });
  await alice.locator('#messages li.notice', { hasText: 'bob joined' }).waitFor({ timeout: WAIT_MS });
  await bob.locator('#members li', { hasText: 'alice' }).waitFor({ timeout: WAIT_MS });
  t.deepEqual(await bob.locator('#members li').allTextContents(), ['alice', 'bob']);
  await alice.fill('#message-text', 'hi bob, the report is coming');
  await alice.press('#message-text', 'Enter');
  await waitForMessage(bob, 'alice', 'hi bob, the report is coming');
  await waitForMessage(alice, 'alice', 'hi bob, the report is coming');
  const markup = '<img src=x onerror="document.title=\'pwned\'"> thanks!';
  await bob.fill('#message-text', markup);
  await bob.click('#send-form button');
  await waitForMessage(alice, 'bob', markup);
  t.is(await alice.locator('#messages img').count(), 0, 'a message is shown as text, never as markup');

  // Rooms: alice opens "dev", bob sees it listed, alice comes back to the lobby and its conversation.
  await alice.fill('#room-name', 'dev');
  await alice.click('#join-form button');
  await alice.locator('#current-room', { hasText: 'dev' }).waitFor({ timeout: WAIT_MS });
  t.is(await alice.locator('#messages li').count(), 0, 'a new room starts empty');
  await bob.click('#refresh-rooms');
  await bob.locator('#rooms button[data-room="dev"]', { hasText: 'dev (1)' }).waitFor({ timeout: WAIT_MS });
  await alice.click('#rooms button[data-room="lobby"]');
  await waitForMessage(alice, 'bob', markup);

  // alice shares a 3 MiB file through the file picker and watches the bar reach 100%.
  const content = randomBytes(3 * 1024 * 1024);
  const fileName = 'quarterly report ü.bin';
  const filePath = join(workDirectory, fileName);
  await writeFile(filePath, content);
  await alice.setInputFiles('#file-input', filePath);
  await alice.click('#upload-form button');
  await alice.locator('#upload-progress').waitFor({ state: 'visible', timeout: WAIT_MS });
  await alice.locator('#upload[data-state="done"]').waitFor({ timeout: WAIT_MS });
  t.is(await alice.locator('#upload-progress').getAttribute('value'), '100');
  t.regex(await alice.locator('#upload-status').innerText(), /quarterly report ü\.bin: 3\.0 MiB of 3\.0 MiB \(100%\)/);
  // The bar was driven by the PieChat transfer's own progress, forwarded by the host.
  await aliceEvents.waitFor('progress', (event) => event.bytes === content.length);
  const reports = aliceEvents.seen.flatMap((event) => (event.type === 'progress' ? [event.bytes] : []));
  t.log(`progress reports forwarded to the page: ${reports.length}`);
  t.true(reports.every((bytes, index) => index === 0 || bytes > reports[index - 1]!), `progress only increases: ${reports.join(', ')}`);
  await alice.locator('#files a.download', { hasText: fileName }).waitFor({ timeout: WAIT_MS });
  await bob.locator('#messages li.notice', { hasText: `alice shared ${fileName} (3.0 MiB)` }).waitFor({ timeout: WAIT_MS });

  // bob sees the file appear and downloads it through its link: same name, same bytes.
  const link = bob.locator('#files a.download', { hasText: fileName });
  await link.waitFor({ timeout: WAIT_MS });
  const [download] = await Promise.all([bob.waitForEvent('download', { timeout: WAIT_MS }), link.click()]);
  t.is(await download.failure(), null);
  t.is(download.suggestedFilename(), fileName);
  const saved = await readFile((await download.path())!);
  t.is(saved.length, content.length);
  t.is(sha256(saved), sha256(content), 'the downloaded file is the uploaded one');

  await mkdir(join(ROOT, 'test-results'), { recursive: true });
  await writeFile(SCREENSHOT, await sideBySide(browser, [alice, bob]));
  t.true((await stat(SCREENSHOT)).size > 10_000, 'the screenshot was saved');

  // bob closes his tab: his client goes, and alice sees him leave.
  await bob.context().close();
  await alice.locator('#messages li.notice', { hasText: 'bob left (disconnected)' }).waitFor({ timeout: WAIT_MS });
  t.deepEqual(await alice.locator('#members li').allTextContents(), ['alice']);

  await browser.close();
  await stopExample(t, example);
});

test('web: the host serves only its own page, refuses other sites and unknown sessions, and sanitises download names', async (t) => {
  const example = await startExample(t);
  const { host } = new URL(example.url);

  const page = await fetch(example.url);
  t.is(page.status, 200);
  t.regex(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  t.is((await fetch(new URL('tsconfig.json', example.url))).status, 404, 'only the page’s html, js and css are served');
  const spoofed = await new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(`ws://${host}/ws`, { origin: 'http://evil.example' });
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => reject(new Error('a WebSocket from another origin was accepted')));
    socket.on('error', reject);
  });
  t.is(spoofed, 403, 'a WebSocket from another site is refused');
  const noSession = await fetch(new URL(`files/${'0'.repeat(32)}?session=guess`, example.url));
  t.is(noSession.status, 403);

  // A tab, as the page would open it: connect, then upload a file with a hostile name over HTTP.
  const tab = await openSocketTab(t, example.url);
  tab.socket.send('not json');
  t.like(await tab.events.waitFor('error'), { action: 'request', error: { code: 'ERR_BAD_INPUT' } }, 'a malformed request is answered with an error');
  tab.ask({ type: 'connect', name: 'carol' });
  const { session } = await tab.events.waitFor('welcome');

  const content = Buffer.from('plain text\n');
  const hostileName = '../../etc/pa"ss\\wd\r\n.txt';
  const uploadUrl = new URL(`upload?${new URLSearchParams({ session, room: 'lobby', name: hostileName })}`, example.url);
  const uploaded = (await (await fetch(uploadUrl, { method: 'POST', body: content })).json()) as UploadResponse;
  if (!('file' in uploaded)) return t.fail(JSON.stringify(uploaded));
  t.is(uploaded.file.size, content.length);
  const notInRoom = await fetch(new URL(`upload?${new URLSearchParams({ session, room: 'elsewhere', name: 'x' })}`, example.url), { method: 'POST', body: content });
  t.is(notInRoom.status, 400);
  t.like(await notInRoom.json(), { error: { code: 'ERR_NOT_IN_ROOM' } });

  const download = await fetch(new URL(`files/${uploaded.file.id}?session=${session}`, example.url));
  t.is(download.status, 200);
  t.deepEqual(Buffer.from(await download.arrayBuffer()), content);
  const disposition = download.headers.get('content-disposition') ?? '';
  t.regex(disposition, /^attachment; filename="[^"\\/\r\n]+"; filename\*=UTF-8''[\w.%-]+$/, disposition);
  t.false(/\.\.|\//.test(decodeURIComponent(disposition.split("''")[1]!)), 'no directory survives in the name');

  await stopExample(t, example);
});

test('web: against a running server (PIECHAT_HOST, PIECHAT_PORT), each tab is its own user there', async (t) => {
  const storage = await mkdtemp(join(tmpdir(), 'piechat-web-server-'));
  const server = new ChatServer({ storage });
  t.teardown(async () => {
    await server.close();
    await rm(storage, { recursive: true, force: true });
  });
  const { port } = await server.listen(0, '127.0.0.1');
  const example = await startExample(t, port);
  t.is(example.storage, undefined, 'no embedded server');

  const [erin, frank] = await Promise.all([openSocketTab(t, example.url), openSocketTab(t, example.url)]);
  erin.ask({ type: 'connect', name: 'erin' });
  await erin.events.waitFor('joined', (event) => event.room === 'lobby');
  frank.ask({ type: 'connect', name: 'frank' });
  t.deepEqual((await frank.events.waitFor('joined')).users.sort(), ['erin', 'frank']);
  t.deepEqual(server.users().map((user) => user.name).sort(), ['erin', 'frank']);
  await erin.events.waitFor('presence', (event) => event.user === 'frank' && event.joined);

  frank.ask({ type: 'send', room: 'lobby', text: 'hello from a socket tab' });
  t.like(await erin.events.waitFor('message'), { message: { from: 'frank', room: 'lobby', text: 'hello from a socket tab' } });
  // A tab that goes away takes its user with it.
  frank.socket.close();
  t.like(await erin.events.waitFor('presence', (event) => !event.joined), { user: 'frank', reason: 'disconnected' });
  await stopExample(t, example);
});

test('web: the page’s scripts type-check against the DOM and the bridge protocol', async (t) => {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await t.notThrowsAsync(promisify(execFile)(process.execPath, [tsc, '-p', 'examples/web/public'], { cwd: ROOT }));
});

test('web: a bad setting exits 2 and names the variable', async (t) => {
  const child = runTs('examples/web/server.ts', { PIECHAT_WEB_PORT: 'eighty' });
  t.teardown(() => child.kill());
  const { code } = await child.waitForExit(WAIT_MS);
  t.is(code, 2);
  t.regex(child.stderr.join('\n'), /PIECHAT_WEB_PORT/);
});
