/** A fake terminal for driving the clack wizard through streams: type a key once a prompt has appeared. */
import { PassThrough, Writable } from 'node:stream';

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
