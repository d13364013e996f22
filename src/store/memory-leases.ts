import type { LaneLease } from "../ports/outbox.js";

/**
 * The in-memory store's lane leases, shared by its outbox and its inbox so that each can take or let
 * go of a lease in the same synchronous step as it reads or changes its lane (see LaneTake).
 */
export class MemoryLeases {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();

  /** Takes the lease when it is free, expired at `now`, or already `holder`'s. */
  acquire(name: string, holder: string, now: number, expiresAt: number): boolean {
    const lease = this.leases.get(name);
    if (lease !== undefined && lease.holder !== holder && lease.expiresAt > now) return false;
    this.leases.set(name, { holder, expiresAt });
    return true;
  }

  renew(name: string, holder: string, now: number, expiresAt: number): boolean {
    const lease = this.leases.get(name);
    if (lease === undefined || lease.holder !== holder || lease.expiresAt <= now) return false;
    lease.expiresAt = expiresAt;
    return true;
  }

  release(name: string, holder: string): boolean {
    if (this.leases.get(name)?.holder !== holder) return false;
    return this.leases.delete(name);
  }

  /** A lane's head as a worker's take or completion returns it: with none, the worker's lease is let go (if still its own). */
  headOrRelease<T>(head: T | undefined, lease: LaneLease): T | undefined {
    if (head === undefined) this.release(lease.name, lease.holder);
    return head;
  }

  /** Of `names`, those another holder has, unexpired at `now`. */
  heldByOthers(names: string[], holder: string, now: number): string[] {
    return names.filter((name) => {
      const lease = this.leases.get(name);
      return lease !== undefined && lease.holder !== holder && lease.expiresAt > now;
    });
  }
}
