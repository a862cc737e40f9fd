/** The JWT replay memory kept in the store, so every replica refuses a token any replica has accepted.
 * While the database is unreachable, this process's own memory stands in (hook calls keep working; a token
 * replayed to another replica during the outage is the accepted risk), and each such check is reported. */
import { createHash } from 'crypto';
import { MemoryReplayCache, type ReplayMemory } from '../cds/auth';
import type { CdsStore } from './types';

export class StoreReplayMemory implements ReplayMemory {
  private readonly local: MemoryReplayCache;

  constructor(
    private readonly store: CdsStore,
    private readonly onFallback: (error: Error) => void,
    localLimit = 100_000,
  ) {
    this.local = new MemoryReplayCache(localLimit);
  }

  async remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    // Hashed: fixed width, and the issuer URL and token id stay out of the table.
    const hashed = createHash('sha256').update(key, 'utf8').digest('hex');
    try {
      return await this.store.rememberToken(hashed, expiresAtMs, nowMs);
    } catch (error) {
      this.onFallback(error as Error);
      return this.local.rememberNow(hashed, expiresAtMs, nowMs);
    }
  }
}
