/**
 * The routes of the public REST API (`/api/v1`, docs/api.md), declared once: the router
 * (`mod.ts`) and the OpenAPI document (`api_v1_openapi.ts`) are both made from
 * {@link API_V1_ROUTES}.
 *
 * @module
 */

import { type ApiRoute, defineRoute } from "./api_v1.ts";
import { CONVERSATION_ROUTES } from "./api_v1_conversations.ts";
import { LABEL_ROUTES } from "./api_v1_labels.ts";
import { openApiDocument } from "./api_v1_openapi.ts";
import { PEOPLE_ROUTES } from "./api_v1_people.ts";
import { REPORT_ROUTES } from "./api_v1_reports.ts";

/** Every route of `/api/v1`, in the order of the document. */
export const API_V1_ROUTES: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApi",
    summary: "This API's OpenAPI 3.1 document",
    tag: "Meta",
    scope: "public",
    responses: { 200: { description: "The OpenAPI document" } },
    handler: () => Promise.resolve({ status: 200, body: openApiDocument(API_V1_ROUTES) }),
  }),
  ...CONVERSATION_ROUTES,
  ...LABEL_ROUTES,
  ...PEOPLE_ROUTES,
  ...REPORT_ROUTES,
];
