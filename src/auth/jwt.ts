// JWT authentication as in the reference: the key in `main.jwt-public-key` is
// a base64 raw Ed25519 public key, only EdDSA-signed tokens are accepted, and
// signature and time claims (exp, nbf) are checked. Any other algorithm (none,
// HS256 "signed" with the public key bytes, ...) is refused before any
// signature check. Stricter than the reference: only the canonical base64url
// spelling of a token passes, and an `iat` in the future (beyond a small clock
// skew) is refused: a token cannot have been issued after now.

import { type CryptoKey, importJWK, jwtVerify } from 'jose';
import { nonCanonicalReason } from './canonical-token.ts';
import { DEFAULT_TOKEN_CACHE_SIZE, VerifiedTokenCache } from './token-cache.ts';

export interface Authenticator {
  /**
   * Null when the request may pass, else the reason it may not. Known answers
   * (no token, a token verified before and still cached, a malformed one) come
   * at once, without a promise; a signature to check, as a promise.
   */
  check(authorization: string | undefined): string | null | Promise<string | null>;
}

export interface JwtAuthenticatorOptions {
  cacheSize?: number;
  /** Clock in Unix seconds; for tests. */
  nowSeconds?: () => number;
}

export const MISSING_TOKEN = 'Use JWT Authentication';

/** Seconds an `iat` may lie ahead of our clock (the issuer's clock may run a little fast). */
export const IAT_SKEW_SECONDS = 60;

export async function createJwtAuthenticator(
  base64PublicKey: string,
  options: JwtAuthenticatorOptions = {},
): Promise<Authenticator> {
  const key = await importEd25519PublicKey(base64PublicKey);
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  const cache = new VerifiedTokenCache(options.cacheSize ?? DEFAULT_TOKEN_CACHE_SIZE, nowSeconds);

  const verify = async (token: string): Promise<string | null> => {
    try {
      const now = nowSeconds();
      const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: new Date(now * 1000) });
      if (typeof payload.iat === 'number' && payload.iat > now + IAT_SKEW_SECONDS) {
        return `invalid token: "iat" claim is ${Math.round(payload.iat - now)} s in the future (allowed clock skew ${IAT_SKEW_SECONDS} s)`;
      }
      cache.add(token, typeof payload.exp === 'number' ? payload.exp : Infinity);
      return null;
    } catch (e) {
      return `invalid token: ${describeJoseError(e)}`;
    }
  };

  return {
    check(authorization) {
      if (!authorization || !authorization.startsWith('Bearer ')) return MISSING_TOKEN;
      const token = authorization.slice('Bearer '.length);
      // Only tokens that passed every check below are cached, under their exact
      // spelling: another spelling of a cached token misses and is checked anew.
      if (cache.has(token)) return null;
      const nonCanonical = nonCanonicalReason(token);
      if (nonCanonical) return `invalid token: ${nonCanonical}`;
      return verify(token);
    },
  };
}

export async function importEd25519PublicKey(base64PublicKey: string): Promise<CryptoKey> {
  const raw = base64ToBytes(base64PublicKey);
  if (raw.length !== 32) throw new Error(`jwt-public-key: expected 32 bytes of an Ed25519 public key, got ${raw.length}`);
  return (await importJWK({ kty: 'OKP', crv: 'Ed25519', x: bytesToBase64Url(raw) }, 'EdDSA')) as CryptoKey;
}

function describeJoseError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function bytesToBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
