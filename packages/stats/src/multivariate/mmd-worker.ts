/**
 * Worker thread of the MMD test (mmd.ts). Started with workerData (the blockwise kernel above
 * 4,096 points): computes Gram blocks into its own region of the shared WebAssembly memory and
 * claims row lanes until none is left (mmd-rows.ts), then ends. Started without (a kept helper of
 * the whole-matrix kernel): takes jobs by message, each a shared matrix whose blocks it claims
 * beside the calling thread (mmd-rows.ts, FullJob), and waits for the next.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sharedGramBlocks, type SharedGram } from './gram.js';
import { claimLanes, helpFull, type FullJob, type RowTables } from './mmd-rows.js';

if (workerData !== null && workerData !== undefined) {
  const { shared, tables, region } = workerData as { shared: SharedGram; tables: RowTables; region: number };
  let gram;
  try {
    gram = sharedGramBlocks(shared, region);
  } catch {
    gram = undefined; // cannot run here: the calling thread does every lane
  }
  if (gram !== undefined) claimLanes(tables, gram);
} else {
  parentPort?.on('message', (job: FullJob) => {
    let gram;
    try {
      gram = sharedGramBlocks(job.shared, 0, true);
    } catch {
      return; // cannot run here: the calling thread does every block
    }
    helpFull(job, gram);
  });
}
