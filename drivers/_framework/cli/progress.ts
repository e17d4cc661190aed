/** Progress on a terminal: one self-rewriting line on stderr. Silent when stderr is not a TTY. */
import type { Progress } from '../types.ts';

/** Returns a Progress that draws on stderr when it is a terminal, else one that does nothing. */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress & { done(): void } {
  if (!stream.isTTY) return { phase: () => undefined, tick: () => undefined, done: () => undefined };
  let phase = '';
  let total: number | undefined;
  let count = 0;
  let lastDraw = 0;
  const draw = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const amount = total ? `${count.toLocaleString('en')}/${total.toLocaleString('en')}` : count ? `${count.toLocaleString('en')} records` : '';
    const line = `${label}: ${phase} ${amount}`.slice(0, (stream.columns || 80) - 1);
    stream.write(`\r\x1b[2K${line}`);
  };
  return {
    phase(name, t) {
      phase = name;
      total = t;
      count = 0;
      draw(true);
    },
    tick(n = 1) {
      count += n;
      draw();
    },
    done() {
      stream.write('\r\x1b[2K');
    },
  };
}
