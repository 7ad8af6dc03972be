/** A one-line progress bar on stderr (a plain line every 10% when stderr is not a terminal). */
import type { Progress } from './driver';

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastTenth = -1;
  return {
    update(p: Progress): void {
      const span = Math.max(1, p.endMs - p.startMs);
      const done = Math.min(1, Math.max(0, (p.simMs - p.startMs) / span));
      const eta = done > 0.01 ? (p.wallMs / done) * (1 - done) : undefined;
      const date = new Date(p.simMs + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
      const line = `${p.label} ${'█'.repeat(Math.round(done * 24)).padEnd(24, '░')} ${String(Math.floor(done * 100)).padStart(3)}% · ${date} · ${p.created}/${p.total} tickets · ${p.writes} writes · ${clock(p.wallMs)}${eta === undefined ? '' : ` (eta ${clock(eta)})`}`;
      if (tty) {
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 160) - 1)}`);
        return;
      }
      const tenth = Math.floor(done * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`${line}\n`);
      }
    },
    done(): void {
      if (tty) stream.write('\n');
      lastTenth = -1;
    },
  };
}
