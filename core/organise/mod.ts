/**
 * Everyday organisation of conversations (issue 17): the labels admins define, the labels agents
 * put on conversations, and priorities. Persist, then publish: a label list change rings the
 * bus's `labels` (every console gets the list again), a conversation's change rings its
 * `conversation` event (every console gets the summary, which carries `labels` and `priority`).
 *
 * @module
 */

import type { AgentRecord, LabelChange, LabelsChanged, Store } from "../../db/store.ts";
import type { Label, Priority } from "../../protocol/frames.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import type { Bus } from "../cluster/bus.ts";
import { ParleyError } from "../errors.ts";
import { recordAdminAction } from "../privacy/audit.ts";
import type { Actor } from "../chat/commands.ts";
import type { ChatProjection } from "../chat/projection.ts";

/** Longest label name (the column's CHECK). */
export const MAX_LABEL_NAME = 40;
/** Most label ids one change names (the routes check it). */
export const MAX_LABELS_PER_CONVERSATION = 20;
/** Most labels defined (a console picker lists them all). */
export const MAX_LABELS = 200;

/** The collaborators of {@link Organiser}. */
export interface OrganiserDeps {
  store: Store;
  bus: Bus;
  projection: ChatProjection;
}

/** Who manages labels: an admin (checked here, whatever surface calls). */
type Admin = Pick<AgentRecord, "id" | "email" | "role">;

/** Labels and priorities: the domain operations behind `/api/labels` and the conversation ones. */
export class Organiser {
  /** Creates the organiser. */
  constructor(private readonly deps: OrganiserDeps) {}

  /** Every label, by name. */
  list(): Promise<Label[]> {
    return this.deps.store.listLabels();
  }

  /** Creates a label (admins). `conflict` when the name exists whatever its case. */
  async create(admin: Admin, input: { name: string; color: string }): Promise<Label> {
    requireAdmin(admin);
    if ((await this.deps.store.listLabels()).length >= MAX_LABELS) {
      throw new ParleyError(ErrorCode.Conflict, `At most ${MAX_LABELS} labels`);
    }
    const label = await this.deps.store.createLabel(input);
    await recordAdminAction(this.deps.store, admin, "label.create", label.id, {
      name: label.name,
      color: label.color,
    });
    await this.deps.bus.publish({ kind: "labels" });
    return label;
  }

  /** Renames or recolours a label (admins). */
  async update(
    admin: Admin,
    id: string,
    patch: { name?: string; color?: string },
  ): Promise<Label> {
    requireAdmin(admin);
    const label = await this.deps.store.updateLabel(id, patch);
    await recordAdminAction(this.deps.store, admin, "label.update", id, {
      name: label.name,
      color: label.color,
      fields: Object.keys(patch),
    });
    await this.deps.bus.publish({ kind: "labels" });
    return label;
  }

  /** Deletes a label (admins); it leaves every conversation that carried it. */
  async delete(admin: Admin, id: string): Promise<void> {
    requireAdmin(admin);
    if (!await this.deps.store.deleteLabel(id)) {
      throw new ParleyError(ErrorCode.NotFound, "No such label");
    }
    await recordAdminAction(this.deps.store, admin, "label.delete", id);
    await this.deps.bus.publish({ kind: "labels" });
  }

  /**
   * Changes a conversation's labels (any agent allowed on its site, or an API token, `kind`):
   * replaces them (`set`) or adds and removes some. Queues `conversation.labeled` in the same
   * transaction when anything changed, then tells every console.
   */
  async changeLabels(
    actor: Actor,
    conversationId: string,
    change: LabelChange,
    kind: "agent" | "token" = "agent",
  ): Promise<LabelsChanged> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const result = await this.deps.store.changeConversationLabels(conversationId, change, {
      kind,
      id: actor.id,
      name: actor.name,
    });
    if (result.added.length > 0 || result.removed.length > 0) {
      await this.deps.bus.publish({
        kind: "conversation",
        conversationId,
        visitorId: result.visitorId,
      });
    }
    return result;
  }

  /** Sets a conversation's priority (any agent allowed on its site), then tells every console. */
  async setPriority(actor: Actor, conversationId: string, priority: Priority): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const { visitorId } = await this.deps.store.setPriority(conversationId, priority);
    await this.deps.bus.publish({ kind: "conversation", conversationId, visitorId });
  }
}

function requireAdmin(agent: Admin): void {
  if (agent.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
}
