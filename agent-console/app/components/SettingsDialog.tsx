import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Auth } from "../auth.ts";
import type { Session } from "../session.ts";
import { Avatar } from "./Avatar.tsx";
import { Check, Field, formValues, submitThenReset, text } from "./Field.tsx";
import { apiRequest, errorText } from "../api.ts";
import { Modal } from "./Modal.tsx";
import { Notices } from "./Notices.tsx";

type Tab = "profile" | "canned" | "team" | "sites" | "tokens" | "webhooks" | "labels" | "audit";

/** Props of {@link SettingsDialog}. */
export interface SettingsDialogProps {
  open: boolean;
  onClose(): void;
  session: Session;
  auth: Auth;
}

/** Profile and password, canned responses, and (for admins) the team and the sites. */
export function SettingsDialog({ open, onClose, session, auth }: SettingsDialogProps) {
  const tab = useSignal<Tab>("profile");
  const isAdmin = session.model.me.value.role === "admin";
  const tabs: [Tab, string][] = [
    ["profile", "Profile"],
    ["canned", "Canned responses"],
    ...(isAdmin
      ? [
        ["team", "Team"],
        ["sites", "Sites"],
        ["tokens", "API tokens"],
        ["webhooks", "Webhooks"],
        ["labels", "Labels"],
        ["audit", "Audit log"],
      ] satisfies [Tab, string][]
      : []),
  ];
  return (
    <Modal open={open} title="Settings" onClose={onClose} wide>
      <nav class="tabs" aria-label="Settings sections">
        {tabs.map(([t, label]) => (
          <button
            key={t}
            type="button"
            class="tab"
            aria-pressed={tab.value === t}
            onClick={() => (tab.value = t)}
          >
            {label}
          </button>
        ))}
      </nav>
      {tab.value === "profile" && <Profile session={session} auth={auth} />}
      {tab.value === "canned" && <Canned session={session} />}
      {isAdmin && tab.value !== "profile" && tab.value !== "canned" && (
        <AdminTab tab={tab.value} session={session} />
      )}
      <Notices model={session.model} />
    </Modal>
  );
}

/** The admin tabs' module, once loaded (see `AdminTabs.tsx`). */
type AdminTabs = typeof import("./AdminTabs.tsx");

/**
 * One admin tab, rendered once its lazily loaded chunk has arrived (a status line meanwhile, an
 * alert when it cannot be fetched, say after a deploy replaced the files: reloading helps).
 */
function AdminTab(
  { tab, session }: { tab: Exclude<Tab, "profile" | "canned">; session: Session },
) {
  const mod = useSignal<AdminTabs | null>(null);
  const failed = useSignal(false);
  useEffect(() => {
    import("./AdminTabs.tsx").then((m) => (mod.value = m), () => (failed.value = true));
  }, []);
  if (failed.value) {
    return <p role="alert">This section could not be loaded. Reload the page to try again.</p>;
  }
  const m = mod.value;
  if (m === null) return <p role="status" class="muted">Loading…</p>;
  if (tab === "team") return <m.TeamTab session={session} />;
  if (tab === "tokens") return <m.ApiTokensTab session={session} />;
  if (tab === "webhooks") return <m.WebhooksTab session={session} />;
  if (tab === "labels") return <m.LabelsTab session={session} />;
  if (tab === "audit") return <m.AuditTab api={session.api} />;
  return <m.SitesTab session={session} />;
}

function Profile({ session, auth }: { session: Session; auth: Auth }) {
  const me = session.model.me.value;
  const { resources } = session;
  return (
    <div class="settings-grid">
      <form
        class="panel"
        onSubmit={(e) => {
          const f = formValues(e);
          const avatar = text(f, "avatar");
          void resources.updateProfile({
            name: text(f, "name"),
            avatar: avatar === "" ? null : avatar,
          });
        }}
      >
        <h3>Profile</h3>
        <div class="profile-row">
          <Avatar id={me.id} name={me.name} src={me.avatar} size="lg" />
          <div>
            <div>{me.email}</div>
            <div class="muted">{me.role === "admin" ? "Administrator" : "Agent"}</div>
          </div>
        </div>
        <Field label="Display name">
          <input name="name" required maxLength={80} defaultValue={me.name} />
        </Field>
        <Field label="Avatar: up to 8 characters, such as initials or an emoji (empty: initials)">
          <input name="avatar" maxLength={8} defaultValue={me.avatar ?? ""} />
        </Field>
        <button type="submit" class="button primary">Save profile</button>
      </form>
      <form
        class="panel"
        onSubmit={submitThenReset((f) =>
          resources.changePassword(String(f.get("current")), String(f.get("next")))
        )}
      >
        <h3>Password</h3>
        {/* Lets password managers pair the new password with the right account. */}
        <input type="email" autocomplete="username" value={me.email} readOnly hidden />
        <Field label="Current password">
          <input name="current" type="password" autocomplete="current-password" required />
        </Field>
        <Field label="New password">
          <input name="next" type="password" autocomplete="new-password" minLength={8} required />
        </Field>
        <button type="submit" class="button">Change password</button>
        <hr />
        <button type="button" class="button danger" onClick={() => auth.signOut(true)}>
          Sign out everywhere
        </button>
      </form>
      <EmailPreferences session={session} />
    </div>
  );
}

/**
 * The agent's own email preference (`/api/agent/preferences`): emails about conversations
 * assigned to them. Shown only when the server sends email.
 */
function EmailPreferences({ session }: { session: Session }) {
  /** The opt-in; null until known or when email is off. */
  const on = useSignal<boolean | null>(null);
  useEffect(() => {
    apiRequest("GET", "/api/agent/preferences").then((r) => {
      const p = r as { emailOn?: unknown; emailAssigned?: unknown } | null;
      on.value = p?.emailOn === true ? p.emailAssigned === true : null;
    }, () => {});
  }, []);
  if (on.value === null) return null;
  const change = async (emailAssigned: boolean) => {
    on.value = emailAssigned;
    try {
      await apiRequest("PUT", "/api/agent/preferences", { emailAssigned });
      session.model.notify(emailAssigned ? "You will get these emails" : "No more of these emails");
    } catch (err) {
      on.value = !emailAssigned;
      session.model.notify(`Could not save: ${errorText(err)}`);
    }
  };
  return (
    <section class="panel">
      <h3>Email</h3>
      <Check
        label="Email me about conversations assigned to me"
        checked={on.value}
        onChange={(v) => void change(v)}
      />
      <p class="muted">
        When someone else or routing assigns you a conversation, and when its visitor writes while
        you are offline (at most one email per conversation every few minutes).
      </p>
    </section>
  );
}

function Canned({ session }: { session: Session }) {
  const { resources, model } = session;
  const me = model.me.value;
  useEffect(() => {
    void resources.loadCanned();
  }, []);
  return (
    <div class="settings-grid">
      <section class="panel">
        <h3>Saved responses</h3>
        {resources.canned.value.length === 0
          ? (
            <p class="muted">
              None yet. Type <kbd>/</kbd> in the reply box to use them.
            </p>
          )
          : (
            <ul class="canned-list">
              {resources.canned.value.map((c) => (
                <li key={c.id}>
                  <div>
                    <span class="canned-shortcut">/{c.shortcut}</span>{" "}
                    {c.agentId === null && <span class="badge">Shared</span>}
                    <div class="canned-body">{c.body}</div>
                  </div>
                  {(c.agentId === me.id || (c.agentId === null && me.role === "admin")) && (
                    <button
                      type="button"
                      class="button ghost"
                      aria-label={`Delete /${c.shortcut}`}
                      onClick={() => resources.removeCanned(c.id)}
                    >
                      Delete
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
      </section>
      <form
        class="panel"
        onSubmit={submitThenReset((f) => {
          const shortcut = text(f, "shortcut").replace(/^\//, "");
          return resources.addCanned(shortcut, text(f, "body"), f.get("shared") === "on");
        })}
      >
        <h3>New canned response</h3>
        <Field label="Shortcut">
          <input
            name="shortcut"
            required
            pattern="/?[A-Za-z0-9_-]+"
            maxLength={40}
            placeholder="refund"
          />
        </Field>
        <Field label="Response text">
          <textarea name="body" required rows={4} maxLength={4000} />
        </Field>
        {
          // Only admins may create shared responses (the server refuses others with 403).
          me.role === "admin" && (
            <label class="check">
              <input type="checkbox" name="shared" /> Shared with the team
            </label>
          )
        }
        <button type="submit" class="button primary">Add response</button>
      </form>
    </div>
  );
}
