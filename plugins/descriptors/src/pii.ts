/**
 * PII and secrets by pattern plus checksum. Only counts leave this module: matched text is never
 * returned, stored or logged. Each kind's method and failure modes are in the plugin README.
 *
 * Kinds are matched in a fixed order; a matched span is blanked before the next kind runs, so a
 * card number is not also counted as a phone number.
 */

export const PII_KINDS = ['email', 'phone', 'credit_card', 'iban', 'ip', 'national_id', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];
export type PiiCounts = Record<PiiKind, number>;

/** Luhn (mod-10) check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN length per country (ISO 13616 registry, SEPA and common others). */
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18,
  DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22,
  MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
  SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** ISO 13616 mod-97 check of a compact IBAN (country length and remainder 1). */
export function ibanValid(compact: string): boolean {
  const iban = compact.toUpperCase();
  if (IBAN_LENGTH[iban.slice(0, 2)] !== iban.length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? code - 55 : code - 48;
    rem = (v >= 10 ? rem * 100 + v : rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** Card brands by issuer prefix and length (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). */
function cardBrandOk(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16 && n <= 19;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;
  if (p2 === 36 || p2 === 38 || (p4 >= 3000 && p4 <= 3059)) return n >= 14 && n <= 19;
  if (p2 === 62) return n >= 16 && n <= 19;
  return false;
}

/** US SSN format rules: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** Spanish DNI / NIE control letter (mod 23). */
export function dniValid(id: string): boolean {
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(id.toUpperCase());
  if (!m) return false;
  const prefix = m[1] ? String('XYZ'.indexOf(m[1])) : '';
  const num = Number(prefix + m[2]);
  return 'TRWAGMYFPDXBNJZSQVHLCKE'[num % 23] === m[3];
}

/** Brazilian CPF: two mod-11 check digits. */
export function cpfValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  for (const len of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += Number(digits[i]) * (len + 1 - i);
    const check = ((sum * 10) % 11) % 10;
    if (check !== Number(digits[len])) return false;
  }
  return true;
}

/** Chinese resident identity number: ISO 7064 MOD 11-2 check character, plausible birth date. */
export function cnIdValid(id: string): boolean {
  const s = id.toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  const month = Number(s.slice(10, 12));
  const day = Number(s.slice(12, 14));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * weights[i]!;
  return '10X98765432'[sum % 11] === s[17];
}

const B = '(?<![\\p{L}\\p{N}_@.-])'; // no word character (or part of an address/number) before
const E = '(?![\\p{L}\\p{N}_@-]|\\.[\\p{L}\\p{N}])'; // nor after (a final full stop is fine)

const SECRET = new RegExp([
  'AKIA[0-9A-Z]{16}', // AWS access key id
  'gh[pousr]_[A-Za-z0-9]{36,255}', // GitHub tokens
  'github_pat_[A-Za-z0-9_]{60,255}',
  'sk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{20,}', // OpenAI / Anthropic style
  'xox[abprs]-[A-Za-z0-9-]{10,}', // Slack
  'AIza[0-9A-Za-z_-]{35}', // Google API key
  '(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}', // Stripe
  'eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}', // JWT
  '-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----',
].map((p) => `${B}${p}`).join('|'), 'gu');
const EMAIL = new RegExp(`${B}[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\\.[A-Za-z]{2,24}${E}`, 'gu');
const IBAN = new RegExp(`${B}[A-Z]{2}\\d{2}(?:[ -]?[A-Z0-9]{1,4}){3,8}${E}`, 'gu');
const CARD = new RegExp(`${B}\\d(?:[ -]?\\d){12,18}${E}`, 'gu');
const SSN = new RegExp(`${B}(\\d{3})[- ](\\d{2})[- ](\\d{4})${E}`, 'gu');
const DNI = new RegExp(`${B}[XYZxyz]?-?\\d{7,8}-?[A-Za-z]${E}`, 'gu');
const CPF = new RegExp(`${B}\\d{3}\\.?\\d{3}\\.?\\d{3}-?\\d{2}${E}`, 'gu');
const CN_ID = new RegExp(`${B}\\d{17}[\\dXx]${E}`, 'gu');
const IPV4 = new RegExp(`${B}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}${E}`, 'gu');
/** Candidates only: {@link ipv6Valid} parses them. */
const IPV6 = new RegExp(`(?<![\\p{L}\\p{N}_@.:-])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\\p{L}\\p{N}_@:-]|\\.[\\p{L}\\p{N}])`, 'gu');
/** International (+CC …) or North-American style with separators; bare digit runs are not phones. */
const PHONE = new RegExp(
  `${B}(?:\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){1,4}|\\(\\d{3}\\)[ .-]?\\d{3}[ .-]\\d{4}|\\d{3}[.-]\\d{3}[.-]\\d{4}|0[1-9]\\d{0,3} \\d{2,4} \\d{2,4}(?: \\d{2,4})?)${E}`,
  'gu',
);

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** A full (8 groups) or `::`-compressed IPv6 address; times like 12:30:45 are neither. */
function ipv6Valid(s: string): boolean {
  const double = s.split('::').length - 1;
  if (double > 1 || /:::/.test(s)) return false;
  if (double === 0 && (s.startsWith(':') || s.endsWith(':'))) return false;
  const groups = s.split(':').filter((g) => g !== '');
  if (groups.some((g) => g.length === 0 || g.length > 4)) return false;
  if (double === 0) return groups.length === 8;
  return groups.length >= 2 && groups.length <= 7;
}

/** Blank a span so later kinds do not match it again. */
function blank(text: string, start: number, end: number): string {
  return text.slice(0, start) + ' '.repeat(end - start) + text.slice(end);
}

/** Count matches that pass `ok`; blank them (or, with `blankAll`, every candidate: an IBAN-shaped string is no phone). */
function scan(text: string, re: RegExp, ok: (m: RegExpExecArray) => boolean, blankAll = false): { count: number; text: string } {
  let count = 0;
  let out = text;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const good = ok(m);
    if (good) count++;
    if (good || blankAll) out = blank(out, m.index, m.index + m[0].length);
  }
  return { count, text: out };
}

/**
 * Whether a text can hold PII at all: every kind needs an ASCII digit, an @ or a key prefix
 * (`/[\d@]|-----BEGIN|AKIA|gh[pousr]_|sk-|xox|AIza|_live_|_test_|eyJ/`, tested as a character scan
 * and substring searches, which V8 runs far faster than that alternation).
 */
export function mayHavePii(text: string): boolean {
  const n = text.length;
  let underscore = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) continue;
    const kind = PII_ASCII[c]!;
    if (kind === 0) continue;
    if (kind === 1) return true; // a digit or @
    if (c === 45) {
      if ((i >= 2 && text.charCodeAt(i - 1) === 107 && text.charCodeAt(i - 2) === 115) || text.startsWith('-----BEGIN', i)) return true; // sk- -----BEGIN
    } else if (c === 65) {
      if (text.startsWith('AKIA', i) || text.startsWith('AIza', i)) return true;
    } else if (c === 95) underscore = true;
    else if (c === 120) {
      if (text.charCodeAt(i + 1) === 111 && text.charCodeAt(i + 2) === 120) return true; // xox
    } else if (c === 74) {
      if (i >= 2 && text.charCodeAt(i - 1) === 121 && text.charCodeAt(i - 2) === 101) return true; // eyJ
    }
  }
  return underscore && /gh[pousr]_|_live_|_test_/.test(text);
}

/** mayHavePii's ASCII classes: 1 a digit or @, 2 a character that can start or end a key prefix (- A _ x J), 0 the rest. */
const PII_ASCII = new Uint8Array(128);
for (let c = 48; c <= 57; c++) PII_ASCII[c] = 1;
PII_ASCII[64] = 1;
for (const ch of '-A_xJ') PII_ASCII[ch.charCodeAt(0)] = 2;

/** All zero (shared, frozen). */
export const NO_PII: Readonly<PiiCounts> = Object.freeze({ email: 0, phone: 0, credit_card: 0, iban: 0, ip: 0, national_id: 0, secret: 0 });

/** Count PII per kind in a text. Matched strings never leave this function. */
export function piiCounts(text: string): PiiCounts {
  const counts = countPii(text);
  return counts === NO_PII ? { ...NO_PII } : (counts as PiiCounts);
}

/** {@link piiCounts}, but a text without any candidate gets a shared frozen all-zero result (no allocation). Matched strings never leave this function. */
export function countPii(text: string): Readonly<PiiCounts> {
  // Every kind needs a digit, an @ or a key prefix: most texts are done here.
  if (!mayHavePii(text)) return NO_PII;
  const counts: PiiCounts = { email: 0, phone: 0, credit_card: 0, iban: 0, ip: 0, national_id: 0, secret: 0 };
  let t = text;
  let r = scan(t, SECRET, () => true);
  counts.secret = r.count;
  t = r.text;
  if (t.includes('@')) {
    r = scan(t, EMAIL, () => true);
    counts.email = r.count;
    t = r.text;
  }
  if (!/\d/.test(t)) return counts;
  // The pattern may run into a following capitalised word ("… 9117 I updated"): test the
  // country's IBAN length from the start of the match.
  r = scan(t, IBAN, (m) => {
    const compact = m[0].replace(/[ -]/g, '');
    const len = IBAN_LENGTH[compact.slice(0, 2)];
    return len !== undefined && compact.length >= len && ibanValid(compact.slice(0, len));
  }, true);
  counts.iban = r.count;
  t = r.text;
  r = scan(t, CARD, (m) => {
    const d = digitsOf(m[0]);
    return cardBrandOk(d) && luhnValid(d);
  });
  counts.credit_card = r.count;
  t = r.text;
  let ids = 0;
  r = scan(t, CN_ID, (m) => cnIdValid(m[0]));
  ids += r.count;
  t = r.text;
  r = scan(t, CPF, (m) => cpfValid(digitsOf(m[0])));
  ids += r.count;
  t = r.text;
  r = scan(t, DNI, (m) => dniValid(m[0].replace(/-/g, '')));
  ids += r.count;
  t = r.text;
  r = scan(t, SSN, (m) => ssnValid(m[1]!, m[2]!, m[3]!));
  ids += r.count;
  t = r.text;
  counts.national_id = ids;
  r = scan(t, IPV4, () => true);
  counts.ip = r.count;
  t = r.text;
  if (t.includes(':')) {
    r = scan(t, IPV6, (m) => ipv6Valid(m[0]));
    counts.ip += r.count;
    t = r.text;
  }
  r = scan(t, PHONE, (m) => {
    const n = digitsOf(m[0]).length;
    return n >= 8 && n <= 15;
  });
  counts.phone = r.count;
  return counts;
}
