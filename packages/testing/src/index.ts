/**
 * @vigia/testing: run components through the engine's own runner on in-memory data, without a
 * config file, plus fakes (embedder, provider, clock), a seeded RNG, an in-memory sink and the
 * `testPlugin` conformance suite. Works with any test runner.
 */
export {
  makeDataset, runDetector, runMetric, runInMemory, createMemorySink, createTestContext, defaultId,
  type HarnessOptions, type MemorySink, type InMemoryRun, type InMemoryRunResult,
} from './harness.js';
export { createFakeEmbedder, createFakeProvider, createFakeClock, createSeededRng, type FakeClock, type FakeProvider } from './fakes.js';
export { sampleRecords } from './records.js';
export { testPlugin, checkPlugin, type PluginCases, type ComponentCase, type Finding, type TestRunner } from './conformance.js';
