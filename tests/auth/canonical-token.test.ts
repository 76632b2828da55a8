import { describe, expect, it } from 'vitest';
import { isCanonicalBase64Url, nonCanonicalReason } from '../../src/auth/canonical-token.ts';
import { REFERENCE_TOKEN } from '../support/reference.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every other string that a lenient decoder reads as the same bytes as `part`. */
function otherSpellings(part: string): string[] {
  const out = [`${part}=`, `${part}==`, `${part}\n`, ` ${part}`, part.replace(/-/g, '+').replace(/_/g, '/')];
  const unused = part.length % 4 === 2 ? 4 : part.length % 4 === 3 ? 2 : 0;
  const last = ALPHABET.indexOf(part.at(-1)!);
  for (let low = 1; low < 1 << unused; low++) out.push(part.slice(0, -1) + ALPHABET[last | low]);
  return out.filter((s) => s !== part);
}

describe('canonical base64url', () => {
  it('accepts the parts of the reference token and of every length', () => {
    for (const part of REFERENCE_TOKEN.split('.')) expect(isCanonicalBase64Url(part)).toBe(true);
    for (let n = 0; n < 8; n++) expect(isCanonicalBase64Url(Buffer.alloc(n, 0xff).toString('base64url'))).toBe(true);
    expect(nonCanonicalReason(REFERENCE_TOKEN)).toBeNull();
  });

  it('refuses padding, foreign characters, set unused bits and impossible lengths', () => {
    const signature = REFERENCE_TOKEN.split('.')[2]!;
    const spellings = otherSpellings(signature);
    expect(spellings.length).toBeGreaterThanOrEqual(17);
    for (const s of spellings) expect(isCanonicalBase64Url(s), JSON.stringify(s)).toBe(false);
    expect(isCanonicalBase64Url('A')).toBe(false);
    expect(isCanonicalBase64Url('AAAAA')).toBe(false);
  });

  it('names the part that is not canonical', () => {
    const [h, p, s] = REFERENCE_TOKEN.split('.');
    expect(nonCanonicalReason(`${h}=.${p}.${s}`)).toMatch(/^header is not canonical base64url/);
    expect(nonCanonicalReason(`${h}.${p}.${s}==`)).toMatch(/^signature is not canonical base64url/);
    expect(nonCanonicalReason(`${h}.${p}`)).toBe('expected 3 dot-separated parts, got 2');
  });
});
