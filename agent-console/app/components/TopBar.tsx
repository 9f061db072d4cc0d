import { hasSearchFilters } from "../api.ts";
import type { Auth } from "../auth.ts";
import type { Notifier } from "../notify.ts";
import type { Session } from "../session.ts";
import { Avatar } from "./Avatar.tsx";

/** Props of {@link TopBar}. */
export interface TopBarProps {
  session: Session;
  auth: Auth;
  notifier: Notifier;
  onHelp(): void;
  onSettings(): void;
  /** True while the Reports view is shown. */
  reportsOpen: boolean;
  /** Opens or closes the Reports view. */
  onReports(): void;
}

const CONNECTION_LABELS = {
  connected: "Connected",
  connecting: "Connecting…",
  disconnected: "Reconnecting…",
} as const;

/**
 * Brand, search, connection state, presence, notifications, help, reports, settings and sign-out. On a
 * phone the actions after presence take a second row of their own (`.topbar-actions`, styles.css)
 * so the search keeps its width and every action stays visible.
 */
export function TopBar(
  { session, auth, notifier, onHelp, onSettings, reportsOpen, onReports }: TopBarProps,
) {
  const { model, resources } = session;
  const me = model.me.value;
  const online = me.status !== "away";
  const conn = model.connection.value;
  const permission = notifier.permission.value;
  const onSearch = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    void resources.search(String(form.get("q") ?? ""));
  };
  return (
    <header class="topbar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true">P</span>
        <span class="brand-name">Parley</span>
      </div>
      <form role="search" class="search" onSubmit={onSearch}>
        <input
          id="search"
          name="q"
          type="search"
          aria-label="Search messages"
          placeholder="Search messages"
          autocomplete="off"
          onInput={(e) => {
            // Emptied: the words go, the view closes unless filters keep it open.
            if (e.currentTarget.value !== "" || resources.searchHits.value === null) return;
            if (hasSearchFilters(resources.searchFilters.value)) void resources.search("");
            else resources.clearSearch();
          }}
        />
      </form>
      <div class="topbar-right">
        <span class={`conn conn-${conn}`} role="status" title="Connection to the server">
          <span class="conn-dot" aria-hidden="true" />
          <span class="conn-label">{CONNECTION_LABELS[conn]}</span>
        </span>
        <label class="switch" title="Only online agents are auto-assigned new conversations">
          <input
            type="checkbox"
            role="switch"
            aria-label="Online"
            checked={online}
            onChange={(e) => model.setPresence(e.currentTarget.checked ? "online" : "away")}
          />
          <span class="switch-track" aria-hidden="true" />
          <span class="switch-text">{online ? "Online" : "Away"}</span>
        </label>
        <div class="topbar-actions">
          {permission === "default" && (
            <button
              type="button"
              class="button ghost"
              onClick={() => notifier.requestPermission()}
            >
              Enable notifications
            </button>
          )}
          <button
            type="button"
            class="button ghost"
            aria-pressed={notifier.soundOn.value}
            onClick={() => notifier.setSound(!notifier.soundOn.value)}
          >
            Sound
          </button>
          <button
            type="button"
            class="button ghost"
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
            onClick={onHelp}
          >
            ?
          </button>
          <button
            type="button"
            id="reports-button"
            class="button ghost"
            aria-pressed={reportsOpen}
            onClick={onReports}
          >
            Reports
          </button>
          <button type="button" class="button ghost" onClick={onSettings}>
            Settings
          </button>
          <span class="me" title={`${me.name} <${me.email}>`}>
            <Avatar id={me.id} name={me.name} src={me.avatar} size="sm" status={me.status} />
            <span class="me-name">{me.name}</span>
          </span>
          <button type="button" class="button ghost" onClick={() => auth.signOut()}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
