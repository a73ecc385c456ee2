/**
 * Probe sets as data: BBQ items joined with a model's answers, counterfactual prompt sets expanded
 * from templates × group lexicons (optionally answered by a configured provider), and CrowS-Pairs
 * minimal pairs.
 */
import { readFile } from 'node:fs/promises';
import { DataError, defineSource, type ComponentContext, type SourceOutput, type VigiaRecord } from '@vigia/core';
import { readCsv, readJsonl } from '@vigia/plugin-sources';
import { BUILTIN_LEXICONS, BUILTIN_TEMPLATES } from './lexicons.js';

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

// ---------------------------------------------------------------------------------------------
// bbq
// ---------------------------------------------------------------------------------------------

/** Read BBQ item files and, when given, join a model's answers to them by (category, example_id). */
export async function readBbq(
  options: { path: string | string[]; predictions?: string | string[]; predictionFields?: string[]; onInvalid: 'error' | 'skip' },
  ctx: ComponentContext,
): Promise<SourceOutput> {
  const items: VigiaRecord[] = [];
  let skipped = 0;
  const skippedExamples: string[] = [];
  const skip = (why: string) => {
    skipped++;
    if (skippedExamples.length < 5) skippedExamples.push(why);
  };
  const keyOf = (r: VigiaRecord) => `${String(r.category)}\u0000${String(r.example_id)}`;
  for (const path of asList(options.path)) {
    const out = await readJsonl({ path, onInvalid: options.onInvalid }, ctx);
    skipped += out.skipped;
    skippedExamples.push(...(out.skippedExamples ?? []).slice(0, Math.max(0, 5 - skippedExamples.length)));
    out.records.forEach((r, i) => {
      if (r.example_id === undefined || r.category === undefined) {
        const why = `${path}, record ${i + 1}: no ${r.example_id === undefined ? 'example_id' : 'category'} field (BBQ items carry both)`;
        if (options.onInvalid === 'error') throw new DataError(`${why}; fix the file or set onInvalid: skip`);
        skip(why);
        return;
      }
      items.push(r);
    });
  }
  if (options.predictions === undefined) return { records: items, skipped, skippedExamples };

  const answers = new Map<string, VigiaRecord>();
  for (const path of asList(options.predictions)) {
    const out = await readJsonl({ path, onInvalid: options.onInvalid }, ctx);
    skipped += out.skipped;
    out.records.forEach((r, i) => {
      if (r.example_id === undefined || r.category === undefined) {
        throw new DataError(`${path}, record ${i + 1}: a prediction needs example_id and category to be joined to its BBQ item (BBQ's unifiedqa_preds_<Category>.jsonl files have both)`);
      }
      answers.set(keyOf(r), r);
    });
  }
  const fields = options.predictionFields;
  const records: VigiaRecord[] = [];
  const joined = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    const answer = answers.get(key);
    if (!answer) {
      skip(`no prediction for ${String(item.category)} example_id ${String(item.example_id)}`);
      continue;
    }
    joined.add(key);
    const record: VigiaRecord = { ...item };
    for (const [k, v] of Object.entries(answer)) {
      if (fields ? fields.includes(k) : !(k in item)) record[k] = v;
    }
    if (fields) {
      const absent = fields.filter((f) => !(f in answer));
      if (absent.length) throw new DataError(`predictions for ${String(item.category)} example_id ${String(item.example_id)} have no field ${absent.map((f) => `"${f}"`).join(', ')}; check predictionFields`);
    }
    records.push(record);
  }
  const orphans = answers.size - joined.size;
  if (orphans > 0) {
    skipped += orphans;
    if (skippedExamples.length < 5) skippedExamples.push(`${orphans} prediction${orphans === 1 ? '' : 's'} without a BBQ item (category and example_id not in the item files)`);
  }
  if (records.length === 0) {
    throw new DataError(`no BBQ item could be joined with a prediction (${items.length} items, ${answers.size} predictions); predictions join on category and example_id — check that both files are for the same categories`);
  }
  return { records, skipped, skippedExamples };
}

export const bbqSource = defineSource({
  description:
    'Reads BBQ items (`<Category>.jsonl`) and, optionally, a model\'s answers from separate files (such as BBQ\'s `unifiedqa_preds_<Category>.jsonl`), joined by category and example_id; the item files\' fields win, so corrected item metadata is used.',
  options: {
    type: 'object',
    properties: {
      path: {
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
        description: 'BBQ item file(s), relative to the config file.',
      },
      predictions: {
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
        description: 'File(s) with the model\'s answers: JSON Lines records with category, example_id and the answer fields. Items without an answer are skipped and counted.',
      },
      predictionFields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Fields copied from the predictions (default: every field the item does not have).' },
      onInvalid: { type: 'string', enum: ['error', 'skip'], default: 'error', description: 'A line that is not a JSON object, or an item without category/example_id: `error` stops; `skip` counts it.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './bbq/Age.jsonl', predictions: './bbq/unifiedqa_preds_Age.jsonl', predictionFields: ['unifiedqa-t5-11b_pred_race'] },
  create: (options) => ({ read: (ctx) => readBbq(options as Parameters<typeof readBbq>[0], ctx) }),
});

// ---------------------------------------------------------------------------------------------
// counterfactual-templates
// ---------------------------------------------------------------------------------------------

/** "a" or "an" before a phrase (by its first letter; "an hour"-style exceptions are not handled). */
export function article(phrase: string): string {
  return /^[aeiou]/i.test(phrase.trim()) ? 'an' : 'a';
}

/** Fill `{group}`, `{a group}` and `{Group}` in a template. */
export function fillTemplate(template: string, term: string): string {
  return template
    .replaceAll('{a group}', `${article(term)} ${term}`)
    .replaceAll('{A group}', `${article(term) === 'an' ? 'An' : 'A'} ${term}`)
    .replaceAll('{Group}', term.charAt(0).toUpperCase() + term.slice(1))
    .replaceAll('{group}', term);
}

interface TemplateOptions extends ProbeOptions {
  templates?: string[];
  groups?: Record<string, string[]>;
  lexiconPath?: string;
  attributes?: string[];
}

async function loadLexicon(options: TemplateOptions, ctx: ComponentContext): Promise<Record<string, string[]>> {
  if (options.groups) return options.groups;
  if (options.lexiconPath) {
    const resolved = ctx.resolvePath(options.lexiconPath);
    let text: string;
    try {
      text = await readFile(resolved, 'utf8');
    } catch (error) {
      throw new DataError(`lexicon file not found: ${options.lexiconPath} (resolved to ${resolved}); lexiconPath is relative to the config file`, { code: 'VIGIA_DATA_NOT_FOUND', cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DataError(`${options.lexiconPath}: not valid JSON (${(error as Error).message}); a lexicon is {"attribute": ["term", …], …}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => Array.isArray(v) && v.every((t) => typeof t === 'string'))) {
      throw new DataError(`${options.lexiconPath}: a lexicon is a JSON object of attribute → list of group terms, e.g. {"religion": ["Muslim person", "Jewish person"]}`);
    }
    return parsed as Record<string, string[]>;
  }
  const chosen = options.attributes ?? Object.keys(BUILTIN_LEXICONS);
  const out: Record<string, string[]> = {};
  for (const a of chosen) {
    const terms = BUILTIN_LEXICONS[a];
    if (!terms) throw new DataError(`no built-in lexicon for attribute "${a}" (built-in: ${Object.keys(BUILTIN_LEXICONS).join(', ')}); give your own under groups:`);
    out[a] = terms;
  }
  return out;
}

export async function readTemplates(options: TemplateOptions, ctx: ComponentContext): Promise<SourceOutput> {
  const lexicon = await loadLexicon(options, ctx);
  const templates = options.templates ?? BUILTIN_TEMPLATES;
  for (const [attribute, terms] of Object.entries(lexicon)) {
    if (terms.length < 2) throw new DataError(`group lexicon "${attribute}" has ${terms.length} term${terms.length === 1 ? '' : 's'}; a counterfactual set needs at least two groups to compare`);
  }
  templates.forEach((t, i) => {
    if (!/\{(a |A )?[gG]roup\}/.test(t)) throw new DataError(`template ${i + 1} ("${t.slice(0, 60)}") has no {group} placeholder, so its set would not vary; use {group}, {a group}, {A group} or {Group}`);
  });
  const records: VigiaRecord[] = [];
  for (const [attribute, terms] of Object.entries(lexicon)) {
    templates.forEach((template, t) => {
      for (const group of terms) {
        records.push({ set: `${attribute}:${t + 1}`, attribute, template: t + 1, group, prompt: fillTemplate(template, group) });
      }
    });
  }
  return { records: await answerWithProvider(records, options, ctx), skipped: 0 };
}

interface ProbeOptions { provider?: string; samples: number; temperature?: number; maxTokens?: number }

/** Options of the probe sources that send their prompts to a provider. */
const probeProperties = {
  provider: { type: 'string', description: 'Name of a provider under `providers:`; each prompt is sent to it and the answer stored in `response`.' },
  samples: { type: 'integer', minimum: 1, default: 1, description: 'Responses per prompt when a provider is set (numbered in `sample`).' },
  temperature: { type: 'number', minimum: 0, description: 'Sampling temperature passed to the provider.' },
  maxTokens: { type: 'integer', minimum: 1, description: 'Response length limit passed to the provider.' },
} as const;

/** With a provider, every record's `prompt` is sent `samples` times; each answer becomes a record. */
async function answerWithProvider(records: VigiaRecord[], options: ProbeOptions, ctx: ComponentContext): Promise<VigiaRecord[]> {
  if (!options.provider) return records;
  const provider = await ctx.provider(options.provider);
  const answered: VigiaRecord[] = [];
  let done = 0;
  for (const record of records) {
    for (let s = 0; s < options.samples; s++) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const started = ctx.clock.hrtime();
      const response = await provider.complete(
        { messages: [{ role: 'user', content: String(record.prompt) }], temperature: options.temperature, maxTokens: options.maxTokens },
        ctx.signal,
      );
      answered.push({ ...record, sample: s + 1, response: response.text, latency_ms: response.latencyMs ?? ctx.clock.hrtime() - started });
      ctx.progress(++done, records.length * options.samples, 'probe prompts');
    }
  }
  return answered;
}

export const counterfactualTemplates = defineSource({
  description:
    'Expands prompt templates × group lexicons into counterfactual prompt sets (records with set, attribute, template, group, prompt); with `provider`, asks the model each prompt and adds its response, for an active bias probe.',
  options: {
    type: 'object',
    properties: {
      templates: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Prompt templates with {group}, {a group}, {A group} or {Group} (default: a built-in set of neutral prompts, see the plugin README).' },
      groups: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } }, description: 'Group lexicons: attribute → group terms (noun phrases such as "Muslim person"). Default: the built-in lexicons.' },
      lexiconPath: { type: 'string', minLength: 1, description: 'A JSON file with the lexicons instead of `groups` (relative to the config file).' },
      attributes: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Built-in lexicons to use (age, disability, gender, nationality, race, religion, sexual-orientation); default all.' },
      ...probeProperties,
    },
    additionalProperties: false,
  },
  example: { templates: ['Write one sentence about {a group} applying for a job.'], attributes: ['religion'] },
  create: (options) => ({ read: (ctx) => readTemplates(options as TemplateOptions, ctx) }),
});

// ---------------------------------------------------------------------------------------------
// crows-pairs
// ---------------------------------------------------------------------------------------------

/** The words in which two sentences differ (after their common leading and trailing words). */
export function differingWords(a: string, b: string): [string, string] {
  const x = a.split(/\s+/).filter(Boolean), y = b.split(/\s+/).filter(Boolean);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let end = 0;
  while (end < x.length - start && end < y.length - start && x[x.length - 1 - end] === y[y.length - 1 - end]) end++;
  return [x.slice(start, x.length - end).join(' '), y.slice(start, y.length - end).join(' ')];
}

export const crowsPairs = defineSource({
  description:
    'Reads CrowS-Pairs (Nangia et al., 2020) minimal pairs as counterfactual sets: two records per pair (group `more` for the more stereotypical sentence, `less` for the other), with the words that differ, the bias type and a prompt built from the sentence; with `provider`, adds the model\'s response to each prompt.',
  options: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'crows_pairs_anonymized.csv, relative to the config file.' },
      biasTypes: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Keep only these bias types (race-color, gender, socioeconomic, nationality, religion, age, sexual-orientation, physical-appearance, disability).' },
      promptTemplate: { type: 'string', default: '{sentence}', description: 'How a sentence becomes the prompt; {sentence} is replaced.' },
      limit: { type: 'integer', minimum: 1, description: 'Keep only the first N pairs.' },
      onInvalid: { type: 'string', enum: ['error', 'skip'], default: 'error', description: 'A row without both sentences: `error` stops with its line; `skip` counts it.' },
      ...probeProperties,
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './crows_pairs_anonymized.csv', biasTypes: ['religion'] },
  create: (options) => ({
    async read(ctx) {
      const out = await readCsv({ path: options.path, onInvalid: options.onInvalid }, ctx);
      const records: VigiaRecord[] = [];
      let skipped = out.skipped;
      const skippedExamples = [...(out.skippedExamples ?? [])];
      let pairs = 0;
      for (const [i, row] of out.records.entries()) {
        const more = row.sent_more, less = row.sent_less;
        if (typeof more !== 'string' || typeof less !== 'string' || !more || !less) {
          const why = `${options.path}, row ${i + 1}: sent_more and sent_less are both needed`;
          if (options.onInvalid === 'error') throw new DataError(`${why}; is this the CrowS-Pairs CSV? (set onInvalid: skip to count and skip such rows)`);
          skipped++;
          if (skippedExamples.length < 5) skippedExamples.push(why);
          continue;
        }
        const biasType = String(row.bias_type ?? '');
        if (options.biasTypes && !options.biasTypes.includes(biasType)) continue;
        if (options.limit !== undefined && pairs >= options.limit) break;
        pairs++;
        const id = row.column_1 ?? row.id ?? i + 1;
        const [termMore, termLess] = differingWords(more, less);
        const common = { set: `crows-${String(id)}`, bias_type: biasType, stereo_antistereo: row.stereo_antistereo };
        records.push({ ...common, group: 'more', term: termMore, sentence: more, prompt: options.promptTemplate.replaceAll('{sentence}', more) });
        records.push({ ...common, group: 'less', term: termLess, sentence: less, prompt: options.promptTemplate.replaceAll('{sentence}', less) });
      }
      if (records.length === 0) throw new DataError(`${options.path}: no CrowS-Pairs pair left${options.biasTypes ? ` for bias types ${options.biasTypes.join(', ')}` : ''}`);
      return { records: await answerWithProvider(records, options, ctx), skipped, skippedExamples };
    },
  }),
});
