import test from 'ava';
import { defaultUserName } from '../lib/cli/args.js';
import { formatBytes, formatEta, formatProgress, formatRate, ProgressBar, RateMeter, renderBar, type ProgressOutput } from '../lib/cli/progress-bar.js';

const MiB = 1024 * 1024;

test('formatBytes: bytes as integers, binary units with one decimal above', (t) => {
  t.is(formatBytes(0), '0 B');
  t.is(formatBytes(1023), '1023 B');
  t.is(formatBytes(1024), '1.0 KiB');
  t.is(formatBytes(1536), '1.5 KiB');
  t.is(formatBytes(12 * MiB), '12.0 MiB');
  t.is(formatBytes(2 * 1024 * MiB), '2.0 GiB');
  t.is(formatBytes(1024 * 1024 - 1), '1.0 MiB', 'never "1024.0 KiB"');
  t.is(formatBytes(-5), '0 B');
});

test('formatRate: per second, unknown as --/s', (t) => {
  t.is(formatRate(85.3 * MiB), '85.3 MiB/s');
  t.is(formatRate(0), '0 B/s');
  t.is(formatRate(undefined), '--/s');
  t.is(formatRate(Number.NaN), '--/s');
  t.is(formatRate(Number.POSITIVE_INFINITY), '--/s');
});

test('formatEta: m:ss, h:mm:ss, rounded up; --:-- while unknown', (t) => {
  t.is(formatEta(0), '0:00');
  t.is(formatEta(0.2), '0:01');
  t.is(formatEta(59), '0:59');
  t.is(formatEta(61), '1:01');
  t.is(formatEta(3599), '59:59');
  t.is(formatEta(3600), '1:00:00');
  t.is(formatEta(3723), '1:02:03');
  t.is(formatEta(undefined), '--:--');
  t.is(formatEta(Number.POSITIVE_INFINITY), '--:--');
  t.is(formatEta(-1), '--:--');
});

test('renderBar: filled in proportion, clamped, fixed width', (t) => {
  t.is(renderBar(0), '[--------------------]');
  t.is(renderBar(0.5), '[##########----------]');
  t.is(renderBar(0.999), '[###################-]', 'full only when done');
  t.is(renderBar(1), '[####################]');
  t.is(renderBar(2), '[####################]');
  t.is(renderBar(-1), '[--------------------]');
  t.is(renderBar(Number.NaN), '[--------------------]');
  t.is(renderBar(0.5, 4), '[##--]');
});

test('formatProgress: the line of the design', (t) => {
  t.is(
    formatProgress({ bytes: 12 * MiB, total: 24 * MiB, rate: 85.3 * MiB, eta: 0.14 }),
    '[##########----------]  50%  12.0 MiB / 24.0 MiB  85.3 MiB/s  ETA 0:01',
  );
  t.is(formatProgress({ bytes: 0, total: 10, rate: undefined }), '[--------------------]   0%  0 B / 10 B  --/s  ETA --:--');
  t.is(formatProgress({ bytes: 0, total: 0 }), '[####################] 100%  0 B / 0 B  --/s  ETA --:--', 'an empty file is complete');
  t.regex(formatProgress({ bytes: 999, total: 1000 }), /\] {2}99%/, 'rounded down: 100% means done');
});

test('RateMeter: a moving average over the last seconds; unknown until samples span a moment', (t) => {
  const meter = new RateMeter(3_000);
  meter.sample(0, 0);
  t.is(meter.rate(), undefined);
  t.is(meter.eta(100), undefined);
  meter.sample(100, 1_000);
  t.is(meter.rate(), undefined, 'too short a span to tell');
  meter.sample(1_000, 10_000);
  t.is(meter.rate(), 10_000);
  t.is(meter.eta(30_000), 2);
  // A fast start falls out of the window: only the last seconds count.
  for (let at = 2_000; at <= 10_000; at += 1_000) meter.sample(at, 10_000 + ((at - 1_000) / 1_000) * 1_000);
  t.is(meter.rate(), 1_000);
  // A stall brings the rate to zero and the ETA back to unknown.
  meter.sample(14_000, 19_000);
  t.is(meter.rate(), 0);
  t.is(meter.eta(30_000), undefined);
  t.is(meter.eta(19_000), 0, 'nothing left to move');
});

/** An output that records what is written, and a clock the test moves. */
function fakeOutput(isTTY: boolean, columns?: number): ProgressOutput & { text: string } {
  return {
    isTTY,
    columns,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

test('ProgressBar on a TTY: redrawn in place at most every 100 ms, a final line with a newline', (t) => {
  let now = 0;
  const output = fakeOutput(true, 200);
  const bar = new ProgressBar({ output, label: 'report.pdf', now: () => now });
  bar.update(1 * MiB, 10 * MiB);
  now = 50;
  bar.update(2 * MiB, 10 * MiB); // too soon: not drawn
  now = 500;
  bar.update(5 * MiB, 10 * MiB);
  now = 1_000;
  bar.done(10 * MiB);
  const draws = output.text.split('\r\u001b[2K').slice(1);
  t.deepEqual(draws, [
    'report.pdf [##------------------]  10%  1.0 MiB / 10.0 MiB  --/s  ETA --:--',
    'report.pdf [##########----------]  50%  5.0 MiB / 10.0 MiB  10.0 MiB/s  ETA 0:01',
    'report.pdf [####################] 100%  10.0 MiB / 10.0 MiB  10.0 MiB/s  in 0:01\n',
  ]);
  t.false(output.text.slice(0, -1).includes('\n'), 'one line, redrawn');
  bar.update(10 * MiB, 10 * MiB);
  t.true(output.text.endsWith('\n'), 'nothing drawn after done()');
});

test('ProgressBar on a TTY: the label is shortened, then dropped, so the line never wraps', (t) => {
  const progress = formatProgress({ bytes: 1, total: 2 });
  const narrow = fakeOutput(true, progress.length + 12);
  const bar = new ProgressBar({ output: narrow, label: 'a-very-long-file-name.tar.gz', now: () => 0 });
  bar.update(1, 2);
  t.is(narrow.text, `\r\u001b[2Ka-very-lo… ${progress}`);
  t.true(narrow.text.length - '\r\u001b[2K'.length < narrow.columns!, 'shorter than the width: the cursor never wraps');
  const tiny = fakeOutput(true, 30);
  new ProgressBar({ output: tiny, label: 'name', now: () => 0 }).update(1, 2);
  t.is(tiny.text, `\r\u001b[2K${progress.slice(0, 29)}`);
});

test('ProgressBar on a TTY: stop() ends the line where it was', (t) => {
  const output = fakeOutput(true);
  const bar = new ProgressBar({ output, now: () => 0 });
  bar.stop();
  t.is(output.text, '', 'nothing drawn, nothing to end');
  const drawn = fakeOutput(true);
  const second = new ProgressBar({ output: drawn, now: () => 0 });
  second.update(1, 4);
  second.stop();
  t.true(drawn.text.endsWith('ETA --:--\n'));
});

test('ProgressBar without a TTY: plain lines at most once a second, then the final line', (t) => {
  let now = 0;
  const output = fakeOutput(false);
  const bar = new ProgressBar({ output, now: () => now });
  for (let step = 1; step <= 25; step++) {
    now = step * 100;
    bar.update(step * 1_000, 25_000);
  }
  bar.done(25_000);
  const lines = output.text.split('\n');
  t.is(lines.pop(), '', 'every line ends with a newline');
  t.false(output.text.includes('\r'));
  t.deepEqual(
    lines.map((line) => /(\d+)%/.exec(line)?.[1]),
    ['4', '44', '84', '100'],
    'first report at once, then one a second; 100% only once, from done()',
  );
  t.is(lines.at(-1), '[####################] 100%  24.4 KiB / 24.4 KiB  9.8 KiB/s  in 0:03');
});

test('ProgressBar with print: lines go through the function, throttled as plain lines', (t) => {
  let now = 0;
  const printed: string[] = [];
  const bar = new ProgressBar({ print: (line) => printed.push(line), label: 'x', now: () => now, output: fakeOutput(true) });
  bar.update(1, 10);
  now = 10;
  bar.update(2, 10);
  now = 1_500;
  bar.update(10, 10); // the last report waits for the final line
  t.deepEqual(printed, ['x [##------------------]  10%  1 B / 10 B  --/s  ETA --:--']);
  t.is(bar.summary(10), '10 B in 0:02 (7 B/s)');
});

test('defaultUserName: the OS user name made valid, with a random suffix', (t) => {
  t.regex(defaultUserName('alice'), /^alice-[0-9a-f]{4}$/);
  t.regex(defaultUserName('John Doe'), /^John_Doe-[0-9a-f]{4}$/);
  t.regex(defaultUserName('DOMAIN\\zoë'), /^DOMAIN_zoë-[0-9a-f]{4}$/);
  t.regex(defaultUserName('  '), /^user-[0-9a-f]{4}$/);
  t.regex(defaultUserName(''), /^user-[0-9a-f]{4}$/);
  t.true(defaultUserName('x'.repeat(100)).length <= 32);
  t.regex(defaultUserName(), /^[\p{L}\p{N}_.-]+-[0-9a-f]{4}$/u);
  t.not(defaultUserName('bob'), defaultUserName('bob'), 'two commands at once do not collide (almost surely)');
});
