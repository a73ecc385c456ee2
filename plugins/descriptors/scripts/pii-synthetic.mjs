#!/usr/bin/env node
// A labelled synthetic PII set: texts with planted emails, phones, cards (Luhn-valid), IBANs
// (mod-97-valid), IPs, national ids (valid US SSN format, ES DNI, BR CPF, CN resident id) and
// API-key-shaped secrets, mixed with look-alikes that are NOT PII (Luhn-invalid card-like numbers,
// IBANs with a wrong check, SSNs with area 000/666/9xx, dates, times, versions, ISBNs, prices,
// order numbers). Seeded: the same seed gives the same set. Used by the PII test and the
// descriptors benchmark; `node pii-synthetic.mjs [n] [seed]` prints it as JSONL.
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@vigia/random';

export const KINDS = ['email', 'phone', 'credit_card', 'iban', 'ip', 'national_id', 'secret'];

export function generatePiiSet(n = 1200, seed = 20261128) {
  const rnd = mulberry32(seed);
  const int = (k) => Math.floor(rnd() * k);
  const pick = (xs) => xs[int(xs.length)];
  const digits = (k) => Array.from({ length: k }, () => int(10)).join('');
  const alnum = (k, chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') => Array.from({ length: k }, () => chars[int(chars.length)]).join('');
  const luhnDigit = (body) => {
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
      let d = Number(body[body.length - 1 - i]);
      if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return String((10 - (sum % 10)) % 10);
  };
  const mod97 = (s) => { let r = 0; for (const ch of s) { const c = ch.charCodeAt(0); const v = c >= 65 ? c - 55 : c - 48; r = (v >= 10 ? r * 100 + v : r * 10 + v) % 97; } return r; };
  const group = (s, size, sep) => s.match(new RegExp(`.{1,${size}}`, 'g')).join(sep);

  const card = (valid = true) => {
    const brand = pick([['4', 16], ['5' + (1 + int(5)), 16], ['3' + pick(['4', '7']), 15], ['6011', 16]]);
    const body = brand[0] + digits(brand[1] - brand[0].length - 1);
    let check = luhnDigit(body);
    if (!valid) check = String((Number(check) + 1 + int(9)) % 10);
    const d = body + check;
    const style = int(3);
    return style === 0 ? d : brand[1] === 15 ? `${d.slice(0, 4)}${style === 1 ? ' ' : '-'}${d.slice(4, 10)}${style === 1 ? ' ' : '-'}${d.slice(10)}` : group(d, 4, style === 1 ? ' ' : '-');
  };
  const iban = (valid = true) => {
    const [cc, bban] = pick([['DE', () => digits(18)], ['GB', () => alnum(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(14)], ['FR', () => digits(23)], ['ES', () => digits(20)], ['NL', () => alnum(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(10)], ['IT', () => 'X' + digits(22)]]);
    const b = bban();
    let check = 98 - mod97(b + cc + '00');
    if (!valid) check = ((check + 1 + int(90)) % 97) + 2;
    const s = cc + String(check).padStart(2, '0') + b;
    return int(2) ? s : group(s, 4, ' ');
  };
  const ssn = (valid = true) => {
    let area;
    if (valid) do { area = 1 + int(899); } while (area === 666);
    else area = pick([0, 666, 900 + int(99)]);
    return `${String(area).padStart(3, '0')}-${String(1 + int(99)).padStart(2, '0')}-${String(1 + int(9999)).padStart(4, '0')}`;
  };
  const dni = (valid = true) => {
    const nie = int(3) === 0;
    const prefix = nie ? pick(['X', 'Y', 'Z']) : '';
    const num = digits(nie ? 7 : 8);
    const letters = 'TRWAGMYFPDXBNJZSQVHLCKE';
    const idx = Number((nie ? String('XYZ'.indexOf(prefix)) : '') + num) % 23;
    const letter = valid ? letters[idx] : letters[(idx + 1 + int(22)) % 23];
    return `${prefix}${num}${int(2) ? '-' : ''}${letter}`;
  };
  const cpf = () => {
    const d = digits(9).split('').map(Number);
    for (const len of [9, 10]) {
      let sum = 0;
      for (let i = 0; i < len; i++) sum += d[i] * (len + 1 - i);
      d.push(((sum * 10) % 11) % 10);
    }
    const s = d.join('');
    return int(2) ? `${s.slice(0, 3)}.${s.slice(3, 6)}.${s.slice(6, 9)}-${s.slice(9)}` : s;
  };
  const cnId = () => {
    const body = `${110000 + int(500000)}${1950 + int(60)}${String(1 + int(12)).padStart(2, '0')}${String(1 + int(28)).padStart(2, '0')}${digits(3)}`;
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i];
    return body + '10X98765432'[sum % 11];
  };
  const gen = {
    email: () => `${pick(['john', 'maria.lopez', 'a.smith', 'li_wei', 'ops-team', 'k.tanaka'])}${int(100)}@${pick(['example.com', 'mail.co.uk', 'corp.example.org', 'uni.edu', 'web.de'])}`,
    phone: () => pick([
      () => `+1 ${200 + int(700)}-${200 + int(700)}-${digits(4)}`,
      () => `(${200 + int(700)}) ${200 + int(700)}-${digits(4)}`,
      () => `+44 20 ${digits(4)} ${digits(4)}`,
      () => `+49 30 ${digits(7)}`,
      () => `${200 + int(700)}.${200 + int(700)}.${digits(4)}`,
      () => `+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
      () => `030 ${digits(4)} ${digits(4)}`,
    ])(),
    credit_card: () => card(true),
    iban: () => iban(true),
    ip: () => (int(4) ? `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}` : pick([`2001:db8:${alnum(4, '0123456789abcdef')}::${alnum(3, '0123456789abcdef')}`, `fe80::${alnum(4, '0123456789abcdef')}:${alnum(4, '0123456789abcdef')}:${alnum(2, '0123456789abcdef')}`, Array.from({ length: 8 }, () => alnum(4, '0123456789abcdef')).join(':')])),
    national_id: () => pick([ssn, dni, cpf, cnId])(),
    secret: () => pick([
      () => `AKIA${alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      () => `ghp_${alnum(36)}`,
      () => `sk-proj-${alnum(40)}`,
      () => `xoxb-${digits(11)}-${digits(12)}-${alnum(24)}`,
      () => `AIza${alnum(35)}`,
      () => `eyJ${alnum(20)}.eyJ${alnum(30)}.${alnum(43)}`,
    ])(),
  };
  const decoys = [
    () => `order #${card(false).replace(/\D/g, '')}`,
    () => `card ending in ${digits(4)}`,
    () => `reference ${iban(false)}`,
    () => `ticket ${ssn(false)}`,
    () => `invalid id ${dni(false)}`,
    () => `on ${2000 + int(26)}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`,
    () => `at ${String(int(24)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')}`,
    () => `version ${int(10)}.${int(30)}.${int(100)}`,
    () => `ISBN 978-${int(10)}-${digits(3)}-${digits(5)}-${int(10)}`,
    () => `costs $${1 + int(9)},${digits(3)}.${digits(2)}`,
    () => `${digits(6)} steps`,
    () => `tracking 1Z${alnum(6, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}${digits(10)}`,
    () => `user@localhost`,
    () => `${int(1000)} + ${int(1000)} = ${int(2000)}`,
    () => `ratio 3:${int(10)}`,
  ];
  const fillers = [
    'Sure, here is the summary you asked for.', 'Please review the details below.', 'The customer wrote back today.',
    'Thanks for reaching out to support.', 'I updated the record as requested.', 'Let me know if anything else is needed.',
    'The invoice was sent on Monday.', 'Our team will follow up shortly.',
  ];
  const items = [];
  for (let i = 0; i < n; i++) {
    const counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
    const parts = [pick(fillers)];
    const planted = int(4); // 0–3 PII items
    for (let j = 0; j < planted; j++) {
      const kind = pick(KINDS);
      counts[kind]++;
      parts.push(`${pick(['Contact:', 'Details:', 'Use', 'Value', 'Saved as', 'Note -'])} ${gen[kind]()}${pick(['.', ',', '', ' and'])}`);
    }
    const nDecoys = int(3);
    for (let j = 0; j < nDecoys; j++) parts.push(`Also ${pick(decoys)()}.`);
    parts.push(pick(fillers));
    // shuffle the middle parts
    for (let j = parts.length - 2; j > 1; j--) {
      const k = 1 + int(j);
      [parts[j], parts[k]] = [parts[k], parts[j]];
    }
    items.push({ text: parts.join(' '), counts });
  }
  return items;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1200);
  const seed = Number(process.argv[3] ?? 20261128);
  for (const item of generatePiiSet(n, seed)) process.stdout.write(`${JSON.stringify(item)}\n`);
}
