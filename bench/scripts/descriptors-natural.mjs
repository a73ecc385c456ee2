// The default descriptor set on natural English (CrowS-Pairs sentences and distinct BBQ contexts from
// ../shared/data, grouped into ~100-word texts), per CPU second: a first pass with cold caches (a fresh
// engine, so the first sight of every word is paid) and a second pass. Medians of 4.
// `node bench/scripts/descriptors-natural.mjs [other checkouts' roots...]` (after `pnpm build`; each
// root's plugins/descriptors/dist is loaded, alternately, e.g. a build of main for an A/B).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const data = join(repo, '../shared/data');
if (!existsSync(join(data, 'crows-pairs')) || !existsSync(join(data, 'bbq'))) {
  console.log(`SKIP: ../shared/data/crows-pairs and ../shared/data/bbq are needed (see ../shared/data/README.md)`);
  process.exit(0);
}
const csv = readFileSync(`${data}/crows-pairs/crows_pairs_anonymized.csv`, 'utf8');
const sents = [];
const re = /^\d+,("(?:[^"]|"")*"|[^,]*),/gm;
for (let m; (m = re.exec(csv)); ) sents.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
const bbq = new Set();
for (const f of ['Age', 'Disability_status', 'Nationality', 'Physical_appearance', 'Religion', 'Sexual_orientation']) for (const line of readFileSync(`${data}/bbq/${f}.jsonl`, 'utf8').split('\n')) if (line) bbq.add(JSON.parse(line).context);
const all = [...sents, ...bbq];
const texts = [];
let cur = [];
let words = 0;
for (const s of all) { cur.push(s); words += s.split(/\s+/).length; if (words >= 100) { texts.push(cur.join(' ')); cur = []; words = 0; } }
const records = texts.map((response) => ({ response }));
const names = ['chars', 'words', 'tokens', 'refusal', 'sentiment', 'profanity', 'profane', 'pii', 'has_pii', 'language', 'readability', 'non_letter_share', 'valid_json'];
const paths = names.map((n) => `response.${n}`);
const opts = { patterns: {}, triggerWords: {}, refusalPatterns: [], profanityWords: [], languageMinLength: 20 };
const ctx = { resolvePath: (p) => p };
const roots = [repo, ...process.argv.slice(2).map((r) => resolve(r))];
const mods = await Promise.all(roots.map((r) => import(`file://${r}/plugins/descriptors/dist/index.js`)));
const distinct = new Set(texts.flatMap((t) => t.split(/\s+/))).size;
console.log(`${texts.length} texts of ~100 words (${sents.length} CrowS-Pairs sentences, ${bbq.size} BBQ contexts), ${roots.length} build(s), ${distinct} distinct whitespace tokens`);
const cold = roots.map(() => []);
const warm = roots.map(() => []);
for (let r = 0; r < 4; r++) for (let k = 0; k < roots.length; k++) {
  const e = new mods[k].DescriptorEngine(opts);
  await e.compute({ name: 'w', records: [{ response: 'warm up the lexicons and the language model' }], skipped: 0, origin: 'x' }, paths, ctx);
  let c = process.cpuUsage();
  await e.compute({ name: 'c', records, skipped: 0, origin: 'x' }, paths, ctx);
  let u = process.cpuUsage(c); cold[k].push(texts.length / ((u.user + u.system) / 1e6));
  c = process.cpuUsage();
  await e.compute({ name: 'c', records, skipped: 0, origin: 'x' }, paths, ctx);
  u = process.cpuUsage(c); warm[k].push(texts.length / ((u.user + u.system) / 1e6));
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
roots.forEach((r, k) => console.log(`${r}: first pass ${Math.round(med(cold[k])).toLocaleString('en-US')}/s per CPU second, second pass ${Math.round(med(warm[k])).toLocaleString('en-US')}/s (medians of 4)`));
