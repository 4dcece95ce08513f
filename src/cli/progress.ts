/**
 * @module A progress bar for long work on a terminal: done/total, rate, ETA. Silent when
 * stderr is not a TTY (scripts, CI) so logs stay clean.
 */
import type { WriteStream } from 'node:tty';

export interface ProgressState {
  readonly done: number;
  readonly total?: number;
  readonly bytes?: number;
  readonly totalBytes?: number;
  readonly label?: string;
  /** Work after the items, in words: shown instead of the bar (its end is not known). */
  readonly phase?: string;
}

const WIDTH = 28;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** One line of the bar, pure so it can be tested. */
export function renderProgress(state: ProgressState, elapsedSeconds: number, unit = 'records'): string {
  const rate = elapsedSeconds > 0 ? state.done / elapsedSeconds : 0;
  let fraction: number | undefined;
  if (state.total) fraction = state.done / state.total;
  else if (state.totalBytes && state.bytes !== undefined) fraction = state.bytes / state.totalBytes;
  const rateText = `${Math.round(rate).toLocaleString('en')} ${unit}/s`;
  const label = state.label ? `${state.label} ` : '';
  if (state.phase) return `${label}${state.done.toLocaleString('en')} ${unit} read; ${state.phase}…  ${formatDuration(elapsedSeconds)}`;
  if (fraction === undefined) return `${label}${state.done.toLocaleString('en')} ${unit}  ${rateText}  ${formatDuration(elapsedSeconds)}`;
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * WIDTH);
  const eta = f > 0 ? (elapsedSeconds / f) * (1 - f) : Number.NaN;
  const count = state.total ? `${state.done.toLocaleString('en')}/${state.total.toLocaleString('en')}` : `${state.done.toLocaleString('en')}`;
  return `${label}[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(f * 100).toFixed(1).padStart(5)}% ${count} ${unit}  ${rateText}  ETA ${formatDuration(eta)}`;
}

export interface ProgressBar {
  update(state: ProgressState): void;
  done(): void;
}

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr, unit = 'records'): ProgressBar {
  const tty = (stream as WriteStream).isTTY === true;
  const started = performance.now();
  let last = 0;
  let lastLine = '';
  let lastPhase: string | undefined;
  return {
    update(state) {
      if (!tty) return;
      const now = performance.now();
      // A new phase is shown at once (the work after it may block this thread for a while).
      if (now - last < 100 && state.phase === lastPhase) return;
      lastPhase = state.phase;
      last = now;
      lastLine = renderProgress(state, (now - started) / 1000, unit);
      stream.write(`\r${lastLine.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
    },
    done() {
      if (tty && lastLine) stream.write('\r\x1b[K');
    },
  };
}
