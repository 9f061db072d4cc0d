/**
 * What the chat commands tell whoever emails agents (docs/email.md, "Agents' emails"). The
 * commands decide when (they know who is online); the receiver decides whom and how, durably.
 * Called after the change is committed and published; a failure here is logged by the caller
 * and never fails the command.
 *
 * @module
 */

import type { Conversation } from "../../db/store.ts";

/** Receives the chat events agents may be emailed about. */
export interface ChatAlerts {
  /** A conversation started while no agent allowed on its site was online. */
  unattendedConversation(conv: Conversation): Promise<void>;
  /**
   * A conversation was assigned to `agentId` by someone else (`by`: their name) or by routing
   * (`by`: null); an agent accepting or taking over a conversation is not told.
   */
  assigned(conv: Conversation, agentId: string, by: string | null): Promise<void>;
  /** The visitor wrote in a conversation whose assignee, `agentId`, is offline. */
  assigneeOffline(conv: Conversation, agentId: string): Promise<void>;
}
