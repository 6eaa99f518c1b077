import test from 'ava';
import { join } from 'node:path';
import { PieChatError, type FileInfo, type ServerTransferProgress, type TransferProgress } from '../lib/index.js';
import { collect, nextEvent, withServer } from './helpers/chat.js';
import { filesBelow, progressIsSound, randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';

const MiB = 1024 * 1024;

test('alice uploads 100 MiB to lobby; bob and carol download identical copies; progress only rises, to the size, everywhere', async (t) => {
  const directory = await temporaryDirectory(t);
  const source = await randomFile(directory, 'big.bin', 100 * MiB);
  await withServer(
    t,
    async ({ server, connect }) => {
      const [alice, bob, carol] = await Promise.all([connect('alice'), connect('bob'), connect('carol')]);
      const serverProgress = collect(server, 'progress');
      const serverFiles = collect(server, 'file');
      const announced = Promise.all([nextEvent(bob, 'file', undefined, 30_000), nextEvent(carol, 'file', undefined, 30_000)]);
      const aliceProgress = collect(alice, 'progress');

      const upload = alice.sendFile(source.path, { room: 'lobby' });
      const uploadProgress = collect(upload, 'progress');
      const file = await upload;
      t.like(file, { name: 'big.bin', size: 100 * MiB, sha256: source.sha256, from: 'alice', room: 'lobby' });
      t.deepEqual(await announced, [file, file]);
      t.deepEqual(serverFiles, [file]);
      t.true(progressIsSound(uploadProgress, file.size), 'upload progress on the Transfer');
      t.deepEqual(aliceProgress, uploadProgress, "the client's progress event carries the same reports");
      t.true(uploadProgress.length < 200, 'progress is throttled, not one report per chunk');
      t.true(uploadProgress.every((report) => report.transferId === upload.id && report.direction === 'upload'));

      const downloads = [bob, carol].map((client) => {
        const transfer = client.download(file.id, join(directory, `${client.name}.bin`));
        return { transfer, progress: collect(transfer, 'progress') };
      });
      for (const [index, { transfer }] of downloads.entries()) {
        t.deepEqual(await transfer, { ...file, path: join(directory, `${['bob', 'carol'][index]}.bin`) }, 'resolves with the file and where it was saved');
      }
      for (const name of ['bob', 'carol']) t.is(await sha256OfFile(join(directory, `${name}.bin`)), source.sha256, `${name}'s copy`);
      for (const { progress } of downloads) t.true(progressIsSound(progress, file.size), 'download progress');

      const byTransfer = new Map<string, ServerTransferProgress[]>();
      for (const report of serverProgress) byTransfer.set(report.transferId, [...(byTransfer.get(report.transferId) ?? []), report]);
      t.is(byTransfer.size, 3, 'the server reports the upload and both downloads');
      for (const reports of byTransfer.values()) t.true(progressIsSound(reports, file.size), 'server progress');
      t.deepEqual(
        [...byTransfer.values()].map((reports) => `${reports[0]!.user}:${reports[0]!.direction}`).sort(),
        ['alice:upload', 'bob:download', 'carol:download'],
      );
      t.deepEqual(await carol.files({ room: 'lobby' }), [file]);
    },
    { storage: join(directory, 'store') },
  );
});

test('chat keeps flowing both ways during a large upload on the same connection', async (t) => {
  const directory = await temporaryDirectory(t);
  const source = await randomFile(directory, 'big.bin', 64 * MiB);
  await withServer(
    t,
    async ({ connect }) => {
      const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
      let uploadDone = false;
      const upload = alice.sendFile(source.path, { room: 'lobby' });
      upload.then(() => (uploadDone = true)).catch(() => undefined);
      await nextEvent(upload, 'progress');
      const arrivedDuringUpload: boolean[] = [];
      for (let index = 0; index < 5; index++) {
        const atBob = nextEvent(bob, 'message');
        await alice.send(`alice ${index}`, { room: 'lobby' });
        await atBob;
        const atAlice = nextEvent(alice, 'message');
        await bob.send(`bob ${index}`, { room: 'lobby' });
        await atAlice;
        arrivedDuringUpload.push(!uploadDone);
      }
      t.deepEqual(arrivedDuringUpload, [true, true, true, true, true], 'every message arrived before the upload ended');
      t.is((await upload).size, 64 * MiB);
    },
    { storage: join(directory, 'store') },
  );
});

test('cancelling at about half: ERR_ABORTED on both sides, nothing listed, nothing left in storage', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  const source = await randomFile(directory, 'big.bin', 64 * MiB);
  await withServer(
    t,
    async ({ server, connect }) => {
      const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
      const files = collect(bob, 'file');
      const ended = nextEvent(server, 'transfer-end');
      const controller = new AbortController();
      const upload = alice.sendFile(source.path, { room: 'lobby', signal: controller.signal });
      await nextEvent(server, 'progress', (report) => report.bytes >= source.bytes.length / 2, 20_000);
      controller.abort();
      const error = await t.throwsAsync(upload, { instanceOf: PieChatError });
      t.is(error?.code, 'ERR_ABORTED');
      const end = await ended;
      t.is(end.error?.code, 'ERR_ABORTED', "the server's side ends with ERR_ABORTED too");
      t.true(end.bytes < end.total);
      t.deepEqual(await bob.files(), []);
      t.deepEqual(await filesBelow(storage), []);
      t.deepEqual(files, []);
      t.deepEqual(server.users().length, 2, 'the connection stays');
    },
    { storage },
  );
});

test('cancelling a download removes the partial copy and the server ends it with ERR_ABORTED', async (t) => {
  const directory = await temporaryDirectory(t);
  const source = await randomFile(directory, 'big.bin', 48 * MiB);
  await withServer(
    t,
    async ({ server, connect }) => {
      const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
      const file = await alice.sendFile(source.path, { room: 'lobby' });
      const downloads = join(directory, 'downloads');
      await import('node:fs/promises').then((fs) => fs.mkdir(downloads));
      const ended = nextEvent(server, 'transfer-end', (event) => event.direction === 'download');
      const download = bob.download(file.id, downloads);
      await nextEvent(download, 'progress');
      download.cancel();
      t.is((await t.throwsAsync(download, { instanceOf: PieChatError }))?.code, 'ERR_ABORTED');
      t.is((await ended).error?.code, 'ERR_ABORTED');
      t.deepEqual(await filesBelow(downloads), [], 'no partial file');
      const again = await bob.download(file.id, downloads);
      t.deepEqual(again, { ...file, path: join(downloads, 'big.bin') });
      t.deepEqual(await filesBelow(downloads), ['big.bin'], 'a directory destination receives the file under its name');
      const third = await bob.download(file.id, downloads);
      t.is(third.path, join(downloads, 'big (1).bin'), 'an existing file is never replaced');
      t.deepEqual(await filesBelow(downloads), ['big (1).bin', 'big.bin']);
    },
    { storage: join(directory, 'store') },
  );
});

test('private files reach only their recipient; others may neither list nor download them', async (t) => {
  const directory = await temporaryDirectory(t);
  await withServer(
    t,
    async ({ connect }) => {
      const [alice, bob, carol] = await Promise.all([connect('alice'), connect('bob'), connect('carol')]);
      const atCarol = collect(carol, 'file');
      const atBob = nextEvent(bob, 'file');
      const file = await alice.sendFile(Buffer.from('for bob only'), { to: 'BOB', name: 'note.txt' });
      t.like(file, { to: 'bob', from: 'alice', name: 'note.txt' });
      t.deepEqual(await atBob, file);
      t.deepEqual(await bob.files(), [file]);
      t.deepEqual(await alice.files(), [file]);
      t.deepEqual(await carol.files(), []);
      const refused = await t.throwsAsync(carol.download(file.id, join(directory, 'stolen.txt')), { instanceOf: PieChatError });
      t.is(refused?.code, 'ERR_FORBIDDEN');
      t.deepEqual(await filesBelow(directory).then((names) => names.filter((name) => !name.startsWith('store/'))), []);
      t.deepEqual(atCarol, []);

      await alice.join('secret');
      const roomFile = await alice.sendFile(Buffer.from('members only'), { room: 'secret', name: 'plan.txt' });
      const outsider = await t.throwsAsync(carol.download(roomFile.id, join(directory, 'plan.txt')), { instanceOf: PieChatError });
      t.is(outsider?.code, 'ERR_FORBIDDEN', "another room's file");
      t.is((await t.throwsAsync(carol.files({ room: 'secret' }), { instanceOf: PieChatError }))?.code, 'ERR_NOT_IN_ROOM');
    },
    { storage: join(directory, 'store') },
  );
});

test('several uploads and downloads at once, on one connection and across clients', async (t) => {
  const directory = await temporaryDirectory(t);
  const sources = await Promise.all([0, 1, 2, 3].map((index) => randomFile(directory, `f${index}.bin`, (index + 1) * 3 * MiB + index)));
  await withServer(
    t,
    async ({ connect }) => {
      const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
      const uploads = await Promise.all(sources.map((source, index) => (index % 2 === 0 ? alice : bob).sendFile(source.path, { room: 'lobby' })));
      t.deepEqual(
        uploads.map((file) => file.sha256),
        sources.map((source) => source.sha256),
      );
      const copies = await Promise.all(
        uploads.flatMap((file) => [alice, bob].map((client) => client.download(file.id, join(directory, `${client.name}-${file.name}`)))),
      );
      t.is(copies.length, 8);
      for (const file of uploads) {
        for (const name of ['alice', 'bob']) t.is(await sha256OfFile(join(directory, `${name}-${file.name}`)), file.sha256);
      }
    },
    { storage: join(directory, 'store') },
  );
});

test('sources: bytes, a Readable with its size, and a Writable destination', async (t) => {
  const directory = await temporaryDirectory(t);
  const { Readable, PassThrough } = await import('node:stream');
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const bytes = Buffer.from('hello from memory');
      const fromBytes = await alice.sendFile(bytes, { room: 'lobby', name: 'memory.txt' });
      t.like(fromBytes, { name: 'memory.txt', size: bytes.length });

      const parts = [Buffer.from('streamed '), Buffer.from('in '), Buffer.from('parts')];
      const fromStream = await alice.sendFile(Readable.from(parts), { room: 'lobby', name: 'stream.txt', size: 17 });
      t.is(fromStream.size, 17);

      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (chunk: Buffer) => chunks.push(chunk));
      await alice.download(fromStream.id, sink);
      t.is(Buffer.concat(chunks).toString(), 'streamed in parts');
      t.true(sink.writableEnded, 'the Writable is ended');

      const empty = await alice.sendFile(new Uint8Array(0), { room: 'lobby', name: 'empty' });
      t.is(empty.size, 0);
      t.deepEqual(await alice.download(empty.id, join(directory, 'empty')), { ...empty, path: join(directory, 'empty') });

      const tooShort = await t.throwsAsync(alice.sendFile(Readable.from([Buffer.from('abc')]), { room: 'lobby', size: 10 }), { instanceOf: PieChatError });
      t.is(tooShort?.code, 'ERR_CHECKSUM', 'a stream shorter than its declared size');
      await t.throwsAsync(alice.sendFile(Readable.from([Buffer.from('abc')]), { room: 'lobby' } as never), { instanceOf: TypeError });
      await t.throwsAsync(alice.sendFile(42 as never, { room: 'lobby' }), { instanceOf: TypeError });
      await t.throwsAsync(alice.sendFile(bytes, { room: 'lobby', to: 'bob' } as never), { instanceOf: TypeError });
      await t.throwsAsync(alice.download(7 as never, directory), { instanceOf: TypeError });
      const missing = await t.throwsAsync(alice.sendFile(join(directory, 'nope.bin'), { room: 'lobby' }), { instanceOf: PieChatError });
      t.is(missing?.code, 'ERR_FILE_NOT_FOUND');
      const progress: TransferProgress[] = [];
      const file: FileInfo = await alice.sendFile(Buffer.alloc(10), { room: 'lobby' }).on('progress', (report) => progress.push(report));
      t.deepEqual(progress.at(-1), { transferId: progress[0]!.transferId, fileId: file.id, name: 'file', direction: 'upload', bytes: 10, total: 10 });
    },
    { storage: join(directory, 'store') },
  );
});
