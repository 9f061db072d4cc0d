/**
 * Labels (migration `0015_labels_and_organisation.sql`): the admins' list, the labels on each
 * conversation and its priority. A change of a conversation's labels queues the
 * `conversation.labeled` webhook in its own transaction (an explicit `webhook_enqueue`, not a
 * trigger: the event names who made the change and what it added and removed, which a row
 * trigger on `conversation_labels` would see one row at a time).
 *
 * @module
 */

import { type Label, PRIORITIES, type Priority } from "../protocol/frames.ts";
import type { Queryable, Row } from "./driver.ts";
import { StoreError } from "./store.ts";
import { integer, text } from "./rows.ts";
import { constraintError } from "./sql_agents.ts";

/** What {@link changeConversationLabels} does: replace the set, or add and remove some. */
export type LabelChange = { set: readonly string[] } | {
  add?: readonly string[];
  remove?: readonly string[];
};

/**
 * Who changes a conversation's labels, as the webhook's `by` names them: an agent (the default;
 * recorded as `added_by`) or an API token (its id; `added_by` stays null, it is no agent).
 */
export interface LabelAuthor {
  kind?: "agent" | "token";
  id: string;
  name: string;
}

/** The outcome of a label change on a conversation. */
export interface LabelsChanged {
  conversationId: string;
  siteId: string;
  visitorId: string;
  /** Ids of the conversation's labels now, by name. */
  labels: string[];
  added: string[];
  removed: string[];
}

function rowToLabel(r: Row): Label {
  return { id: text(r, "id"), name: text(r, "name"), color: text(r, "color") };
}

/** See `Store.listLabels`: by name, case-insensitively. */
export async function listLabels(db: Queryable): Promise<Label[]> {
  const rows = await db.query("SELECT id, name, color FROM labels ORDER BY lower(name), id");
  return rows.map(rowToLabel);
}

/** See `Store.createLabel`. */
export async function createLabel(
  db: Queryable,
  label: { name: string; color: string },
): Promise<Label> {
  try {
    const rows = await db.query(
      "INSERT INTO labels (name, color) VALUES ($1, $2) RETURNING id, name, color",
      [label.name, label.color],
    );
    return rowToLabel(rows[0]);
  } catch (err) {
    throw constraintError(err, "Label name");
  }
}

/** See `Store.updateLabel`. */
export async function updateLabel(
  db: Queryable,
  id: string,
  patch: { name?: string; color?: string },
): Promise<Label> {
  let rows: Row[];
  try {
    rows = await db.query(
      `UPDATE labels SET name = COALESCE($2, name), color = COALESCE($3, color)
       WHERE id = $1 RETURNING id, name, color`,
      [id, patch.name ?? null, patch.color ?? null],
    );
  } catch (err) {
    throw constraintError(err, "Label name");
  }
  if (rows.length === 0) throw new StoreError("not_found", "No such label");
  return rowToLabel(rows[0]);
}

/** See `Store.deleteLabel`. */
export async function deleteLabel(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query("DELETE FROM labels WHERE id = $1 RETURNING id", [id]);
  return rows.length > 0;
}

/**
 * See `Store.changeConversationLabels`. Runs in the caller's transaction: the conversation row
 * is locked first, so two concurrent changes of one conversation apply one after the other and
 * each webhook names exactly what its change did.
 */
export async function changeConversationLabels(
  tx: Queryable,
  conversationId: string,
  change: LabelChange,
  by: LabelAuthor | null,
): Promise<LabelsChanged> {
  const conv = await tx.query(
    "SELECT site_id, visitor_id, last_seq FROM conversations WHERE id = $1 FOR UPDATE",
    [conversationId],
  );
  if (conv.length === 0) throw new StoreError("not_found", "No such conversation");
  const siteId = text(conv[0], "site_id");
  const visitorId = text(conv[0], "visitor_id");
  const named = "set" in change ? change.set : [...(change.add ?? []), ...(change.remove ?? [])];
  const unique = [...new Set(named)];
  if (unique.length > 0) {
    const known = await tx.query("SELECT id FROM labels WHERE id = ANY($1::text[])", [unique]);
    if (known.length !== unique.length) throw new StoreError("not_found", "No such label");
  }
  const before = new Set(
    (await tx.query(
      "SELECT label_id FROM conversation_labels WHERE conversation_id = $1",
      [conversationId],
    )).map((r) => text(r, "label_id")),
  );
  const want = new Set(before);
  if ("set" in change) {
    want.clear();
    for (const id of change.set) want.add(id);
  } else {
    for (const id of change.add ?? []) want.add(id);
    for (const id of change.remove ?? []) want.delete(id);
  }
  const added = [...want].filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !want.has(id));
  if (removed.length > 0) {
    await tx.query(
      "DELETE FROM conversation_labels WHERE conversation_id = $1 AND label_id = ANY($2::text[])",
      [conversationId, removed],
    );
  }
  if (added.length > 0) {
    await tx.query(
      `INSERT INTO conversation_labels (conversation_id, label_id, added_by)
       SELECT $1, l, $3 FROM unnest($2::text[]) AS l ON CONFLICT DO NOTHING`,
      [conversationId, added, by !== null && by.kind !== "token" ? by.id : null],
    );
  }
  const now = await tx.query(
    `SELECT l.id, l.name, l.color FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
     WHERE cl.conversation_id = $1 ORDER BY lower(l.name), l.id`,
    [conversationId],
  );
  const labels = now.map(rowToLabel);
  if (added.length > 0 || removed.length > 0) {
    // Ordered with the conversation's other changes (docs/webhooks.md, "Order"): after the
    // messages it has so far. `$5::text::jsonb`, as elsewhere: with `::jsonb` alone the Postgres
    // driver encodes the JSON text again and the payload's `data` becomes a string.
    const data = {
      conversationId,
      visitorId,
      labels,
      added,
      removed,
      by: by === null ? null : { kind: by.kind ?? "agent", id: by.id, name: by.name },
    };
    await tx.query(
      `SELECT webhook_enqueue($1, 'conversation.labeled', $2, $3, $2, $4, $5::text::jsonb, false)
       WHERE webhook_wanted($1, 'conversation.labeled')`,
      [
        siteId,
        conversationId,
        2 * integer(conv[0], "last_seq") + 2,
        visitorId,
        JSON.stringify(data),
      ],
    );
  }
  return {
    conversationId,
    siteId,
    visitorId,
    labels: labels.map((l) => l.id),
    added,
    removed,
  };
}

/** See `Store.setPriority`. */
export async function setPriority(
  db: Queryable,
  conversationId: string,
  priority: Priority,
): Promise<{ siteId: string; visitorId: string }> {
  const rows = await db.query(
    "UPDATE conversations SET priority = $2 WHERE id = $1 RETURNING site_id, visitor_id",
    [conversationId, PRIORITIES.indexOf(priority)],
  );
  if (rows.length === 0) throw new StoreError("not_found", "No such conversation");
  return { siteId: text(rows[0], "site_id"), visitorId: text(rows[0], "visitor_id") };
}
