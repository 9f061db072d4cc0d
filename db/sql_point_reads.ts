/**
 * Point reads by many keys in one statement. The fan-out reads a conversation summary (and
 * often the conversation, an agent, a visitor) per event; under load `SqlStore` groups those
 * reads with a {@link Batcher} so a tick's worth costs one statement per kind instead of one
 * per event.
 *
 * @module
 */

import type { ConversationSummary, Message } from "../protocol/frames.ts";
import type { AgentRecord, Conversation, VisitorRecord } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { settle, type Settled } from "./batcher.ts";
import {
  agentColumns,
  conversationColumns,
  int4,
  messageColumns,
  rowToAgent,
  rowToConversation,
  rowToMessage,
  rowToSummary,
  rowToVisitor,
  SUMMARY_COLUMNS,
  visitorColumns,
} from "./rows.ts";

/** Inbox summaries (with `readSeq` 0: no agent asked) by conversation id. */
export async function summariesById(
  db: Queryable,
  ids: string[],
): Promise<Map<string, ConversationSummary>> {
  // Index probes whatever the statistics say (see `sql_append_batch.ts`); no agent, no reads.
  const rows = await db.query(
    `SELECT ${SUMMARY_COLUMNS}
     FROM conversations c
     CROSS JOIN LATERAL (SELECT name FROM visitors WHERE id = c.visitor_id LIMIT 1) v
     LEFT JOIN (SELECT NULL::int AS seq) r ON false
     WHERE c.id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => {
    const s = rowToSummary(r);
    return [s.id, s];
  }));
}

/** Conversations by id. */
export async function conversationsById(
  db: Queryable,
  ids: string[],
): Promise<Map<string, Conversation>> {
  const rows = await db.query(
    `SELECT ${conversationColumns("c")} FROM conversations c WHERE c.id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => {
    const c = rowToConversation(r);
    return [c.id, c];
  }));
}

/** Agents by id. */
export async function agentsById(db: Queryable, ids: string[]): Promise<Map<string, AgentRecord>> {
  const rows = await db.query(
    `SELECT ${agentColumns("a")} FROM agents a WHERE a.id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => {
    const a = rowToAgent(r);
    return [a.id, a];
  }));
}

/** Visitors by id. */
export async function visitorsById(
  db: Queryable,
  ids: string[],
): Promise<Map<string, VisitorRecord>> {
  const rows = await db.query(
    `SELECT ${visitorColumns("v")} FROM visitors v WHERE v.id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => {
    const v = rowToVisitor(r);
    return [v.id, v];
  }));
}

/** Messages by `conversationId:seq` key. */
export async function messagesByKey(
  db: Queryable,
  keys: { conversationId: string; seq: number }[],
): Promise<Map<string, Message>> {
  const rows = await db.query(
    `SELECT ${messageColumns("x")}
     FROM unnest($1::text[], $2::int[]) AS k(conversation_id, seq)
     CROSS JOIN LATERAL (
       SELECT * FROM messages WHERE conversation_id = k.conversation_id AND seq = k.seq LIMIT 1
     ) x`,
    [keys.map((k) => k.conversationId), keys.map((k) => int4(k.seq))],
  );
  return new Map(rows.map((r) => {
    const m = rowToMessage(r);
    return [`${m.conversationId}:${m.seq}`, m];
  }));
}

/**
 * Adapts a by-many-keys read to a {@link Batcher} run: one statement for the batch, and when it
 * fails (e.g. an invalid id spoils the whole array), each key on its own, so one bad key never
 * fails the others.
 */
export function byKeys<K, V>(
  many: (keys: K[]) => Promise<Map<string, V>>,
  keyOf: (key: K) => string,
): (keys: K[]) => Promise<Settled<V | null>[]> {
  return async (keys) => {
    try {
      const found = await many(keys);
      return keys.map((k) => ({ ok: true, value: found.get(keyOf(k)) ?? null }));
    } catch {
      return await Promise.all(
        keys.map((k) => settle(async () => (await many([k])).get(keyOf(k)) ?? null)),
      );
    }
  };
}
