/**
 * One signed-in session: the console model, its socket and the HTTP-backed resources, wired
 * together. Sound and notifications for new visitor messages are decided here, so neither the
 * model nor the connection knows about them.
 *
 * @module
 */

import { type AttachSlot, createAttachSlot } from "./attach_slot.ts";
import type { AgentInfo } from "../../protocol/frames.ts";
import type { ConsoleApi } from "./api.ts";
import { type BulkSelection, createBulkSelection } from "./bulk.ts";
import { type Connection, createConnection } from "./connection.ts";
import { type ConsoleEvent, type ConsoleModel, createConsoleModel } from "./model.ts";
import type { Notifier } from "./notify.ts";
import { createResources, type Resources } from "./resources.ts";
import { visitorLabel } from "./format.ts";
import { createSiteAdmin, type SiteAdmin } from "./site_admin.ts";
import { createSiteScope, type SiteScope } from "./site_scope.ts";

/** A running session. */
export interface Session {
  model: ConsoleModel;
  resources: Resources;
  connection: Connection;
  /** The agent's sites and the inbox's site filter. */
  sites: SiteScope;
  /** The Sites tab (admins): every site with its settings. */
  siteAdmin: SiteAdmin;
  /** The HTTP client, for views that load their own data (the audit log). */
  api: ConsoleApi;
  /** The inbox rows ticked for a bulk action. */
  bulk: BulkSelection;
  /** The lazily loaded uploader (attachments). */
  attach: AttachSlot;
  /** Closes the socket and disposes the models. */
  stop(): void;
}

/** What {@link startSession} needs. */
export interface SessionOptions {
  me: AgentInfo;
  api: ConsoleApi;
  notifier: Notifier;
  /** Absolute URL of `/ws/agent`. */
  wsUrl: string;
  /** The server closed the socket with 4001: the session is gone. */
  onUnauthorized(): void;
  /** Brings a conversation on screen (notification click). */
  openConversation(id: string): void;
}

/** Starts the socket and models for a signed-in agent. */
export function startSession(opts: SessionOptions): Session {
  // The model needs `send` and the connection needs the model's `receive`: tie the knot late.
  let connection: Connection | null = null;
  const model = createConsoleModel({
    me: opts.me,
    api: opts.api,
    send: (frame) => connection?.send(frame) ?? false,
    onEvent: (event) => announce(event),
  });
  const resources = createResources({
    api: opts.api,
    notify: (text, tone = "error") => model.notify(text, tone),
    onAgent: (agent) => model.receive({ type: "agent", agent }),
  });
  connection = createConnection({
    url: opts.wsUrl,
    onFrame: (frame) => model.receive(frame),
    onState: (state) => model.setConnection(state),
    onUnauthorized: () => opts.onUnauthorized(),
    checkSession: async () => (await opts.api.me()) !== null,
  });
  const sites = createSiteScope({
    api: opts.api,
    model,
    notify: (text) => model.notify(text, "error"),
  });
  const siteAdmin = createSiteAdmin({ api: opts.api, onChange: () => void sites.load(true) });
  const attach = createAttachSlot(model);
  void resources.loadCanned();
  void sites.load();

  function announce(event: ConsoleEvent) {
    const c = event.conversation;
    const meId = model.me.peek().id;
    // Only conversations waiting for this agent: the queue and their own.
    if (c.status === "resolved" || (c.assigneeId !== null && c.assigneeId !== meId)) return;
    const onScreen = event.selected && model.visible.peek();
    if (onScreen) return;
    opts.notifier.beep();
    opts.notifier.show(
      visitorLabel(c.visitorName, c.visitorId),
      event.message.body.slice(0, 140) || (event.message.attachments ? "Sent a file" : ""),
      () => opts.openConversation(c.id),
    );
  }

  return {
    model,
    resources,
    connection,
    sites,
    siteAdmin,
    api: opts.api,
    bulk: createBulkSelection(),
    attach,
    stop() {
      connection?.close();
      attach.dispose();
      sites[Symbol.dispose]();
      siteAdmin[Symbol.dispose]();
      model[Symbol.dispose]();
      resources[Symbol.dispose]();
    },
  };
}
