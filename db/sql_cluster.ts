/**
 * The SQL behind running several instances on one Postgres: instance heartbeats, presence rows,
 * and the reads the Postgres bus uses to fill in doorbells and to catch up after a lost
 * notification. See `docs/scaling.md`.
 *
 * @module
 */

import type { Message } from "../protocol/frames.ts";
import type { Db, Queryable } from "./driver.ts";
import { int4, integer, messageColumns, rowToMessage, text } from "./rows.ts";

/** A conversation that changed after a point in time. */
export interface ChangedConversation {
  id: string;
  visitorId: string;
  lastSeq: number;
}

/** Messages `afterSeq < seq <= uptoSeq` of one conversation; `afterSeq` -1 means "created after". */
export interface MessageRange {
  conversationId: string;
  afterSeq: number;
  uptoSeq: number;
}

/** Presence rows to add and remove for one instance, and agent choices to store. */
export interface PresenceChanges {
  visitorsOn: string[];
  visitorsOff: string[];
  agentsOn: string[];
  agentsOff: string[];
  choices: { agentId: string; status: "online" | "away" }[];
}

/** Everything every live instance has connected, and every agent's choice. */
export interface PresenceSnapshot {
  /** Live instance ids (expired ones left out). */
  instances: string[];
  agents: { instanceId: string; agentId: string }[];
  visitors: { instanceId: string; visitorId: string }[];
  choices: Map<string, "online" | "away">;
}

const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::float8";

/** Upserts our row and deletes expired ones in one round trip. $1 id, $2 ttl ms. */
const HEARTBEAT = `
WITH beat AS (
  INSERT INTO cluster_instances AS i (id, expires_at)
  VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
  ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at
  RETURNING (xmax = 0) AS fresh
), dead AS (
  DELETE FROM cluster_instances WHERE expires_at < clock_timestamp() AND id <> $1 RETURNING id
)
SELECT (SELECT fresh FROM beat) AS fresh, ARRAY(SELECT id FROM dead) AS dead`;

/**
 * Applies presence changes for instance $1. Rows are only added while the instance is
 * registered: after a sweep removed it, its heartbeat re-registers and rewrites everything.
 */
const WRITE_PRESENCE = `
WITH me AS (
  SELECT id FROM cluster_instances WHERE id = $1
), va AS (
  INSERT INTO cluster_visitors (instance_id, visitor_id)
  SELECT me.id, v FROM me, unnest($2::text[]) AS v ON CONFLICT DO NOTHING
), vd AS (
  DELETE FROM cluster_visitors WHERE instance_id = $1 AND visitor_id = ANY($3::text[])
), aa AS (
  INSERT INTO cluster_agents (instance_id, agent_id)
  SELECT me.id, a FROM me, unnest($4::text[]) AS a ON CONFLICT DO NOTHING
), ad AS (
  DELETE FROM cluster_agents WHERE instance_id = $1 AND agent_id = ANY($5::text[])
), ch AS (
  INSERT INTO agent_choices AS x (agent_id, status, changed_at)
  SELECT a, s, clock_timestamp() FROM unnest($6::text[], $7::text[]) AS t(a, s)
  ON CONFLICT (agent_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
)
SELECT 1`;

/** Cluster queries over a {@link Db}. Postgres only in practice; the SQL also runs on PGlite. */
export class ClusterStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Db) {}

  /** The database clock, in epoch milliseconds. */
  async now(): Promise<number> {
    const rows = await this.db.query(`SELECT ${NOW_MS} AS now`);
    const v = rows[0]?.now;
    if (typeof v !== "number") throw new TypeError("Unexpected clock value");
    return v;
  }

  /**
   * Renews this instance's row for `ttlMs` and deletes expired instances (their presence rows go
   * with them). `fresh` is true when the row had to be created: on start-up, or after others
   * swept this instance while it was unreachable.
   */
  async heartbeat(instanceId: string, ttlMs: number): Promise<{ fresh: boolean; dead: string[] }> {
    const rows = await this.db.query(HEARTBEAT, [instanceId, ttlMs]);
    const r = rows[0];
    const dead = Array.isArray(r?.dead)
      ? r.dead.filter((x): x is string => typeof x === "string")
      : [];
    return { fresh: r?.fresh === true, dead };
  }

  /** Removes this instance (and, by cascade, its presence rows): a clean shutdown. */
  async leave(instanceId: string): Promise<void> {
    await this.db.query("DELETE FROM cluster_instances WHERE id = $1", [instanceId]);
  }

  /** Applies presence changes; run inside the transaction that sends the matching doorbells. */
  async writePresence(tx: Queryable, instanceId: string, c: PresenceChanges): Promise<void> {
    await tx.query(WRITE_PRESENCE, [
      instanceId,
      c.visitorsOn,
      c.visitorsOff,
      c.agentsOn,
      c.agentsOff,
      c.choices.map((x) => x.agentId),
      c.choices.map((x) => x.status),
    ]);
  }

  /** Replaces all presence rows of this instance (after it re-registered). */
  async replacePresence(
    instanceId: string,
    agents: string[],
    visitors: string[],
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("DELETE FROM cluster_agents WHERE instance_id = $1", [instanceId]);
      await tx.query("DELETE FROM cluster_visitors WHERE instance_id = $1", [instanceId]);
      await this.writePresence(tx, instanceId, {
        visitorsOn: visitors,
        visitorsOff: [],
        agentsOn: agents,
        agentsOff: [],
        choices: [],
      });
    });
  }

  /** Reads the presence of every live instance (or only of `instanceId`). */
  async loadPresence(instanceId?: string): Promise<PresenceSnapshot> {
    const only = instanceId === undefined ? "" : "AND i.id = $1";
    const params = instanceId === undefined ? [] : [instanceId];
    const live =
      `SELECT id FROM cluster_instances i WHERE i.expires_at > clock_timestamp() ${only}`;
    const [instances, agents, visitors, choices] = await Promise.all([
      this.db.query(live, params),
      this.db.query(
        `SELECT a.instance_id, a.agent_id FROM cluster_agents a WHERE a.instance_id IN (${live})`,
        params,
      ),
      this.db.query(
        `SELECT v.instance_id, v.visitor_id FROM cluster_visitors v
         WHERE v.instance_id IN (${live})`,
        params,
      ),
      this.db.query("SELECT agent_id, status FROM agent_choices"),
    ]);
    const statuses = new Map<string, "online" | "away">();
    for (const r of choices) {
      const s = text(r, "status");
      if (s === "online" || s === "away") statuses.set(text(r, "agent_id"), s);
    }
    return {
      instances: instances.map((r) => text(r, "id")),
      agents: agents.map((r) => ({
        instanceId: text(r, "instance_id"),
        agentId: text(r, "agent_id"),
      })),
      visitors: visitors.map((r) => ({
        instanceId: text(r, "instance_id"),
        visitorId: text(r, "visitor_id"),
      })),
      choices: statuses,
    };
  }

  /**
   * Reads the messages of several ranges in one statement, ascending per conversation. A range
   * with `afterSeq` -1 returns the conversation's messages created after `createdAfterMs`.
   * Each range is an index range scan on `(conversation_id, seq)` (the LATERAL ... LIMIT keeps
   * the planner from choosing a scan of the whole table, which grows forever, when its
   * statistics are stale); the creation time only filters.
   */
  async messagesInRanges(ranges: MessageRange[], createdAfterMs = 0): Promise<Message[]> {
    if (ranges.length === 0) return [];
    const rows = await this.db.query(
      `SELECT ${messageColumns("m")}
       FROM unnest($1::text[], $2::int[], $3::int[], $4::int[])
         AS r(conversation_id, after_seq, upto_seq, by_time)
       CROSS JOIN LATERAL (
         SELECT * FROM messages x
         WHERE x.conversation_id = r.conversation_id
           AND x.seq > r.after_seq AND x.seq <= r.upto_seq
         ORDER BY x.seq LIMIT 10000
       ) m
       WHERE r.by_time = 0 OR m.created_at > to_timestamp($5::float8 / 1000)
       ORDER BY m.conversation_id, m.seq`,
      [
        ranges.map((r) => r.conversationId),
        ranges.map((r) => int4(Math.max(0, r.afterSeq))),
        ranges.map((r) => int4(r.uptoSeq)),
        // 0/1 rather than booleans: postgres.js serialises boolean arrays unreliably.
        ranges.map((r) => r.afterSeq < 0 ? 1 : 0),
        createdAfterMs,
      ],
    );
    return rows.map((r) => rowToMessage(r));
  }

  /** Conversations whose `updated_at` is after `sinceMs` (database clock). */
  async changedConversations(sinceMs: number): Promise<ChangedConversation[]> {
    // The status list lets the (status, updated_at) index serve the range.
    const rows = await this.db.query(
      `SELECT c.id, c.visitor_id, c.last_seq FROM conversations c
       WHERE c.status = ANY('{queued,open,resolved}'::text[])
         AND c.updated_at > to_timestamp($1::float8 / 1000)`,
      [sinceMs],
    );
    return rows.map((r) => ({
      id: text(r, "id"),
      visitorId: text(r, "visitor_id"),
      lastSeq: integer(r, "last_seq"),
    }));
  }

  /** Of `agentIds`, those with at least one unexpired session. */
  async agentsWithSessions(agentIds: string[]): Promise<Set<string>> {
    if (agentIds.length === 0) return new Set();
    const rows = await this.db.query(
      `SELECT DISTINCT agent_id FROM agent_sessions
       WHERE agent_id = ANY($1::text[]) AND expires_at > now()`,
      [agentIds],
    );
    return new Set(rows.map((r) => text(r, "agent_id")));
  }
}
