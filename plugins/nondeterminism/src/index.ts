import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { nondeterminism } from './detector.js';

export { nondeterminism, nondeterminismOptions, analyzeDataset, DEFAULT_THRESHOLD, type GroupResult, type GroupsAnalysis } from './detector.js';
export { passHatK, passAtK, binomialRatio, wilsonInterval, normalQuantile, semanticEntropy, entropy, wilcoxonSignedRank, type WilcoxonResult } from './stats.js';
export { extractYesNo, extractOption, extractNumber, answerKindOf, summarizeAnswers, type AnswerKind, type AnswerSummary } from './answers.js';
export { clusterByEntailment, entailmentPrompt, parseVerdict, type EntailmentStats } from './entailment.js';
export { selfCheck, type SelfCheckResult, type SentenceConsistency } from './selfcheck.js';
export { trigramVector, sparseCosine, denseCosine, sentences, words, STOPWORDS } from './text.js';

/** The nondeterminism plugin: repeat-sampling variance per prompt. */
const plugin = definePlugin({
  name: '@vigia/plugin-nondeterminism',
  apiVersion: CORE_API_VERSION,
  detectors: { nondeterminism },
});

export default plugin;
