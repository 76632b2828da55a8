// Signing test tokens with jose: a fresh Ed25519 key pair per test file.

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface TestKeys {
  /** The public key as main.jwt-public-key wants it: base64 of the raw 32 bytes. */
  publicKeyBase64: string;
  sign(claims?: Record<string, unknown>, expiresAt?: number): Promise<string>;
}

export async function createTestKeys(): Promise<TestKeys> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const { x } = await exportJWK(publicKey);
  return {
    publicKeyBase64: Buffer.from(x!, 'base64url').toString('base64'),
    async sign(claims = { user: 'test' }, expiresAt) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' });
      if (!('iat' in claims)) jwt.setIssuedAt();
      if (expiresAt !== undefined) jwt.setExpirationTime(expiresAt);
      return jwt.sign(privateKey);
    },
  };
}

/** A token with `alg: none` and no signature. */
export function unsignedToken(claims: Record<string, unknown> = { user: 'admin' }): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** HS256 "signed" with the public key bytes: the classic algorithm-confusion attack. */
export async function hs256WithPublicKey(publicKeyBase64: string): Promise<string> {
  return new SignJWT({ user: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(Buffer.from(publicKeyBase64, 'base64'));
}
