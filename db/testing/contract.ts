/**
 * The store contract suite: every behaviour the `Store` JSDoc promises, as steps run against
 * any backend. Test-only.
 *
 * @module
 */

import type { DbStore } from "../mod.ts";
import { peopleSteps } from "./contract_people.ts";
import { messageSteps } from "./contract_messages.ts";
import { inboxSteps } from "./contract_inbox.ts";
import { searchSteps } from "./contract_search.ts";
import { siteSteps } from "./contract_sites.ts";
import { agentSiteSteps } from "./contract_agent_sites.ts";
import { retentionSteps } from "./contract_retention.ts";
import { webhookSteps } from "./contract_webhooks.ts";
import { apiSteps } from "./contract_api.ts";
import { emailSteps } from "./contract_email.ts";

/** Runs every contract step against `store` as steps of `t`. */
export async function contractSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await peopleSteps(t, store);
  await messageSteps(t, store);
  await inboxSteps(t, store);
  await searchSteps(t, store);
  await siteSteps(t, store);
  await agentSiteSteps(t, store);
  await retentionSteps(t, store);
  await webhookSteps(t, store);
  await apiSteps(t, store);
  await emailSteps(t, store);
}
