import type { LaneLease } from "../ports/outbox.js";
import type { SqliteConnection } from "./sqlite-driver.js";

/**
 * The SQLite store's lane leases (table warmline_lease), as statements to run inside the caller's
 * transaction: the outbox and the inbox take or let go of a lease in the same write as they read or
 * change their lane. Expiry is decided by the store's clock (`now`).
 */
export class SqliteLeases {
  constructor(private readonly db: SqliteConnection) {}

  /** Takes a free lane, an expired lease or the holder's own; true if it did. */
  acquire(name: string, holder: string, now: number, expiresAt: number): boolean {
    // One statement: RETURNING says whether the insert or the update happened.
    return (
      this.db.get(
        `INSERT INTO warmline_lease(lane, holder, expires_at) VALUES(?, ?, ?)
         ON CONFLICT(lane) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE warmline_lease.holder = excluded.holder OR warmline_lease.expires_at <= ?
         RETURNING lane`,
        name,
        holder,
        expiresAt,
        now,
      ) !== undefined
    );
  }

  renew(name: string, holder: string, now: number, expiresAt: number): boolean {
    return (
      this.db.get(
        "UPDATE warmline_lease SET expires_at = ? WHERE lane = ? AND holder = ? AND expires_at > ? RETURNING lane",
        expiresAt,
        name,
        holder,
        now,
      ) !== undefined
    );
  }

  release(name: string, holder: string): boolean {
    return this.db.get("DELETE FROM warmline_lease WHERE lane = ? AND holder = ? RETURNING lane", name, holder) !== undefined;
  }

  /** A lane's head as a worker's take or completion returns it: with none, the worker's lease is let go (if still its own). */
  headOrRelease<T>(head: T | undefined, lease: LaneLease): T | undefined {
    if (head === undefined) this.release(lease.name, lease.holder);
    return head;
  }

  /** Of `names`, those another holder has, unexpired at `now`. */
  heldByOthers(names: string[], holder: string, now: number): string[] {
    // The table holds only the leases of lanes being worked (a release deletes its row): read them all, once.
    const held = new Set(
      this.db.all<{ lane: string }>("SELECT lane FROM warmline_lease WHERE holder != ? AND expires_at > ?", holder, now).map((r) => r.lane),
    );
    return names.filter((name) => held.has(name));
  }
}
