import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { csv } from './csv.js';
import { jsonl } from './jsonl.js';
import { parquet } from './parquet.js';

/** The sources plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-sources',
  apiVersion: CORE_API_VERSION,
  sources: {
    jsonl,
    csv,
    parquet,
  },
});

export default plugin;
export { jsonl, readJsonl, streamJsonl, DEFAULT_BATCH_SIZE, type JsonlPosition } from './jsonl.js';
export { csv, readCsv, parseCsv, CsvParser, isNumeric, type CsvOptions, type CsvRowHandler } from './csv.js';
export { parquet, readParquet, type ParquetOptions } from './parquet.js';
export { RecordCollector, locateFile, readChunks, commonProperties, type CommonOptions, type DataFile } from './common.js';
