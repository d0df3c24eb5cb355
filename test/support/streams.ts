/**
 * Streams for running the CLI in-process: what it prints kept as text, and a fake terminal for driving the
 * clack wizard (type a key once a prompt has appeared).
 */
import { PassThrough, Writable } from 'node:stream';
import type { CliIO } from '../../src/cli/output.js';
import { TEST_ENV } from './cli.js';

/** A writable stream that keeps everything written to it in `text`. */
export function textSink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      stream.text += chunk.toString();
      callback();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

export type CapturedIO = CliIO & { stdout: ReturnType<typeof textSink>; stderr: ReturnType<typeof textSink> };

/** The CLI's streams for `main` run in `cwd`: stdin is not a terminal, stdout and stderr are kept as text, the test environment. */
export function capturedIO(cwd: string): CapturedIO {
  return {
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    stdout: textSink(),
    stderr: textSink(),
    env: { ...process.env, ...TEST_ENV },
    cwd,
  };
}

export class FakeTerminal {
  readonly input = new PassThrough();
  readonly output: Writable & { columns: number; rows: number };
  /** What is printed since the last answered prompt. */
  screen = '';
  /** Everything ever printed. */
  transcript = '';

  constructor() {
    const output = new Writable({
      write: (chunk, _encoding, callback) => {
        this.screen += chunk.toString();
        this.transcript += chunk.toString();
        callback();
      },
    }) as Writable & { columns: number; rows: number };
    output.columns = 100;
    output.rows = 40;
    this.output = output;
  }

  /** Waits until `text` has been printed (after `from`), then types `keys`. */
  async answer(text: string, keys: string, timeoutMs = 20_000): Promise<void> {
    const start = Date.now();
    while (!this.screen.includes(text)) {
      if (Date.now() - start > timeoutMs) throw new Error(`prompt "${text}" never appeared; screen:\n${this.screen.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.screen = this.screen.slice(this.screen.indexOf(text) + text.length);
    this.input.write(keys);
  }
}

export const KEYS = { enter: '\r', down: '\u001b[B', space: ' ', ctrlC: '\u0003' } as const;
