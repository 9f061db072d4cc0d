import { useSignal, useSignalEffect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Auth } from "../auth.ts";
import { type Notifier, titleFor } from "../notify.ts";
import { formatHash, parseHash } from "../router.ts";
import type { Session } from "../session.ts";
import { installShortcuts, type ShortcutAction } from "../shortcuts.ts";
import { VIEWS } from "../views.ts";
import { SNOOZE_TOGGLE_ID } from "./SnoozeMenu.tsx";
import { ConversationPane } from "./ConversationPane.tsx";
import { Inbox } from "./Inbox.tsx";
import { organised } from "./InboxOrganise.tsx";
import { Notices } from "./Notices.tsx";
import { ReportsPanel } from "./ReportsPanel.tsx";
import { SettingsDialog } from "./SettingsDialog.tsx";
import { ShortcutsDialog } from "./ShortcutsDialog.tsx";
import { SidePanel } from "./SidePanel.tsx";
import { TopBar } from "./TopBar.tsx";

/** The hash of the Reports view (the inbox views' hashes are `router.ts`'s). */
const REPORTS_HASH = "#/reports";

/** Props of {@link Console}. */
export interface ConsoleProps {
  session: Session;
  auth: Auth;
  notifier: Notifier;
}

/**
 * The signed-in console: top bar, then inbox | conversation | visitor panel. Owns the glue to
 * the browser: the URL hash, the tab title, page visibility and keyboard shortcuts.
 */
export function Console({ session, auth, notifier }: ConsoleProps) {
  const { model } = session;
  const help = useSignal(false);
  const settings = useSignal(false);
  const details = useSignal(false);
  /** The Reports view replaces the inbox and conversation (`#/reports`). */
  const reports = useSignal(false);

  // URL hash <-> view and selection.
  useEffect(() => {
    const apply = () => {
      reports.value = location.hash === REPORTS_HASH;
      if (reports.value) return;
      const r = parseHash(location.hash);
      model.setView(r.view);
      model.select(r.conversationId);
    };
    apply();
    addEventListener("hashchange", apply);
    return () => removeEventListener("hashchange", apply);
  }, [model]);
  useSignalEffect(() => {
    const hash = reports.value
      ? REPORTS_HASH
      : formatHash({ view: model.view.value, conversationId: model.selectedId.value });
    if (location.hash !== hash) history.replaceState(null, "", hash);
  });

  // Title, visibility.
  useSignalEffect(() => {
    document.title = titleFor(model.unreadCount.value, model.connection.value === "connected");
  });
  useEffect(() => {
    const onVis = () => model.setVisible(!document.hidden);
    onVis();
    document.addEventListener("visibilitychange", onVis);
    const onOnline = () => session.connection.reconnectNow();
    addEventListener("online", onOnline);
    return () => {
      document.removeEventListener("visibilitychange", onVis);
      removeEventListener("online", onOnline);
    };
  }, [model]);

  // Keyboard shortcuts.
  useEffect(() => {
    const run = (action: ShortcutAction, inField: boolean) => {
      const id = model.selectedId.peek();
      switch (action) {
        case "next":
          return model.move(1);
        case "prev":
          return model.move(-1);
        case "reply":
          return document.getElementById("reply")?.focus();
        case "search":
          return document.getElementById("search")?.focus();
        case "resolve":
          if (id !== null && model.selected.peek()?.status !== "resolved") model.resolve(id);
          return;
        case "accept":
          if (id !== null && model.selected.peek()?.assigneeId === null) model.accept(id);
          return;
        case "labels":
          document.getElementById("labels-button")?.click();
          return;
        case "priority":
          return document.getElementById("priority")?.focus();
        case "help":
          help.value = true;
          return;
        case "snooze":
          // The header's menu does the work (and takes focus), so mouse and keyboard share it.
          document.getElementById(SNOOZE_TOGGLE_ID)?.click();
          return;
        case "tick": {
          // The row holding the focus (its link or checkbox), else the open conversation.
          const row = document.activeElement?.closest<HTMLElement>("[data-row]")?.dataset.row ?? id;
          const order = organised(model, model.currentList.peek()).map((c) => c.id);
          if (row !== null && order.includes(row)) session.bulk.toggle(row, order);
          return;
        }
        case "leave":
          if (inField && document.activeElement instanceof HTMLElement) {
            document.activeElement.blur();
          } else if (details.peek()) {
            details.value = false;
          } else if (id !== null) {
            model.select(null);
          }
          return;
        default: {
          const n = Number(action.slice(4)) - 1;
          const v = VIEWS[n];
          if (v) {
            reports.value = false;
            session.resources.clearSearch();
            model.setView(v);
          }
        }
      }
    };
    return installShortcuts(document, run);
  }, [model]);

  const conn = model.connection.value;
  const selected = model.selectedId.value !== null;
  return (
    <div
      class={`console${selected ? " has-selection" : ""}${details.value ? " details-open" : ""}`}
    >
      <TopBar
        session={session}
        auth={auth}
        notifier={notifier}
        onHelp={() => (help.value = true)}
        onSettings={() => (settings.value = true)}
        reportsOpen={reports.value}
        onReports={() => (reports.value = !reports.value)}
      />
      {conn !== "connected" && model.ready.value && (
        <div class="banner" role="alert">
          Connection lost. Reconnecting… Messages you send are kept and delivered when it is back.
        </div>
      )}
      <div class={`panes${reports.value ? " reports-open" : ""}`}>
        {/* The page's one main landmark and heading; the visitor panel beside it is its own. */}
        <main class="panes-main">
          <h1 class="sr-only">Parley console</h1>
          {reports.value
            ? (
              <ReportsPanel
                session={session}
                onClose={() => {
                  reports.value = false;
                  // Back where the agent came from: the button that opened the view.
                  document.getElementById("reports-button")?.focus();
                }}
              />
            )
            : (
              <>
                <Inbox session={session} />
                <ConversationPane
                  session={session}
                  detailsOpen={details.value}
                  onToggleDetails={() => (details.value = !details.value)}
                />
              </>
            )}
        </main>
        {!reports.value && (
          <SidePanel
            model={model}
            open={details.value}
            onClose={() => (details.value = false)}
            siteLabel={(siteId) => session.sites.label(siteId)}
          />
        )}
      </div>
      {/* A modal dialog makes the page behind it inert: the settings dialog shows its own. */}
      {!settings.value && <Notices model={model} />}
      <ShortcutsDialog open={help.value} onClose={() => (help.value = false)} />
      <SettingsDialog
        open={settings.value}
        onClose={() => (settings.value = false)}
        session={session}
        auth={auth}
      />
    </div>
  );
}
