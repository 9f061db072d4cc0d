/**
 * The relay of HTTP fallback posts between instances (migration 0022, `core/fallback/streams.ts`):
 * a post stored for the instance holding its stream, taken by that instance, swept when nobody
 * took it. Plain SQL, so it runs on Postgres and PGlite alike (only a cluster on Postgres relays).
 *
 * @module
 */

import type { Queryable } from "./driver.ts";
import type { RelayedPost, RelayStore } from "../core/fallback/streams.ts";
import { integer, text } from "./rows.ts";

/**
 * $1 instance, $2 stream, $3 first index, $4 frames (JSON text). Stored only while the instance
 * is a live member of the cluster: a post for a dead one would wait for nobody.
 */
const INSERT = `
INSERT INTO fallback_relay (instance_id, stream_id, n, frames)
SELECT $1, $2, $3, $4::text::jsonb
WHERE EXISTS (SELECT 1 FROM cluster_instances WHERE id = $1 AND expires_at > now())
RETURNING id`;

/** $1 instance. Oldest first: the order the posts were relayed in. */
const TAKE = `
WITH taken AS (DELETE FROM fallback_relay WHERE instance_id = $1 RETURNING id, stream_id, n, frames)
SELECT stream_id, n, frames FROM taken ORDER BY id`;

/** The relay's queries. */
export class FallbackRelayStore implements RelayStore {
  readonly #db: Queryable;

  /** Over a migrated database. */
  constructor(db: Queryable) {
    this.#db = db;
  }

  /** See {@link RelayStore.insert}. */
  async insert(instanceId: string, post: RelayedPost): Promise<boolean> {
    const rows = await this.#db.query(INSERT, [
      instanceId,
      post.streamId,
      post.n,
      JSON.stringify(post.frames),
    ]);
    return rows.length > 0;
  }

  /** See {@link RelayStore.take}. */
  async take(instanceId: string): Promise<RelayedPost[]> {
    const rows = await this.#db.query(TAKE, [instanceId]);
    return rows.map((r) => ({
      streamId: text(r, "stream_id"),
      n: integer(r, "n"),
      frames: frames(r.frames),
    }));
  }

  /** See {@link RelayStore.sweep}. */
  async sweep(olderThanMs: number): Promise<number> {
    const rows = await this.#db.query(
      `DELETE FROM fallback_relay
       WHERE created_at < now() - $1 * interval '1 millisecond' RETURNING id`,
      [olderThanMs],
    );
    return rows.length;
  }
}

/** The stored frames: an array of strings. */
function frames(v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((f) => typeof f === "string")) {
    throw new TypeError("fallback_relay.frames is not a list of strings");
  }
  return v;
}
