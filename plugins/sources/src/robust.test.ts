import { describe, expect, it } from 'vitest';
import { cannotOpen, sniffText } from './common.js';
import { duplicateKeyOf } from './jsonl.js';

describe('unreadable and non-UTF-8 files', () => {
  it('EACCES says how to fix the permission', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/data/x.jsonl'"), { code: 'EACCES' });
    const e = cannotOpen({ display: 'data/x.jsonl', resolved: '/data/x.jsonl' }, error);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe('cannot read data/x.jsonl (resolved to /data/x.jsonl): permission denied; check the permissions of the path and its parent directories (ls -l) (EACCES); let the user running vigia read it (e.g. chmod a+r data/x.jsonl) or copy it somewhere readable');
  });

  it('names UTF-16 (with or without a byte-order mark), UTF-32 and compressed files', () => {
    const utf16 = Buffer.from('{"a":1}\n', 'utf16le');
    expect(() => sniffText(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16]), 'x.jsonl')).toThrow(/UTF-16 \(little-endian, with a byte-order mark\)/);
    expect(() => sniffText(utf16, 'x.jsonl')).toThrow(/UTF-16 \(little-endian, no byte-order mark\)/);
    expect(() => sniffText(Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0]), 'x.jsonl')).toThrow(/UTF-32/);
    expect(() => sniffText(Buffer.from([0x1f, 0x8b, 8, 0]), 'x.jsonl')).toThrow(/gzip-compressed .* \.gz suffix/);
    expect(() => sniffText(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]), 'x.csv')).toThrow(/zstd-compressed/);
    expect(() => sniffText(Buffer.from('{"a": "é"}\n'), 'x.jsonl')).not.toThrow();
  });
});

describe('duplicate JSON keys', () => {
  const dup = (line: string) => duplicateKeyOf(line, JSON.parse(line));
  it('finds a repeated key at any depth, and not a `":` inside a string', () => {
    expect(dup('{"a":1,"a":2}')).toBe('a');
    expect(dup('{"a":{"b":1,"c":{"b":2,"b":3}}}')).toBe('b');
    expect(dup('{"a" : 1, "a" : 2}')).toBe('a');
    expect(dup('{"a\\u0062":1,"ab":2}')).toBe('ab');
    expect(dup('{"a":"x\\":y","b":[{"a":1},{"a":2}]}')).toBeUndefined();
    expect(dup('{"a":1,"b":{"a":2}}')).toBeUndefined();
  });
});
