import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { bbqBias } from './bbq.js';
import { counterfactualBias } from './counterfactual.js';
import { groupParity } from './parity.js';
import { bbqSource, counterfactualTemplates, crowsPairs } from './sources.js';

/** The bias plugin family: BBQ scoring, counterfactual sets and group parity, and probe-set sources. */
const plugin = definePlugin({
  name: '@vigia/plugin-bias',
  apiVersion: CORE_API_VERSION,
  detectors: {
    'bbq-bias': bbqBias,
    'counterfactual-bias': counterfactualBias,
    'group-parity': groupParity,
  },
  sources: {
    bbq: bbqSource,
    'counterfactual-templates': counterfactualTemplates,
    'crows-pairs': crowsPairs,
  },
});

export default plugin;
export { bbqBias, counterfactualBias, groupParity, bbqSource, counterfactualTemplates, crowsPairs };
export { scoreBbq, mapAnswer, targetOptions, normaliseGroup, type BbqItem, type BbqScores, type ConditionScore } from './bbq-score.js';
export { parseBbqItem } from './bbq.js';
export { DEFAULT_REFUSAL_PATTERNS, refusalDetector, sentimentScorer } from './measures.js';
export { BUILTIN_LEXICONS, BUILTIN_TEMPLATES } from './lexicons.js';
