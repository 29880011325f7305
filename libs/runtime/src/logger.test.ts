// The log destination over a real pipe (a FIFO, both ends non-blocking, so a full pipe answers EAGAIN as a
// container runtime's slow reader would make it) and real processes that exit.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_CHARS, BatchedWriter } from './logger';

const opened: number[] = [];
const folders: string[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A FIFO's two ends; reading what is there now never waits. */
function pipe(): { writer: number; readNow(): string } {
  const folder = mkdtempSync(join(tmpdir(), 'log-pipe-'));
  folders.push(folder);
  const path = join(folder, 'fifo');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  opened.push(writer, reader);
  const chunk = Buffer.alloc(1 << 16);
  return {
    writer,
    readNow() {
      const chunks: Buffer[] = [];
      for (;;) {
        try {
          const read = readSync(reader, chunk);
          if (read === 0) break;
          chunks.push(Buffer.from(chunk.subarray(0, read)));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw error;
        }
      }
      return Buffer.concat(chunks).toString();
    },
  };
}

const lines = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `{"line":${from + i},"msg":"${'x'.repeat(90)}"}\n`);

describe('BatchedWriter', () => {
  it('holds short lines until a flush, then writes them in order', () => {
    const { writer, readNow } = pipe();
    const destination = new BatchedWriter(writer);
    for (const line of lines(10)) destination.write(line);
    expect(readNow()).toBe('');
    destination.flush();
    expect(readNow()).toBe(lines(10).join(''));
  });

  it('writes on its own once it holds a batch', () => {
    const { writer, readNow } = pipe();
    const destination = new BatchedWriter(writer);
    const sent = lines(Math.ceil(BATCH_CHARS / 100));
    for (const line of sent) destination.write(line);
    const written = readNow();
    expect(written.length).toBeGreaterThan(0);
    expect(written).toBe(sent.join('').slice(0, written.length));
  });

  it('keeps what a full pipe does not take and writes it once the reader has read, losing and repeating nothing', () => {
    const { writer, readNow } = pipe();
    const destination = new BatchedWriter(writer);
    const sent = lines(Math.ceil((3 * BATCH_CHARS) / 100));
    for (const line of sent) destination.write(line);
    destination.flush();
    let received = '';
    for (let round = 0; round < 100 && received.length < sent.join('').length; round++) {
      received += readNow();
      destination.flush();
    }
    expect(received.split('\n').length).toBe(sent.length + 1);
    expect(received).toBe(sent.join(''));
  });

  it('writes every line a process logged before it exited, or died of an uncaught exception', () => {
    const logger = new URL('./logger.ts', import.meta.url).pathname;
    for (const ending of ['process.exit(3)', "throw new Error('boom')"]) {
      const script = `import { createLogger } from ${JSON.stringify(logger)};
        const logger = createLogger({ service: 'exiting', level: 'info' });
        for (let i = 0; i < 5; i++) logger.info({ i }, 'before');
        ${ending};`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      const logged = child.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { i: number; msg: string });
      expect({ ending, logged: logged.map(({ i, msg }) => `${msg} ${i}`) }).toEqual({
        ending,
        logged: [0, 1, 2, 3, 4].map((i) => `before ${i}`),
      });
    }
  });
});
