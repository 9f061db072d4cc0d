/**
 * Who is online. An agent is `online` or `away` (their choice, shared by all their tabs) while
 * at least one tab is connected, and `offline` otherwise. A visitor is online while any tab is
 * connected. This implementation sees one instance; the multi-instance one keeps the same API.
 *
 * @module
 */

import type { AgentStatus } from "../../protocol/frames.ts";
import type { Registry } from "../sockets/registry.ts";

/** Answers presence questions for the fan-out and routing. */
export interface Presence {
  /** An agent's current status. */
  agentStatus(agentId: string): AgentStatus;
  /** Records an agent's chosen status (applies to all their tabs). */
  setAgentChoice(agentId: string, status: "online" | "away"): void;
  /** Ids of agents whose status is `online`. */
  onlineAgentIds(): string[];
  /** Whether a visitor has a connected tab. */
  visitorOnline(visitorId: string): boolean;
}

/** Presence derived from this instance's registry. */
export function createLocalPresence(registry: Registry): Presence {
  const choice = new Map<string, "online" | "away">();
  const status = (agentId: string): AgentStatus =>
    registry.agents.has(agentId) ? choice.get(agentId) ?? "online" : "offline";
  return {
    agentStatus: status,
    setAgentChoice(agentId, s) {
      choice.set(agentId, s);
    },
    onlineAgentIds() {
      return [...registry.agents.keys()].filter((id) => status(id) === "online");
    },
    visitorOnline(visitorId) {
      return registry.visitors.has(visitorId);
    },
  };
}
