/**
 * Test fixtures for the store contract suite: unique sites, agents and visitors per step so
 * steps never depend on each other's data.
 *
 * @module
 */

import {
  type AgentRecord,
  type DbStore,
  type Site,
  StoreError,
  type VisitorRecord,
} from "../mod.ts";
import type { StoreErrorCode } from "../store.ts";

/** A short random suffix for unique names. */
export function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

/** Creates a site with a unique id. */
export function site(store: DbStore): Promise<Site> {
  const id = `site-${uid()}`;
  return store.upsertSite({ id, name: `Shop ${id}` });
}

/** Creates an agent with a unique email. */
export function agent(
  store: DbStore,
  name = `Agent ${uid()}`,
  role: "admin" | "agent" = "agent",
): Promise<AgentRecord> {
  return store.createAgent({
    email: `${uid()}@example.com`,
    name,
    passwordHash: "hash",
    role,
  });
}

/** Creates a visitor on a new site. */
export async function visitor(store: DbStore, name = `Visitor ${uid()}`): Promise<VisitorRecord> {
  const s = await site(store);
  return await store.createVisitor({ siteId: s.id, name });
}

/** Sends a visitor message with a fresh client id and returns the result. */
export function say(store: DbStore, visitorId: string, body: string) {
  return store.appendVisitorMessage({ visitorId, clientId: `c-${uid()}`, body });
}

/** Sends an agent message (or note) with a fresh client id. */
export function reply(
  store: DbStore,
  conversationId: string,
  agentId: string,
  body: string,
  note = false,
) {
  return store.appendAgentMessage({ conversationId, agentId, clientId: `a-${uid()}`, body, note });
}

/** Asserts that `fn` rejects with a `StoreError` of `code`. */
export async function rejectsWith(
  fn: () => Promise<unknown>,
  code: StoreErrorCode,
): Promise<void> {
  let thrown: unknown = null;
  try {
    await fn();
  } catch (err) {
    thrown = err;
  }
  if (thrown === null) throw new Error(`Expected StoreError(${code}) but it resolved`);
  if (!(thrown instanceof StoreError) || thrown.code !== code) {
    throw new Error(`Expected StoreError(${code}), got ${String(thrown)}`, { cause: thrown });
  }
}
