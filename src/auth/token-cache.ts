// Tokens whose signature was already checked, so a collector or cc-backend
// that sends the same token with every request costs one signature check.
// Bounded: cc-backend mints short-lived tokens, and the set must not grow with
// the lifetime of the process.

export const DEFAULT_TOKEN_CACHE_SIZE = 1024;

export class VerifiedTokenCache {
  /** Raw token -> expiry in Unix seconds (Infinity for a token without `exp`), oldest use first. */
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly capacity = DEFAULT_TOKEN_CACHE_SIZE,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  /** True when `token` was verified and has not expired since; an expired entry is dropped. */
  has(token: string): boolean {
    const expiry = this.expiries.get(token);
    if (expiry === undefined) return false;
    this.expiries.delete(token);
    if (expiry <= this.nowSeconds()) return false;
    this.expiries.set(token, expiry); // most recently used goes last
    return true;
  }

  add(token: string, expiry: number): void {
    this.expiries.delete(token);
    if (this.expiries.size >= this.capacity) this.evictExpired();
    if (this.expiries.size >= this.capacity) {
      // Still full of live tokens: forget the least recently used one.
      this.expiries.delete(this.expiries.keys().next().value!);
    }
    this.expiries.set(token, expiry);
  }

  private evictExpired(): void {
    const now = this.nowSeconds();
    for (const [token, expiry] of this.expiries) {
      if (expiry <= now) this.expiries.delete(token);
    }
  }
}
