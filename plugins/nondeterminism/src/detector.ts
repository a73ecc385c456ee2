import { ConfigError, DataError, defineDetector, describeValue, getField, type ComponentContext, type Dataset, type DetectorResult, type Embedder, type Provider } from '@vigia/core';
import { answerKindOf, summarizeAnswers, type AnswerSummary, type ExtractMode } from './answers.js';
import { clusterByEntailment, type EntailmentStats } from './entailment.js';
import { selfCheck, type SelfCheckResult } from './selfcheck.js';
import { passAtK, passHatK, semanticEntropy, wilcoxonSignedRank, wilsonInterval, type WilcoxonResult } from './stats.js';
import { TrigramIndex, exactKey, unitDense, unitDenseCosine, unitSparseCosine, type UnitDense, type UnitSparse } from './text.js';

/** Default per-group score above which a group is flagged (see README: calibrated on CrowS-Pairs). */
export const DEFAULT_THRESHOLD = 0.6;

export const nondeterminismOptions = {
  type: 'object',
  properties: {
    field: { type: 'string', default: 'response', description: 'The sampled text (dotted path).' },
    groupBy: {
      type: 'string', default: 'prompt',
      description: 'Field whose value identifies the prompt a sample answers (e.g. prompt_id); samples with the same value form a group.',
    },
    threshold: {
      type: 'number', minimum: 0, maximum: 1, default: DEFAULT_THRESHOLD,
      description: 'A group is flagged when its score (mean pairwise dissimilarity, 0 = identical, 1 = unrelated) is above this.',
    },
    maxShare: {
      type: 'number', minimum: 0, maximum: 1, default: 0,
      description: 'The detector fails when the share of flagged groups is above this (0: any flagged group fails).',
    },
    clusterThreshold: {
      type: 'number', minimum: 0, maximum: 1,
      description: 'Two samples join one semantic cluster when their dissimilarity is at most this (default: `threshold`).',
    },
    clusterBy: {
      type: 'string', enum: ['similarity', 'entailment'], default: 'similarity',
      description: '`similarity`: join samples whose dissimilarity is at most clusterThreshold; `entailment`: join samples that entail each other both ways, judged by a model through the run\'s provider (Kuhn et al. 2023).',
    },
    judge: { type: 'string', description: 'With clusterBy: entailment, the entry under `providers:` that judges entailment (default: the first).' },
    promptField: { type: 'string', default: 'prompt', description: 'With clusterBy: entailment, the field holding the question the samples answer (given to the judge when present).' },
    similarity: {
      type: 'string', enum: ['blend', 'lexical', 'embedding'], default: 'blend',
      description: '`lexical`: cosine of character trigrams of content words; `embedding`: cosine of the embedder\'s vectors; `blend`: their weighted mean (lexicalWeight).',
    },
    lexicalWeight: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Weight of the lexical similarity in `blend`.' },
    embedder: { type: 'string', description: 'Name of an entry under `embedders:` (default: the first, or the offline `hashing` embedder).' },
    extract: {
      type: 'string', enum: ['auto', 'yesno', 'option', 'number', 'none'], default: 'auto',
      description: 'Short answers to extract and compare: `auto` tries yes/no, an option letter, then a number, per group, and uses the first every sample gives.',
    },
    selfCheck: { type: 'boolean', default: true, description: 'Score each sentence of the first sample by how much the other samples support it (SelfCheckGPT, n-gram variant).' },
    passField: {
      type: 'string',
      description: 'A grader field: true/false, "pass"/"fail", or a score compared with passThreshold. Enables pass^k and pass@k.',
    },
    passThreshold: { type: 'number', default: 0.5, description: 'A numeric passField passes when it is at least this.' },
    assert: {
      type: 'object',
      description: 'An assertion on the text instead of a grader field (enables pass^k and pass@k): all given conditions must hold.',
      properties: {
        contains: { type: 'string', description: 'The text contains this (case-insensitive).' },
        regex: { type: 'string', description: 'The text matches this regular expression.' },
        equalsField: { type: 'string', description: 'The extracted answer (or the trimmed text) equals this record field, e.g. expected.' },
      },
      additionalProperties: false,
    },
    k: {
      type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [1, 3, 5],
      description: 'Values of k for pass^k and pass@k; a task with fewer than k samples is left out of that k.',
    },
    logprobsField: {
      type: 'string', default: 'logprobs',
      description: 'Per-token log-probabilities (array) or a sequence log-probability (number); enables the probability-weighted semantic entropy.',
    },
    logprobNormalize: {
      type: 'string', enum: ['mean', 'sum'], default: 'mean',
      description: 'Sequence log-probability from per-token ones: `mean` (length-normalised, as Kuhn et al. 2023 recommend) or `sum`.',
    },
    alpha: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Level of the paired test against the reference dataset.' },
    maxSentences: { type: 'integer', minimum: 0, default: 20, description: 'Most sentences per group kept in details (selfCheck).' },
  },
  additionalProperties: false,
} as const;

export interface GroupResult {
  key: string;
  /** Mean pairwise dissimilarity: 0 for identical samples, towards 1 for unrelated ones. */
  score: number;
  flagged: boolean;
  /** Number of samples. */
  samples: number;
  /** Number of semantic clusters. */
  clusters: number;
  clusterSizes: number[];
  /** Cluster index of each sample, in dataset order. */
  clusterOf: number[];
  /** Share of samples identical (after trimming whitespace) to the most common one. */
  exactMatch: number;
  /** Distinct outputs / samples. */
  distinctShare: number;
  /** Mean pairwise similarity (1 − score). */
  agreement: number;
  semanticEntropy: number;
  /** Probability-weighted semantic entropy, when every sample has log-probabilities. */
  weightedSemanticEntropy?: number;
  answer?: Omit<AnswerSummary, 'values'>;
  selfCheck?: SelfCheckResult;
  pass?: { passed: number; n: number; rate: number; ci: [number, number]; passHatK: Record<string, number>; passAtK: Record<string, number> };
}

interface Sample {
  text: string;
  record: Record<string, unknown>;
  index: number;
}

interface Options {
  field: string;
  clusterBy: 'similarity' | 'entailment';
  judge?: string;
  promptField: string;
  groupBy: string;
  threshold: number;
  maxShare: number;
  clusterThreshold?: number;
  similarity: 'blend' | 'lexical' | 'embedding';
  lexicalWeight: number;
  embedder?: string;
  extract: ExtractMode;
  selfCheck: boolean;
  passField?: string;
  passThreshold: number;
  assert?: { contains?: string; regex?: string; equalsField?: string };
  k: number[];
  logprobsField: string;
  logprobNormalize: 'mean' | 'sum';
  alpha: number;
  maxSentences: number;
}

interface Grouped {
  groups: Map<string, Sample[]>;
  missingText: number;
  missingKey: number;
}

function groupSamples(dataset: Dataset, o: Options): Grouped {
  if (dataset.records.length === 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}) is empty; nondeterminism needs repeated samples per prompt`);
  const groups = new Map<string, Sample[]>();
  let missingText = 0;
  let missingKey = 0;
  dataset.records.forEach((record, index) => {
    const text = getField(record, o.field);
    if (text === undefined || text === null) {
      missingText++;
      return;
    }
    if (typeof text !== 'string') {
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${index + 1}: field "${o.field}" is ${typeof text === 'object' ? 'an object or array' : `a ${typeof text}`}, not text; set field: to the response text`);
    }
    const rawKey = getField(record, o.groupBy);
    if (rawKey === undefined || rawKey === null || rawKey === '') {
      missingKey++;
      return;
    }
    let key: string;
    try {
      key = typeof rawKey === 'object' ? JSON.stringify(rawKey) : String(rawKey);
    } catch {
      // A value nested too deep (or circular) to serve as a group key.
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${index + 1}: groupBy field "${o.groupBy}" is ${describeValue(rawKey)}, which cannot be used as a group key; group by a text or number field such as prompt_id`);
    }
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push({ text, record, index });
  });
  const kept = [...groups.values()].reduce((a, g) => a + g.length, 0);
  if (kept === 0) {
    const which = missingText === dataset.records.length ? `field "${o.field}"` : `groupBy field "${o.groupBy}"`;
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): ${which} is missing in every record; set field: (the text) and groupBy: (e.g. prompt_id) to fields the records have`);
  }
  return { groups, missingText, missingKey };
}

/** Union-find over samples: join i and j when their dissimilarity is at most `limit`. Clusters numbered by first member. */
function clusterSamples(n: number, dissimilarity: (i: number, j: number) => number, limit: number): number[] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (dissimilarity(i, j) <= limit) parent[find(j)] = find(i);
  const ids = new Map<number, number>();
  return Array.from({ length: n }, (_, i) => {
    const root = find(i);
    if (!ids.has(root)) ids.set(root, ids.size);
    return ids.get(root)!;
  });
}

function sequenceLogprob(value: unknown, normalize: 'mean' | 'sum'): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  let sum = 0;
  for (const x of value) {
    const v = typeof x === 'number' ? x : x && typeof x === 'object' && typeof (x as { logprob?: unknown }).logprob === 'number' ? (x as { logprob: number }).logprob : NaN;
    if (!Number.isFinite(v)) return undefined;
    sum += v;
  }
  return normalize === 'mean' ? sum / value.length : sum;
}

/** Whether a sample passes; undefined when it carries no verdict (no grader value or no expected answer). */
function passes(sample: Sample, o: Options, answerKind: AnswerSummary['kind'] | undefined, datasetName: string): boolean | undefined {
  if (o.passField !== undefined) {
    const v = getField(sample.record, o.passField);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v >= o.passThreshold;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (['pass', 'passed', 'true', 'yes', 'correct', '1'].includes(s)) return true;
      if (['fail', 'failed', 'false', 'no', 'incorrect', '0'].includes(s)) return false;
      const num = Number(s);
      if (s !== '' && Number.isFinite(num)) return num >= o.passThreshold;
    }
    throw new DataError(`dataset "${datasetName}", record ${sample.index + 1}: passField "${o.passField}" is ${describeValue(v)}; expected true/false, "pass"/"fail" or a number`);
  }
  const a = o.assert!;
  if (a.contains !== undefined && !sample.text.toLowerCase().includes(a.contains.toLowerCase())) return false;
  if (a.regex !== undefined && !new RegExp(a.regex).test(sample.text)) return false;
  if (a.equalsField !== undefined) {
    const expected = getField(sample.record, a.equalsField);
    if (expected === undefined || expected === null || expected === '') return undefined;
    const got = answerKind ? summarizeAnswers([sample.text], answerKind).majority : exactKey(sample.text);
    const norm = (x: unknown) => (typeof x === 'string' ? x.trim().toLowerCase() : String(x));
    if (norm(got) !== norm(expected) && !(typeof got === 'number' && Number(expected) === got)) return false;
  }
  return true;
}

export interface GroupsAnalysis {
  groups: GroupResult[];
  missingText: number;
  missingKey: number;
  singletons: number;
  embedderId: string | null;
  /** With clusterBy: entailment: the judge and how many calls it took. */
  entailment?: { judge: string } & EntailmentStats;
  /** Tasks graded, and tasks left out of pass^k because a sample had no verdict (grader value or expected answer). */
  pass?: { tasks: number; ungraded: number; k: Record<string, { tasks: number; passHatK: number; passAtK: number; passHatKCi: [number, number]; passAtKCi: [number, number] }> };
}

/** Score every group of a dataset. */
export async function analyzeDataset(dataset: Dataset, o: Options, ctx: ComponentContext): Promise<GroupsAnalysis> {
  const { groups, missingText, missingKey } = groupSamples(dataset, o);
  const multi = [...groups].filter(([, s]) => s.length >= 2);
  const singletons = groups.size - multi.length;
  if (multi.length === 0) {
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): no prompt has two or more samples (${groups.size} groups by "${o.groupBy}", each with one sample); sample each prompt several times (e.g. the samples source with n: 5) or check groupBy`);
  }

  // Embed each distinct text once.
  const wLex = o.similarity === 'lexical' ? 1 : o.similarity === 'embedding' ? 0 : o.lexicalWeight;
  const useLexical = wLex > 0;
  const useEmbedding = wLex < 1;
  let embedder: Embedder | undefined;
  const vectors = new Map<string, UnitDense>();
  if (useEmbedding) {
    embedder = await ctx.embedder(o.embedder);
    const distinct = [...new Set(multi.flatMap(([, s]) => s.map((x) => x.text)))];
    const batch = 4096;
    for (let i = 0; i < distinct.length; i += batch) {
      const chunk = distinct.slice(i, i + batch);
      const out = await embedder.embed(chunk, ctx.signal);
      chunk.forEach((t, j) => vectors.set(t, unitDense(out[j]!)));
      ctx.progress(Math.min(i + batch, distinct.length), distinct.length, 'embedding samples');
    }
  }
  const trigramIndex = new TrigramIndex();
  const trigramCache = new Map<string, UnitSparse>();
  const trigrams = (t: string) => {
    let v = trigramCache.get(t);
    if (!v) trigramCache.set(t, (v = trigramIndex.vector(t)));
    return v;
  };

  const clusterLimit = o.clusterThreshold ?? o.threshold;
  const ks = [...new Set(o.k)].sort((a, b) => a - b);
  const gradeTasks = o.passField !== undefined || o.assert !== undefined;
  const kSums = new Map<number, { tasks: number; hat: number; at: number }>(ks.map((k) => [k, { tasks: 0, hat: 0, at: 0 }]));
  const results: GroupResult[] = [];
  let judge: Provider | undefined;
  const entailmentStats: EntailmentStats = { calls: 0, unparsed: 0 };
  let done = 0;
  let ungraded = 0;
  for (const [key, samples] of multi) {
    const n = samples.length;
    const texts = samples.map((s) => s.text);
    const keys = texts.map(exactKey);
    const lex = useLexical ? texts.map(trigrams) : [];
    const emb = useEmbedding ? texts.map((t) => vectors.get(t)!) : [];
    const d = new Float64Array(n * n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let dij = 0;
        if (keys[i] !== keys[j]) {
          const sim = (useLexical ? wLex * unitSparseCosine(lex[i]!, lex[j]!) : 0) + (useEmbedding ? (1 - wLex) * unitDenseCosine(emb[i]!, emb[j]!) : 0);
          dij = Math.min(1, Math.max(0, 1 - sim));
        }
        d[i * n + j] = d[j * n + i] = dij;
        sum += dij;
      }
    }
    const score = sum / ((n * (n - 1)) / 2);
    let clusterOf: number[];
    if (o.clusterBy === 'entailment') {
      judge ??= await ctx.provider(o.judge);
      const question = getField(samples[0]!.record, o.promptField);
      clusterOf = await clusterByEntailment(texts, typeof question === 'string' ? question : undefined, judge, entailmentStats, ctx.signal);
    } else clusterOf = clusterSamples(n, (i, j) => d[i * n + j]!, clusterLimit);
    const clusterCount = Math.max(...clusterOf) + 1;
    const clusterSizes = new Array<number>(clusterCount).fill(0);
    for (const c of clusterOf) clusterSizes[c]!++;
    const exactCounts = new Map<string, number>();
    for (const k of keys) exactCounts.set(k, (exactCounts.get(k) ?? 0) + 1);
    const logprobs = samples.map((s) => sequenceLogprob(getField(s.record, o.logprobsField), o.logprobNormalize));
    const entropy = semanticEntropy(clusterOf, logprobs.every((x) => x !== undefined) ? (logprobs as number[]) : undefined);
    const result: GroupResult = {
      key,
      score,
      flagged: score > o.threshold,
      samples: n,
      clusters: clusterCount,
      clusterSizes,
      clusterOf,
      exactMatch: Math.max(...exactCounts.values()) / n,
      distinctShare: exactCounts.size / n,
      agreement: 1 - score,
      semanticEntropy: entropy.discrete,
      ...(entropy.weighted !== null ? { weightedSemanticEntropy: entropy.weighted } : {}),
    };
    const kind = answerKindOf(texts, o.extract);
    if (kind) {
      const { values: _values, ...answer } = summarizeAnswers(texts, kind);
      result.answer = answer;
    }
    if (o.selfCheck) {
      const check = selfCheck(texts);
      if (check) result.selfCheck = { ...check, sentences: check.sentences.slice(0, o.maxSentences) };
    }
    const verdicts = gradeTasks ? samples.map((s) => passes(s, o, kind, dataset.name)) : [];
    if (gradeTasks && verdicts.some((v) => v === undefined)) ungraded++;
    else if (gradeTasks) {
      const c = verdicts.filter((v) => v === true).length;
      const hat: Record<string, number> = {};
      const at: Record<string, number> = {};
      for (const k of ks) {
        if (k > n) continue;
        hat[k] = passHatK(n, c, k);
        at[k] = passAtK(n, c, k);
        const s = kSums.get(k)!;
        s.tasks++;
        s.hat += hat[k]!;
        s.at += at[k]!;
      }
      result.pass = { passed: c, n, rate: c / n, ci: wilsonInterval(c, n), passHatK: hat, passAtK: at };
    }
    results.push(result);
    if (++done % (o.clusterBy === 'entailment' ? 1 : 100) === 0) ctx.progress(done, multi.length, 'scoring groups');
  }
  results.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const analysis: GroupsAnalysis = {
    groups: results, missingText, missingKey, singletons, embedderId: embedder?.id ?? null,
    ...(judge ? { entailment: { judge: judge.id, ...entailmentStats } } : {}),
  };
  if (gradeTasks) {
    const k: NonNullable<GroupsAnalysis['pass']>['k'] = {};
    for (const [kk, s] of kSums) {
      if (s.tasks === 0) continue;
      const hat = s.hat / s.tasks;
      const at = s.at / s.tasks;
      // Across tasks each estimate is a mean of per-task chances in [0, 1]; the interval is Wilson's with the number of tasks as n.
      k[kk] = { tasks: s.tasks, passHatK: hat, passAtK: at, passHatKCi: wilsonInterval(hat * s.tasks, s.tasks), passAtKCi: wilsonInterval(at * s.tasks, s.tasks) };
    }
    analysis.pass = { tasks: results.length - ungraded, ungraded, k };
  }
  return analysis;
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));

export const nondeterminism = defineDetector({
  description:
    'Repeat-sampling variance per prompt: groups samples by prompt and scores each group 0 (identical) to 1 (unrelated) by mean pairwise dissimilarity; ' +
    'reports exact-match rate, semantic clusters and entropy, extracted-answer agreement, SelfCheckGPT-style sentence consistency, pass^k and pass@k; ' +
    'fails when too many prompts are unstable, or (with a reference) when instability grew.',
  options: nondeterminismOptions,
  example: { field: 'response', groupBy: 'prompt_id', threshold: DEFAULT_THRESHOLD, maxShare: 0 },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.field, options.groupBy, options.clusterBy === 'entailment' ? options.promptField : undefined, options.passField, options.assert?.equalsField, options.logprobsField].filter((f): f is string => typeof f === 'string'),
  create(options) {
    const o = options as Options;
    if (o.assert && o.passField !== undefined) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', 'nondeterminism: give either passField (a grader field) or assert (a check on the text), not both');
    }
    if (o.assert?.regex !== undefined) {
      try {
        new RegExp(o.assert.regex);
      } catch (error) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `nondeterminism: assert.regex is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    return {
      async evaluate({ current, reference }, ctx): Promise<DetectorResult> {
        const cur = await analyzeDataset(current, o, ctx);
        const flagged = cur.groups.filter((g) => g.flagged);
        const share = flagged.length / cur.groups.length;
        const scores = cur.groups.map((g) => g.score);
        let comparison: (WilcoxonResult & { pairs: number; meanIncrease: number; medianIncrease: number; referenceMeanScore: number }) | undefined;
        if (reference) {
          const ref = await analyzeDataset(reference, o, ctx);
          const refScore = new Map(ref.groups.map((g) => [g.key, g.score]));
          const diffs: number[] = [];
          const refPaired: number[] = [];
          for (const g of cur.groups) {
            const r = refScore.get(g.key);
            if (r === undefined) continue;
            diffs.push(g.score - r);
            refPaired.push(r);
          }
          if (diffs.length === 0) {
            throw new DataError(`no prompt is in both reference (${reference.origin}) and current (${current.origin}) by "${o.groupBy}"; the paired comparison needs the same prompts sampled in both`);
          }
          comparison = { ...wilcoxonSignedRank(diffs), pairs: diffs.length, meanIncrease: mean(diffs), medianIncrease: median(diffs), referenceMeanScore: mean(refPaired) };
        }
        const grew = comparison !== undefined && comparison.pValue < o.alpha;
        const tooMany = share > o.maxShare;
        const parts = [
          `${flagged.length} of ${cur.groups.length} prompts unstable (score > ${o.threshold}; share ${fmt(share)}, max ${o.maxShare})`,
          `mean score ${fmt(mean(scores))}`,
        ];
        if (flagged.length > 0) parts.push(`worst: ${flagged.slice(0, 3).map((g) => `"${g.key.length > 40 ? `${g.key.slice(0, 39)}…` : g.key}" ${fmt(g.score)}`).join(', ')}`);
        if (comparison) parts.push(`vs reference: mean change ${comparison.meanIncrease >= 0 ? '+' : ''}${fmt(comparison.meanIncrease)} over ${comparison.pairs} prompts, Wilcoxon p=${fmt(comparison.pValue)}${grew ? ' (instability grew)' : ''}`);
        if (cur.pass) {
          const ks = Object.keys(cur.pass.k);
          if (ks.length) {
            const kMax = ks[ks.length - 1]!;
            parts.push(`pass^${kMax} ${fmt(cur.pass.k[kMax]!.passHatK)}, pass@${kMax} ${fmt(cur.pass.k[kMax]!.passAtK)}`);
          }
        }
        const skipped = cur.missingText + cur.missingKey;
        if (skipped > 0) parts.push(`skipped ${skipped} record${skipped === 1 ? '' : 's'} without "${o.field}" or "${o.groupBy}"`);
        if (cur.singletons > 0) parts.push(`${cur.singletons} prompt${cur.singletons === 1 ? '' : 's'} with a single sample left out`);
        const withAnswers = cur.groups.filter((g) => g.answer);
        return {
          status: tooMany || grew ? 'fail' : 'pass',
          statistic: share,
          pValue: comparison ? comparison.pValue : null,
          threshold: o.maxShare,
          message: parts.join('; '),
          details: {
            groups: cur.groups,
            summary: {
              groups: cur.groups.length,
              flagged: flagged.length,
              flaggedShare: share,
              meanScore: mean(scores),
              medianScore: median(scores),
              exactMatchRate: mean(cur.groups.map((g) => g.exactMatch)),
              meanDistinctShare: mean(cur.groups.map((g) => g.distinctShare)),
              meanSemanticEntropy: mean(cur.groups.map((g) => g.semanticEntropy)),
              ...(withAnswers.length ? { answerGroups: withAnswers.length, meanAnswerAgreement: mean(withAnswers.map((g) => g.answer!.agreement)) } : {}),
            },
            ...(cur.pass ? { pass: cur.pass } : {}),
            ...(comparison ? { comparison } : {}),
            scoring: {
              similarity: o.similarity,
              lexicalWeight: o.similarity === 'blend' ? o.lexicalWeight : undefined,
              embedder: cur.embedderId,
              threshold: o.threshold,
              clusterThreshold: o.clusterThreshold ?? o.threshold,
              clusterBy: o.clusterBy,
              ...(cur.entailment ? { entailment: cur.entailment } : {}),
            },
            skipped: { missingText: cur.missingText, missingKey: cur.missingKey, singletonGroups: cur.singletons },
          },
        };
      },
    };
  },
});
