/**
 * Worker thread of the blockwise MMD test (mmd.ts): computes Gram blocks into its own region of
 * the shared WebAssembly memory and claims row lanes until none is left (mmd-rows.ts).
 */
import { workerData } from 'node:worker_threads';
import { sharedGramBlocks, type SharedGram } from './gram.js';
import { claimLanes, type RowTables } from './mmd-rows.js';

const { shared, tables, region } = workerData as { shared: SharedGram; tables: RowTables; region: number };
let gram;
try {
  gram = sharedGramBlocks(shared, region);
} catch {
  gram = undefined; // cannot run here: the calling thread does every lane
}
if (gram !== undefined) claimLanes(tables, gram);
