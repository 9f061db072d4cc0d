/**
 * The route table and the request entry point: matching, per-request context, and error
 * mapping. Handlers stay thin: they parse, delegate to the core or the store, and answer.
 * Every response, errors included, leaves here with its `X-Request-Id`, is counted by status
 * (and by error code) and logged once (`access_log.ts`).
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import * as agentMail from "./api_agent_mail.ts";
import * as agents from "./api_agents.ts";
import * as attachments from "./api_attachments.ts";
import * as audit from "./api_audit.ts";
import * as reports from "./api_reports.ts";
import * as email from "./api_email.ts";
import * as inbound from "./api_inbound.ts";
import * as unsubscribe from "./api_unsubscribe.ts";
import * as privacy from "./api_privacy.ts";
import * as auth from "./api_auth.ts";
import * as bulk from "./api_bulk.ts";
import * as canned from "./api_canned.ts";
import * as inbox from "./api_inbox.ts";
import * as labels from "./api_labels.ts";
import * as sites from "./api_sites.ts";
import * as widget from "./api_widget.ts";
import * as webhooks from "./api_webhooks.ts";
import * as tokens from "./api_tokens.ts";
import { routeHandler } from "./api_v1.ts";
import { API_V1_ROUTES } from "./api_v1_routes.ts";
import * as assets from "./assets.ts";
import type { App, Handler } from "./context.ts";
import * as fallback from "./fallback.ts";
import * as health from "./health.ts";
import { clientAddress, fromTrustedProxy } from "./client_address.ts";
import { errorCodeOf, errorJson, errorResponse, requestUrl, withNosniff } from "./http.ts";
import { logRequest, requestIdOf, withRequestId } from "./access_log.ts";
import * as metrics from "./metrics.ts";
import * as ws from "./ws.ts";

type Route = [method: string, pattern: URLPattern, handler: Handler];

const route = (method: string, pathname: string, handler: Handler): Route => [
  method,
  new URLPattern({ pathname }),
  handler,
];

const ROUTES: Route[] = [
  route("GET", "/healthz", health.healthz),
  route("GET", "/readyz", health.readyz),
  route("GET", "/metrics", metrics.metrics),
  route("GET", "/ws/visitor", ws.visitorSocket),
  route("GET", "/ws/agent", ws.agentSocket),
  route("POST", "/fallback/visitor/stream", fallback.openStream),
  route("OPTIONS", "/fallback/visitor/stream", fallback.preflight),
  route("POST", "/fallback/visitor/frames", fallback.postFrames),
  route("OPTIONS", "/fallback/visitor/frames", fallback.preflight),
  route("POST", "/api/agent/login", auth.login),
  route("POST", "/api/agent/logout", auth.logout),
  route("POST", "/api/agent/logout-all", auth.logoutAll),
  route("GET", "/api/agent/me", auth.me),
  route("PATCH", "/api/agent/me", auth.updateMe),
  route("POST", "/api/agent/me/password", auth.changePassword),
  route("GET", "/api/agent/upload-limits", attachments.uploadLimits),
  route("GET", "/api/agent/sites", agents.mySites),
  route("GET", "/api/agent/preferences", agentMail.getPreferences),
  route("PUT", "/api/agent/preferences", agentMail.putPreferences),
  route("GET", "/api/agent/password-reset", email.resetAvailable),
  route("POST", "/api/agent/password-reset", email.requestReset),
  route("POST", "/api/agent/links/check", email.checkLink),
  route("POST", "/api/agent/links/use", email.useLink),
  route("GET", "/api/email", email.emailStatus),
  route("POST", "/api/inbound/email", inbound.receiveEmail),
  route("GET", "/api/email/unsubscribe", unsubscribe.unsubscribeForm),
  route("POST", "/api/email/unsubscribe", unsubscribe.unsubscribe),
  route("GET", "/api/agents", agents.listAgents),
  route("POST", "/api/agents", agents.createAgent),
  route("GET", "/api/agents/invitations", email.listInvitations),
  route("POST", "/api/agents/invitations", email.inviteAgent),
  route("POST", "/api/agents/:id/invitation", email.resendInvitation),
  route("DELETE", "/api/agents/:id/invitation", email.revokeInvitation),
  route("PATCH", "/api/agents/:id", agents.updateAgent),
  route("POST", "/api/agents/:id/password", agents.resetPassword),
  route("GET", "/api/sites", sites.listSites),
  route("POST", "/api/sites", sites.createSite),
  route("GET", "/api/sites/:id", sites.getSite),
  route("PATCH", "/api/sites/:id", sites.updateSite),
  route("DELETE", "/api/sites/:id", sites.deleteSite),
  route("POST", "/api/sites/:id/identity-secret", sites.rotateIdentitySecret),
  route("GET", "/api/widget/sites/:id", widget.widgetSettings),
  route("POST", "/api/widget/attachments", attachments.uploadByVisitor),
  route("OPTIONS", "/api/widget/attachments", attachments.preflight),
  route("GET", "/api/attachments/:id", attachments.download),
  route("OPTIONS", "/api/attachments/:id", attachments.preflight),
  route("POST", "/api/widget/uploads", attachments.startByVisitor),
  route("OPTIONS", "/api/widget/uploads", attachments.preflight),
  route("GET", "/api/uploads/:id", attachments.uploadStatus),
  route("PUT", "/api/uploads/:id", attachments.putPart),
  route("DELETE", "/api/uploads/:id", attachments.cancelUpload),
  route("OPTIONS", "/api/uploads/:id", attachments.preflight),
  route("GET", "/api/sites/:siteId/webhooks", webhooks.listWebhooks),
  route("POST", "/api/sites/:siteId/webhooks", webhooks.createWebhook),
  route("PATCH", "/api/webhooks/:id", webhooks.updateWebhook),
  route("DELETE", "/api/webhooks/:id", webhooks.deleteWebhook),
  route("POST", "/api/webhooks/:id/secret", webhooks.rotateWebhookSecret),
  route("GET", "/api/webhooks/:id/deliveries", webhooks.listDeliveries),
  route("POST", "/api/webhooks/:id/deliveries/:deliveryId/resend", webhooks.resendDelivery),
  route("POST", "/api/webhooks/:id/test", webhooks.testWebhook),
  route("GET", "/api/conversations", inbox.listConversations),
  route("POST", "/api/conversations/bulk", bulk.bulkConversations),
  route("GET", "/api/conversations/:id", inbox.getConversation),
  route("GET", "/api/conversations/:id/messages", inbox.listMessages),
  route("POST", "/api/conversations/:id/transcript", agentMail.sendTranscript),
  route("POST", "/api/conversations/:id/attachments", attachments.uploadByAgent),
  route("POST", "/api/conversations/:id/uploads", attachments.startByAgent),
  route("PUT", "/api/conversations/:id/labels", labels.putConversationLabels),
  route("PATCH", "/api/conversations/:id/labels", labels.patchConversationLabels),
  route("PUT", "/api/conversations/:id/priority", labels.putPriority),
  route("GET", "/api/labels", labels.listLabels),
  route("POST", "/api/labels", labels.createLabel),
  route("PATCH", "/api/labels/:id", labels.updateLabel),
  route("DELETE", "/api/labels/:id", labels.deleteLabel),
  route("GET", "/api/visitors/:id", inbox.getVisitor),
  route("DELETE", "/api/visitors/:id", privacy.eraseVisitor),
  route("GET", "/api/visitors/:id/export", privacy.exportVisitor),
  route("GET", "/api/audit", audit.listAudit),
  route("GET", "/api/reports/summary", reports.reportSummary),
  route("GET", "/api/reports/daily", reports.reportDaily),
  route("GET", "/api/reports/heatmap", reports.reportHeatmap),
  route("GET", "/api/reports/agents", reports.reportAgents),
  route("GET", "/api/reports/conversations", reports.reportConversations),
  route("GET", "/api/reports/settings", reports.getReportSettings),
  route("PUT", "/api/reports/settings", reports.putReportSettings),
  route("GET", "/api/search", inbox.search),
  route("GET", "/api/canned", canned.listCanned),
  route("POST", "/api/canned", canned.createCanned),
  route("DELETE", "/api/canned/:id", canned.deleteCanned),
  route("GET", "/api/tokens", tokens.listTokens),
  route("POST", "/api/tokens", tokens.createToken),
  route("DELETE", "/api/tokens/:id", tokens.revokeToken),
  // The public API (docs/api.md): declared once, with their schemas, in api_v1_routes.ts.
  ...API_V1_ROUTES.map((r) =>
    route(r.method, r.path.replace(/\{(\w+)\}/g, ":$1"), routeHandler(r))
  ),
  route("GET", "/", assets.storefront),
  route("GET", "/widget.js", assets.widgetLoader),
  route("GET", "/assets/:path+", assets.hashedAsset),
  route("GET", "/console", assets.consolePage),
  route("GET", "/console/*", assets.consolePage),
];

/**
 * Routes whose path has no parameter, by path: most requests (sockets, probes, the widget, the
 * login) are found with one lookup instead of a `URLPattern` match per route, each of which
 * allocates (about 10 KB per socket upgrade). The others are matched in order, as listed.
 */
const STATIC = new Map<string, Route[]>();
const PATTERNS: Route[] = [];
for (const r of ROUTES) {
  const path = r[1].pathname;
  if (/[:*+?(){}\\]/.test(path)) PATTERNS.push(r);
  else STATIC.set(path, [...STATIC.get(path) ?? [], r]);
}

/** Builds the `Deno.serve` handler for `app`. */
export function createHandler(app: App): Deno.ServeHandler {
  const { httpRequests } = app.metrics;
  const errors = app.core.metrics.errors;
  return async (req, info) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    const ip = clientAddress(req, info, app.config.trustedProxies);
    const viaTrustedProxy = fromTrustedProxy(info, app.config.trustedProxies);
    const res = await dispatch(app, req, { ip, viaTrustedProxy, requestId });
    const code = errorCodeOf(res);
    if (code !== null) errors.inc({ code });
    httpRequests.inc({ status: String(res.status) });
    logRequest(app.log, {
      method: req.method,
      path: pathOf(req),
      status: res.status,
      ms: performance.now() - started,
      requestId,
      ip,
    });
    return withRequestId(res, requestId);
  };
}

/** Finds the request's route and runs it; every failure becomes an error response. */
async function dispatch(
  app: App,
  req: Request,
  who: { ip: string; viaTrustedProxy: boolean; requestId: string },
): Promise<Response> {
  const { requestId } = who;
  try {
    // A malformed Host header is the client's error (400), not ours (500 and a stack).
    const url = requestUrl(req);
    const allows = (method: string) =>
      method === req.method || (method === "GET" && req.method === "HEAD");
    const exact = STATIC.get(url.pathname);
    let methodMismatch = exact !== undefined;
    for (const [method, , handler] of exact ?? []) {
      if (!allows(method)) continue;
      return withNosniff(await handler(req, { app, params: {}, ...who, url }));
    }
    for (const [method, pattern, handler] of PATTERNS) {
      const match = pattern.exec(url);
      if (!match) continue;
      if (!allows(method)) {
        methodMismatch = true;
        continue;
      }
      const res = await handler(req, { app, params: match.pathname.groups, ...who, url });
      return withNosniff(res);
    }
    if (methodMismatch) return errorJson(ErrorCode.BadFrame, "Method not allowed", 405);
    throw new ParleyError(ErrorCode.NotFound, "Not found");
  } catch (err) {
    return errorResponse(err, app.log, requestId);
  }
}

/**
 * The request's path for the log, never its query string (queries may hold tokens). Read from
 * the raw URL, so a request whose `Host` made the URL unparseable is still logged.
 */
function pathOf(req: Request): string {
  const afterScheme = req.url.indexOf("//");
  const start = req.url.indexOf("/", afterScheme < 0 ? 0 : afterScheme + 2);
  if (start < 0) return "/";
  const path = req.url.slice(start);
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}
