import { describe, expect, it } from 'vitest';
import { calculateSum } from './calculate-sum';
import { echo } from './echo';
import { formatText } from './format-text';
import { wait } from './wait';

describe('calculate_sum', () => {
  it('adds the seed numbers to 15', async () => {
    expect(await calculateSum({ numbers: [1, 2, 3, 4, 5] })).toBe(15);
  });

  it('is 0 for no numbers and keeps fractions and negatives', async () => {
    expect(await calculateSum({ numbers: [] })).toBe(0);
    expect(await calculateSum({ numbers: [1.5, -2.5, 4] })).toBe(3);
  });
});

describe('format_text', () => {
  it('formats the seed text', async () => {
    expect(await formatText({ text: 'hello world', format: 'uppercase' })).toBe('HELLO WORLD');
    expect(await formatText({ text: 'hello world', format: 'capitalize' })).toBe('Hello world');
  });

  it.each([
    ['lowercase', 'Hello WORLD', 'hello world'],
    ['capitalize', 'hello WORLD', 'Hello world'],
    ['title', "hello wORLD, it's x-ray time", "Hello World, It's X-Ray Time"],
    ['uppercase', 'ß', 'SS'],
  ])('%s of %j is %j', async (format, text, expected) => {
    expect(await formatText({ text, format })).toBe(expected);
  });

  it('names the valid formats when the format is unknown', async () => {
    await expect(formatText({ text: 'x', format: 'shouting' })).rejects.toThrow(
      'Unknown format "shouting"; valid formats: uppercase, lowercase, capitalize, title',
    );
  });
});

describe('echo', () => {
  it('returns the message unchanged', async () => {
    expect(await echo({ message: '  spaced\nout  ' })).toBe('  spaced\nout  ');
  });
});

describe('wait', () => {
  it('answers after the time', async () => {
    const started = performance.now();
    expect(await wait({ ms: 30 })).toBe('waited 30 ms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const pending = wait({ ms: 10_000 }, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow('wait cancelled');
  });
});
