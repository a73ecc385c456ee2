/**
 * The `descriptors` field provider: per-record descriptors of a text field, addressed as
 * `descriptors.<text field>.<descriptor>` (the text field may itself be dotted, e.g.
 * `descriptors.attributes.output.refusal`). Only the descriptors a config references are computed.
 */
import { DataError, defineFieldProvider, getField, type ComponentContext, type Dataset } from '@vigia/core';
import { readFileSync } from 'node:fs';
import { countPii, NO_PII, PII_KINDS, type PiiCounts } from './pii.js';
import { createLanguageDetector } from './language.js';
import { compileRefusal } from './refusal.js';
import { isSpace, loadVaderLexicon, vaderCompound } from './sentiment.js';
import { approxTokens, charStats, fleschReadingEase, LowerWordSet, WordSpans } from './text.js';
import { P_CJK, P_LANGUAGE, P_PII, P_PROFANITY, P_SYLLABLES, P_VADER, P_WORDS, TokenPass } from './token-pass.js';
import type { LanguageDetector } from './language.js';

/** Fixed descriptor names, with what they return (the README documents each). */
export const DESCRIPTORS = {
  chars: 'characters (Unicode code points)',
  words: 'words (runs of letters and digits)',
  tokens: 'approximate BPE tokens (chars/4; one per CJK character)',
  refusal: 'boolean: the text opens with a documented refusal phrasing',
  sentiment: 'VADER compound score in [-1, 1]',
  profanity: 'share of words in the leo-profanity English list, in [0, 1]',
  profane: 'boolean: at least one word in the profanity list',
  pii: 'number of PII matches of every kind',
  has_pii: 'boolean: at least one PII match',
  ...Object.fromEntries(PII_KINDS.map((k) => [`pii.${k}`, `number of ${k.replace('_', ' ')} matches`])),
  language: 'ISO 639-1 code from eld (60 languages), `und` when undetermined',
  language_differs: "boolean: the language differs from the compared field's (both determined)",
  readability: 'Flesch reading ease (English formula; ~0–100, higher is easier)',
  non_letter_share: 'share of non-whitespace characters that are not letters, in [0, 1]',
  valid_json: 'boolean: the text (or a single ```json fenced block) parses as JSON',
  json_schema: 'boolean: valid JSON that satisfies descriptors.jsonSchema',
} as const;

export const descriptorsOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    patterns: {
      type: 'object',
      additionalProperties: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'object', additionalProperties: false, required: ['pattern'], properties: { pattern: { type: 'string', minLength: 1 }, flags: { type: 'string', pattern: '^[imsuy]*$' } } },
        ],
      },
      default: {},
      description: 'Named regular expressions: `descriptors.<field>.regex.<name>` is true when the text matches. A string is case-insensitive; `{ pattern, flags }` sets the flags.',
    },
    triggerWords: {
      type: 'object',
      additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      default: {},
      description: 'Named word or phrase lists: `descriptors.<field>.triggers.<name>` is true when the text contains one of them as whole words (case-insensitive).',
    },
    refusalPatterns: {
      type: 'array', items: { type: 'string', minLength: 1 }, default: [],
      description: 'Extra regular expressions (case-insensitive) that count as refusals, besides the built-in phrasings.',
    },
    profanityWords: {
      type: 'array', items: { type: 'string', minLength: 1 }, default: [],
      description: 'Extra words counted as profanity, besides the leo-profanity English list.',
    },
    jsonSchema: {
      anyOf: [{ type: 'object' }, { type: 'string', minLength: 1 }],
      description: 'A JSON Schema (inline, or a path relative to the config file) for `descriptors.<field>.json_schema`.',
    },
    compareLanguageWith: {
      type: 'string', minLength: 1,
      description: 'Field whose language `language_differs` compares against (default: `prompt`, or `response` for the prompt itself).',
    },
    languages: {
      type: 'array', items: { type: 'string', pattern: '^[a-z]{2}$' }, minItems: 2,
      description: 'Restrict language detection to these ISO 639-1 codes (e.g. [en, es, fr, de]): more accurate on short texts when the set is known. Default: the 60 languages of eld.',
    },
    languageMinLength: {
      type: 'integer', minimum: 1, default: 20,
      description: 'Texts shorter than this (characters) get language `und`: too short to tell.',
    },
  },
} as const;

export interface DescriptorOptions {
  patterns: Record<string, string | { pattern: string; flags?: string }>;
  triggerWords: Record<string, string[]>;
  refusalPatterns: string[];
  profanityWords: string[];
  jsonSchema?: Record<string, unknown> | string;
  compareLanguageWith?: string;
  languages?: string[];
  languageMinLength: number;
}

/** Split `response.refusal` / `attributes.output.pii.email` / `response.regex.apology` into text field and descriptor. */
export function parsePath(path: string, options: DescriptorOptions): { field: string; name: string } | { error: string } {
  for (const group of ['regex', 'triggers'] as const) {
    const m = new RegExp(`^(.+)\\.${group}\\.([^.]+)$`).exec(path);
    if (m) {
      const names = Object.keys(group === 'regex' ? options.patterns : options.triggerWords);
      if (!names.includes(m[2]!)) {
        const key = group === 'regex' ? 'patterns' : 'triggerWords';
        return { error: `no ${group === 'regex' ? 'pattern' : 'trigger-word list'} named "${m[2]}" (${names.length ? `defined: ${names.join(', ')}` : 'none defined'}); add descriptors.${key}.${m[2]}` };
      }
      return { field: m[1]!, name: `${group}.${m[2]}` };
    }
  }
  const m = /^(.+)\.(pii\.[a-z_]+)$/.exec(path) ?? /^(.+)\.([a-z_]+)$/.exec(path);
  if (!m || !(m[2]! in DESCRIPTORS)) {
    return { error: `unknown descriptor; write descriptors.<text field>.<name> with name one of ${Object.keys(DESCRIPTORS).join(', ')}, regex.<name> or triggers.<name>` };
  }
  if (m[2] === 'json_schema' && options.jsonSchema === undefined) return { error: 'json_schema needs a schema: set descriptors.jsonSchema' };
  return { field: m[1]!, name: m[2]! };
}

function escapeRegex(s: string): string {
  return s.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');
}

export function compileRegex(spec: string | { pattern: string; flags?: string }): RegExp {
  return typeof spec === 'string' ? new RegExp(spec, 'iu') : new RegExp(spec.pattern, spec.flags ?? '');
}

export function compileTriggers(list: readonly string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${list.map((w) => escapeRegex(w.trim()).replace(/\s+/g, '\\s+')).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

/** Check every option that compiles (regexes) up front, so a bad pattern is a config error. */
export function checkOptions(options: DescriptorOptions): string | undefined {
  for (const [name, spec] of Object.entries(options.patterns)) {
    try {
      compileRegex(spec);
    } catch (error) {
      return `descriptors.patterns.${name} is not a valid regular expression: ${(error as Error).message}`;
    }
  }
  for (const [i, p] of options.refusalPatterns.entries()) {
    try {
      new RegExp(p, 'iu');
    } catch (error) {
      return `descriptors.refusalPatterns[${i}] is not a valid regular expression: ${(error as Error).message}`;
    }
  }
  return undefined;
}

type Value = number | boolean | string | undefined;

/** Text of a field in each record: strings (numbers stringified); absent → undefined; objects are an error. */
function texts(dataset: Dataset, field: string): Array<string | undefined> {
  return dataset.records.map((record, i) => {
    const v = getField(record, field);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" is an object or array, not text; descriptors need a text field (name the text inside it, e.g. ${field}.content)`);
  });
}

/** Computes descriptors with shared per-text work; build with {@link createDescriptorEngine}. */
export class DescriptorEngine {
  #refusal: (text: string) => boolean;
  #profanity = new LowerWordSet([]);
  #spans = new WordSpans();
  #detectLanguage?: (text: string) => string;
  #detector?: LanguageDetector;
  #profanityLoaded = false;
  /** Token passes (with their caches), one per set of parts a descriptor list needs. */
  #passes = new Map<number, TokenPass>();
  #schema?: (value: unknown) => boolean;
  #regex = new Map<string, RegExp>();
  #triggers = new Map<string, RegExp>();

  constructor(readonly options: DescriptorOptions) {
    this.#refusal = compileRefusal(options.refusalPatterns);
    for (const [name, spec] of Object.entries(options.patterns)) this.#regex.set(name, compileRegex(spec));
    for (const [name, list] of Object.entries(options.triggerWords)) this.#triggers.set(name, compileTriggers(list));
  }

  /** Load what the named descriptors need (lexicons, the language model, the JSON Schema validator). */
  async prepare(names: readonly string[], resolvePath: (p: string) => string): Promise<void> {
    if (names.includes('sentiment')) await loadVaderLexicon();
    if ((names.includes('profanity') || names.includes('profane')) && !this.#profanityLoaded) {
      const leo = ((await import('leo-profanity')) as unknown as { default: { getDictionary(lang: string): string[] } }).default;
      this.#profanity = new LowerWordSet([...leo.getDictionary('en'), ...this.options.profanityWords].map((w) => w.toLowerCase()));
      this.#profanityLoaded = true;
      this.#passes.clear(); // a pass holds the word set it was made with
    }
    if ((names.includes('language') || names.includes('language_differs')) && !this.#detectLanguage) {
      // eld's "small" n-gram database (60 languages), scored by our port of eld's detect (same answers);
      // an own instance, so a subset stays ours.
      const detector = await createLanguageDetector();
      if (this.options.languages) {
        const kept = detector.setSubset(this.options.languages);
        const unknown = this.options.languages.filter((l) => !kept.includes(l));
        if (unknown.length) throw new DataError(`descriptors.languages: eld does not know ${unknown.join(', ')} (it detects 60 languages by ISO 639-1 code; see plugins/descriptors/README.md)`);
      }
      this.#detectLanguage = (text) => detector.detect(text) || 'und';
      this.#detector = detector;
      this.#passes.clear(); // a pass made before could not detect the language
    }
    if (names.includes('json_schema') && this.options.jsonSchema !== undefined && !this.#schema) {
      let schema = this.options.jsonSchema;
      if (typeof schema === 'string') {
        const file = resolvePath(schema);
        try {
          schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        } catch (error) {
          throw new DataError(`descriptors.jsonSchema: cannot read a JSON Schema from ${file}: ${(error as Error).message}`);
        }
      }
      const { Ajv } = await import('ajv');
      try {
        const validate = new Ajv({ allErrors: false, strict: false }).compile(schema);
        this.#schema = (v) => validate(v) as boolean;
      } catch (error) {
        throw new DataError(`descriptors.jsonSchema is not a valid JSON Schema: ${(error as Error).message}`);
      }
    }
  }

  language(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    if (text.trim().length < this.options.languageMinLength) return 'und';
    // The cost grows with length, and 300 characters decide the language of almost every text.
    return this.#detectLanguage!(text.length > LANGUAGE_SAMPLE ? text.slice(0, LANGUAGE_SAMPLE) : text);
  }

  /** Values of the named descriptors for one text (undefined text → every value undefined). */
  describe(text: string | undefined, names: readonly string[], out: Map<string, Value>): void {
    out.clear();
    if (text === undefined) return;
    const columns = names.map(() => new Array<Value>(1));
    this.#describeInto(text, names, this.#plan(names), columns, 0);
    names.forEach((name, k) => out.set(name, columns[k]![0]));
  }

  /** How a list of descriptors is computed: the codes, and the token pass when one serves them. */
  #plan(names: readonly string[]): DescribePlan {
    const codes = codesOf(names);
    let mask = 0;
    let groups = 0;
    for (let k = 0; k < names.length; k++) {
      const code = codes[k]!;
      const part =
        code === C_CHARS || code === C_NON_LETTER || code === C_WORDS ? P_WORDS
        : code === C_READABILITY ? P_WORDS | P_SYLLABLES
        : code === C_PROFANITY || code === C_PROFANE ? P_WORDS | P_PROFANITY
        : code === C_TOKENS ? P_CJK
        : code === C_SENTIMENT ? P_VADER
        : code === C_LANGUAGE && this.#detector?.fast ? P_LANGUAGE
        : code === C_OTHER && (names[k] === 'pii' || names[k] === 'has_pii' || names[k]!.startsWith('pii.')) ? P_PII
        : 0;
      if (part & ~mask) groups++;
      mask |= part;
    }
    // One descriptor of the cheap kinds alone (characters, tokens, the PII pre-check) is faster by its own scan.
    if (!(mask & (P_SYLLABLES | P_PROFANITY | P_VADER | P_LANGUAGE)) && groups < 2) mask = 0;
    let pass: TokenPass | undefined;
    if (mask !== 0) {
      pass = this.#passes.get(mask);
      if (!pass) {
        pass = new TokenPass(mask, this.#profanity, this.#detector ? { detector: this.#detector, sample: LANGUAGE_SAMPLE } : undefined);
        this.#passes.set(mask, pass);
      }
    }
    return { codes, fused: needsBoth(codes), pass, wholeText: mask !== P_LANGUAGE };
  }

  /** Write the named descriptors of one text into columns[k][i]; shared work (word spans, PII) is done once. */
  #describeInto(text: string, names: readonly string[], plan: DescribePlan, columns: unknown[][], i: number): void {
    const { codes, pass } = plan;
    if (pass && pass.policy.use()) {
      this.#describeByPass(text, names, plan, pass, columns, i);
      pass.policy.ran(pass);
      return;
    }
    const spans = this.#spans;
    let scanned = false;
    let stats: Int32Array | undefined; // chars, non-letter share and sentences: one pass for all
    // When both the word spans and the character counts are needed, one pass gives both.
    if (plan.fused) {
      stats = spans.scanWithStats(text);
      scanned = true;
    }
    let pii: Readonly<PiiCounts> | undefined;
    let bad = -1;
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      const code = codes[k]!;
      // Each case stores its value itself: a number never passes through a variable that also holds
      // booleans and strings (which would box it on the heap, once per record and descriptor).
      const col = columns[k]!;
      switch (code) {
        case C_CHARS: col[i] = (stats ??= charStats(text))[0]; break;
        case C_WORDS:
          if (!scanned) { spans.scan(text); scanned = true; }
          col[i] = spans.count;
          break;
        case C_TOKENS: col[i] = approxTokens(text); break;
        case C_REFUSAL: col[i] = this.#refusal(text); break;
        case C_SENTIMENT: col[i] = vaderCompound(text); break;
        case C_PROFANITY:
        case C_PROFANE: {
          if (!scanned) { spans.scan(text); scanned = true; }
          if (bad < 0) {
            // counted once when both profanity and profane are asked for
            bad = 0;
            for (let w = 0; w < spans.count; w++) if (this.#profanity.hasSpan(text, spans.starts[w]!, spans.ends[w]!)) bad++;
          }
          col[i] = code === C_PROFANE ? bad > 0 : spans.count === 0 ? 0 : bad / spans.count;
          break;
        }
        case C_READABILITY:
          if (!scanned) { spans.scan(text); scanned = true; }
          stats ??= charStats(text);
          col[i] = fleschReadingEase(text, spans, stats[3]);
          break;
        case C_NON_LETTER:
          stats ??= charStats(text);
          col[i] = stats[1] === 0 ? undefined : stats[2]! / stats[1]!;
          break;
        case C_VALID_JSON: col[i] = parseJson(text) !== NOT_JSON; break;
        case C_JSON_SCHEMA: {
          const parsed = parseJson(text);
          col[i] = parsed !== NOT_JSON && this.#schema!(parsed);
          break;
        }
        case C_LANGUAGE: col[i] = this.language(text); break;
        case C_LANGUAGE_DIFFERS: col[i] = undefined; break; // needs the compared field: computed by the caller
        default:
          if (isPiiName(name)) col[i] = piiValue(name, (pii ??= countPii(text)));
          else this.#other(text, name, col, i);
      }
    }
  }

  /** Regexes and trigger words. */
  #other(text: string, name: string, col: unknown[], i: number): void {
    if (name.startsWith('regex.')) {
      const re = this.#regex.get(name.slice(6))!;
      re.lastIndex = 0;
      col[i] = re.test(text);
    } else if (name.startsWith('triggers.')) {
      col[i] = this.#triggers.get(name.slice(9))!.test(text);
    }
  }

  /** {@link #describeInto} with the token pass: one scan of the text (cached per token) for every descriptor it serves. */
  #describeByPass(text: string, names: readonly string[], plan: DescribePlan, pass: TokenPass, columns: unknown[][], i: number): void {
    const codes = plan.codes;
    const longEnough = trimmedLength(text) >= this.options.languageMinLength;
    pass.run(text, longEnough, plan.wholeText);
    let pii: Readonly<PiiCounts> | undefined;
    for (let k = 0; k < names.length; k++) {
      const code = codes[k]!;
      const col = columns[k]!;
      switch (code) {
        case C_CHARS: col[i] = pass.chars; break;
        case C_WORDS: col[i] = pass.words; break;
        case C_TOKENS: col[i] = text.length === 0 ? 0 : pass.cjk + Math.ceil((text.length - pass.cjk) / 4); break;
        case C_REFUSAL: col[i] = this.#refusal(text); break;
        case C_SENTIMENT: col[i] = pass.sentiment; break;
        case C_PROFANITY: col[i] = pass.words === 0 ? 0 : pass.profane / pass.words; break;
        case C_PROFANE: col[i] = pass.profane > 0; break;
        case C_READABILITY: {
          const n = pass.words;
          col[i] = n === 0 ? undefined : 206.835 - 1.015 * (n / pass.sentences) - 84.6 * (pass.syllables / n);
          break;
        }
        case C_NON_LETTER: col[i] = pass.total === 0 ? undefined : pass.nonLetter / pass.total; break;
        case C_VALID_JSON: col[i] = parseJson(text) !== NOT_JSON; break;
        case C_JSON_SCHEMA: {
          const parsed = parseJson(text);
          col[i] = parsed !== NOT_JSON && this.#schema!(parsed);
          break;
        }
        case C_LANGUAGE:
          col[i] = !longEnough ? 'und' : pass.language === undefined ? this.language(text) : pass.language || 'und';
          break;
        case C_LANGUAGE_DIFFERS: col[i] = undefined; break;
        default: {
          const name = names[k]!;
          if (isPiiName(name)) col[i] = piiValue(name, (pii ??= pass.mayHavePii ? countPii(text) : NO_PII));
          else this.#other(text, name, col, i);
        }
      }
    }
  }

  /** Over this engine's token passes: tokens looked up, not cached, and texts described text by text instead. */
  get passStats(): { lookups: number; misses: number; bypassed: number } {
    const stats = { lookups: 0, misses: 0, bypassed: 0 };
    for (const pass of this.#passes.values()) {
      stats.lookups += pass.lookups;
      stats.misses += pass.misses;
      stats.bypassed += pass.policy.bypassed;
    }
    return stats;
  }

  /** Columns for `<field>.<name>` paths over a dataset. */
  async compute(dataset: Dataset, paths: readonly string[], ctx: Pick<ComponentContext, 'resolvePath'>): Promise<Map<string, unknown[]>> {
    const byField = new Map<string, Array<{ path: string; name: string }>>();
    for (const path of paths) {
      const parsed = parsePath(path, this.options);
      if ('error' in parsed) throw new DataError(`descriptors.${path}: ${parsed.error}`);
      let list = byField.get(parsed.field);
      if (!list) byField.set(parsed.field, (list = []));
      list.push({ path, name: parsed.name });
    }
    await this.prepare(paths.map((p) => (parsePath(p, this.options) as { name: string }).name), ctx.resolvePath);
    const result = new Map<string, unknown[]>();
    for (const [field, wanted] of byField) {
      const names = wanted.map((w) => w.name);
      const columns = wanted.map((w) => {
        const col = new Array<unknown>(dataset.records.length);
        result.set(w.path, col);
        return col;
      });
      const fieldTexts = texts(dataset, field);
      const plan = this.#plan(names);
      for (let i = 0; i < fieldTexts.length; i++) {
        const text = fieldTexts[i];
        if (text !== undefined) this.#describeInto(text, names, plan, columns, i);
        else for (let k = 0; k < names.length; k++) columns[k]![i] = undefined;
      }
      const differs = wanted.findIndex((w) => w.name === 'language_differs');
      if (differs >= 0) {
        const other = this.options.compareLanguageWith ?? (field === 'prompt' ? 'response' : 'prompt');
        const otherTexts = texts(dataset, other);
        const col = columns[differs]!;
        const own = names.indexOf('language');
        fieldTexts.forEach((text, i) => {
          const a = own >= 0 ? (columns[own]![i] as string | undefined) : this.language(text);
          const b = this.language(otherTexts[i]);
          col[i] = a === undefined || b === undefined || a === 'und' || b === 'und' ? undefined : a !== b;
        });
      }
    }
    return result;
  }
}

const [C_OTHER, C_CHARS, C_WORDS, C_TOKENS, C_REFUSAL, C_SENTIMENT, C_PROFANITY, C_PROFANE, C_READABILITY, C_NON_LETTER, C_VALID_JSON, C_JSON_SCHEMA, C_LANGUAGE, C_LANGUAGE_DIFFERS] = Array.from({ length: 14 }, (_, k) => k) as number[];
const CODES: Record<string, number> = {
  chars: C_CHARS!, words: C_WORDS!, tokens: C_TOKENS!, refusal: C_REFUSAL!, sentiment: C_SENTIMENT!, profanity: C_PROFANITY!, profane: C_PROFANE!,
  readability: C_READABILITY!, non_letter_share: C_NON_LETTER!, valid_json: C_VALID_JSON!, json_schema: C_JSON_SCHEMA!, language: C_LANGUAGE!, language_differs: C_LANGUAGE_DIFFERS!,
};

/** Descriptor names as small integers, so the per-record switch compares numbers, not strings. */
function codesOf(names: readonly string[]): Int32Array {
  return Int32Array.from(names, (n) => (Object.hasOwn(CODES, n) ? CODES[n]! : C_OTHER!));
}

/** Whether the descriptors need both the word spans and the character counts (then one pass gives both). */
function needsBoth(codes: Int32Array): boolean {
  const has = (...c: number[]) => codes.some((x) => c.includes(x));
  return has(C_READABILITY!) || (has(C_WORDS!, C_PROFANITY!, C_PROFANE!) && has(C_CHARS!, C_NON_LETTER!));
}

interface DescribePlan {
  codes: Int32Array;
  /** Word spans and character counts in one scan (without a pass). */
  fused: boolean;
  pass: TokenPass | undefined;
  /** false: the pass serves only the language (it reads the sample, not the whole text). */
  wholeText: boolean;
}

const isPiiName = (name: string): boolean => name === 'pii' || name === 'has_pii' || name.startsWith('pii.');

function piiValue(name: string, pii: Readonly<PiiCounts>): number | boolean {
  let total = 0;
  for (const kind of PII_KINDS) total += pii[kind];
  return name === 'pii' ? total : name === 'has_pii' ? total > 0 : pii[name.slice(4) as keyof PiiCounts];
}

/** text.trim().length, without the string. */
function trimmedLength(text: string): number {
  let a = 0;
  let b = text.length;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  return b - a;
}

/** Characters of a text the language detector reads: enough for almost any text. */
export const LANGUAGE_SAMPLE = 300;

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  let t = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(t);
  if (fenced) t = fenced[1]!.trim();
  if (t.length === 0 || !(t[0] === '{' || t[0] === '[' || t[0] === '"' || t[0] === '-' || (t[0]! >= '0' && t[0]! <= '9') || t === 'true' || t === 'false' || t === 'null')) return NOT_JSON;
  try {
    return JSON.parse(t);
  } catch {
    return NOT_JSON;
  }
}

export const descriptorsProvider = defineFieldProvider({
  description: 'Text descriptors of any text field as virtual fields `descriptors.<field>.<name>`: length, refusal, sentiment, profanity, PII counts, language, readability, non-letter share, JSON validity, regexes and trigger words.',
  options: descriptorsOptionsSchema,
  check(path, options) {
    const problem = checkOptions(options as unknown as DescriptorOptions);
    if (problem) return problem;
    const parsed = parsePath(path, options as unknown as DescriptorOptions);
    return 'error' in parsed ? parsed.error : undefined;
  },
  create(options) {
    const engine = new DescriptorEngine(options as unknown as DescriptorOptions);
    return { compute: (dataset, paths, ctx) => engine.compute(dataset, paths, ctx) };
  },
});
