import type { Sink, VigiaEvent } from '@vigia/core';

/**
 * Progress on stderr for long work (reading big files, slow detectors), as one line rewritten in
 * place. Only used when stderr is a TTY; pipes and CI logs stay quiet.
 */
export function createProgressSink(write: (text: string) => void, totals: { detectors: number; metrics: number }): Sink {
  let line = '';
  let last = 0;
  let detectorsDone = 0;
  const show = (text: string, force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = Math.max(20, (process.stderr.columns || 80) - 1);
    const next = text.length > width ? text.slice(0, width - 1) + '…' : text;
    write(`\r${next.padEnd(line.length)}`);
    line = next;
  };
  const clear = () => {
    if (line) write(`\r${' '.repeat(line.length)}\r`);
    line = '';
  };
  const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));
  return {
    onEvent(event: VigiaEvent) {
      switch (event.type) {
        case 'run:start':
          show(`vigia: ${event.name}: reading datasets…`, true);
          break;
        case 'dataset:loaded':
          show(`vigia: read ${event.name}: ${fmt(event.records)} records${event.skipped ? ` (${event.skipped} skipped)` : ''}`, true);
          break;
        case 'progress': {
          const pct = event.total ? ` ${Math.floor((100 * event.done) / event.total)}%` : ` ${fmt(event.done)}`;
          show(`vigia: ${event.id}: ${event.label ?? 'working'}${pct}`);
          break;
        }
        case 'detector:start':
          show(`vigia: detector ${detectorsDone + 1}/${totals.detectors}: ${event.id} (${event.use})…`, true);
          break;
        case 'detector:end':
          detectorsDone++;
          break;
        case 'run:end':
          clear();
          break;
      }
    },
    async shutdown() {
      clear();
    },
  };
}
