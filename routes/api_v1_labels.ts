/**
 * Labels and priorities in the public API (`/api/v1`, docs/api.md "Labels and priority"): list
 * the labels, change a conversation's labels (replace, or add and remove) and its priority, with
 * the console routes' bodies (`routes/api_labels.ts`). Changes go through the core's `Organiser`
 * as the console's do, so consoles get the `conversation` frame and webhooks
 * `conversation.labeled` (`by` naming the token). Creating, renaming and deleting labels stays an
 * admin's, in the console.
 *
 * @module
 */

import { Type } from "@sinclair/typebox";
import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { Actor } from "../core/mod.ts";
import { MAX_LABELS_PER_CONVERSATION } from "../core/organise/mod.ts";
import type { LabelsChanged } from "../db/store.ts";
import type { ApiTokenRecord } from "../db/store.ts";
import { type ApiAnswer, type ApiRoute, defineRoute, tokenOf } from "./api_v1.ts";
import { IdParams } from "./api_v1_conversations.ts";
import { Id, Label, Paged, Priority } from "./api_v1_schemas.ts";

const closed = { additionalProperties: false } as const;

const LabelIds = (description: string) =>
  Type.Array(Id, { maxItems: MAX_LABELS_PER_CONVERSATION, description });

/** What a label change answers: the conversation's labels now, and what changed. */
const LabelsAnswer = Type.Object({
  labels: Type.Array(Type.String(), { description: "Ids of the conversation's labels now" }),
  added: Type.Array(Type.String(), { description: "Ids this change added" }),
  removed: Type.Array(Type.String(), { description: "Ids this change removed" }),
}, closed);

/**
 * The token changing labels: the webhook's `by` is `{kind: "token", id, name}` with the token's
 * own id, and it may touch only its sites.
 */
function labelActor(token: ApiTokenRecord): Actor {
  return { id: token.id, name: token.name, sites: token.sites };
}

function labelsAnswer(r: LabelsChanged): ApiAnswer {
  return { status: 200, body: { labels: r.labels, added: r.added, removed: r.removed } };
}

const notFound = "No such conversation (or of a site the token may not see), or no such label";

/** The label and priority routes, in the order of the document. */
export const LABEL_ROUTES: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/v1/labels",
    operationId: "listLabels",
    summary: "List every label, by name",
    description: "All labels in one page (there are at most 200): `nextCursor` is always null.",
    tag: "Labels",
    scope: "read",
    responses: { 200: { description: "Every label", schema: Paged(Label) } },
    async handler(input) {
      tokenOf(input);
      return {
        status: 200,
        body: { data: await input.ctx.app.core.organiser.list(), nextCursor: null },
      };
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/api/v1/conversations/{id}/labels",
    operationId: "setConversationLabels",
    summary: "Replace a conversation's labels",
    description: `${notFound}: 404.`,
    tag: "Labels",
    scope: "write",
    params: IdParams,
    body: Type.Object({
      labelIds: LabelIds("Its labels from now on (duplicates count once)"),
    }, closed),
    responses: { 200: { description: "Its labels now", schema: LabelsAnswer } },
    async handler(input) {
      const token = tokenOf(input);
      const r = await input.ctx.app.core.organiser.changeLabels(
        labelActor(token),
        input.params.id,
        { set: [...new Set(input.body.labelIds)] },
        "token",
      );
      return labelsAnswer(r);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/api/v1/conversations/{id}/labels",
    operationId: "changeConversationLabels",
    summary: "Add and remove some of a conversation's labels",
    description: `Labels already there (or already absent) are left as they are. A label both ` +
      `added and removed is 400. ${notFound}: 404.`,
    tag: "Labels",
    scope: "write",
    params: IdParams,
    body: Type.Object({
      add: Type.Optional(LabelIds("Labels to add")),
      remove: Type.Optional(LabelIds("Labels to remove")),
    }, closed),
    responses: { 200: { description: "Its labels now", schema: LabelsAnswer } },
    async handler(input) {
      const token = tokenOf(input);
      const add = [...new Set(input.body.add ?? [])];
      const remove = [...new Set(input.body.remove ?? [])];
      if (add.some((l) => remove.includes(l))) {
        throw new ParleyError(ErrorCode.BadFrame, "A label cannot be added and removed", {
          field: "remove",
        });
      }
      const r = await input.ctx.app.core.organiser.changeLabels(
        labelActor(token),
        input.params.id,
        { add, remove },
        "token",
      );
      return labelsAnswer(r);
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/api/v1/conversations/{id}/priority",
    operationId: "setConversationPriority",
    summary: "Set a conversation's priority",
    tag: "Conversations",
    scope: "write",
    params: IdParams,
    body: Type.Object({ priority: Priority }, closed),
    responses: {
      200: {
        description: "The priority set",
        schema: Type.Object({ priority: Priority }, closed),
      },
    },
    async handler(input) {
      const token = tokenOf(input);
      const { priority } = input.body;
      await input.ctx.app.core.organiser.setPriority(labelActor(token), input.params.id, priority);
      return { status: 200, body: { priority } };
    },
  }),
];
