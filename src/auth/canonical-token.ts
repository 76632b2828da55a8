// A JWS compact token has exactly one spelling per content: base64url without
// padding, every character from the alphabet, and the unused low bits of the
// last character zero. Decoders (jose's included) accept other spellings of
// the same bytes, so one signed token would pass under many different strings
// (and miss the token cache under each). Only the canonical one is accepted.

import { base64url } from 'jose';

/** Null when every part of `token` is canonical base64url, else what is wrong. */
export function nonCanonicalReason(token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return `expected 3 dot-separated parts, got ${parts.length}`;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!isCanonicalBase64Url(part)) return `${PART_NAMES[i]} is not canonical base64url (no padding, only A-Z a-z 0-9 - _, unused bits zero)`;
  }
  return null;
}

const PART_NAMES = ['header', 'payload', 'signature'];
const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** True when re-encoding the decoded bytes gives `text` back. */
export function isCanonicalBase64Url(text: string): boolean {
  if (!ALPHABET.test(text) || text.length % 4 === 1) return false;
  try {
    return base64url.encode(base64url.decode(text)) === text;
  } catch {
    return false;
  }
}
