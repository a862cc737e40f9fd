/** The JWT replay memory kept in the store, so every replica refuses a token any replica has accepted.
 * While the database is unreachable, this process's own memory stands in (hook calls keep working; a token
 * replayed to another replica during the outage is the accepted risk), and each such check is reported.
 * After a failure the store is left alone for a few seconds, so that a database that hangs rather than
 * refuses does not add its timeout to every call. */
import { createHash } from 'crypto';
import { MemoryReplayCache, type ReplayMemory } from '../cds/auth';
import type { CdsStore } from './types';

/** How long the store is bypassed after it failed, by default. */
const BYPASS_MS = 5000;

export class StoreReplayMemory implements ReplayMemory {
  private readonly local: MemoryReplayCache;
  private bypassUntil = 0;

  constructor(
    private readonly store: CdsStore,
    private readonly onFallback: (error: Error) => void,
    private readonly bypassMs = BYPASS_MS,
    localLimit = 100_000,
  ) {
    this.local = new MemoryReplayCache(localLimit);
  }

  async remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    // Hashed: fixed width, and the issuer URL and token id stay out of the table.
    const hashed = createHash('sha256').update(key, 'utf8').digest('hex');
    if (Date.now() >= this.bypassUntil) {
      try {
        const fresh = await this.store.rememberToken(hashed, expiresAtMs, nowMs);
        // Also kept here, so that during an outage this replica still knows the tokens it accepted before.
        if (fresh) this.local.rememberNow(hashed, expiresAtMs, nowMs);
        return fresh;
      } catch (error) {
        this.bypassUntil = Date.now() + this.bypassMs;
        this.onFallback(error as Error);
      }
    }
    return this.local.rememberNow(hashed, expiresAtMs, nowMs);
  }
}
