import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { AgentInfo } from "../../../protocol/frames.ts";
import type { Auth } from "../auth.ts";
import type { Session } from "../session.ts";
import { Avatar } from "./Avatar.tsx";
import { Modal } from "./Modal.tsx";
import { Notices } from "./Notices.tsx";

type Tab = "profile" | "canned" | "team";

/** Props of {@link SettingsDialog}. */
export interface SettingsDialogProps {
  open: boolean;
  onClose(): void;
  session: Session;
  auth: Auth;
}

function formValues(e: Event): FormData {
  e.preventDefault();
  return new FormData(e.currentTarget as HTMLFormElement);
}

const text = (f: FormData, key: string) => String(f.get(key) ?? "").trim();

/** A submit handler that hands the form's values to `submit` and clears the form if it succeeds. */
function submitThenReset(submit: (f: FormData) => Promise<boolean>) {
  return async (e: Event) => {
    const form = e.currentTarget as HTMLFormElement;
    if (await submit(formValues(e))) form.reset();
  };
}

/** A labelled control: the label text above the input, select or textarea it wraps. */
function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** Profile and password, canned responses, and (for admins) the team. */
export function SettingsDialog({ open, onClose, session, auth }: SettingsDialogProps) {
  const tab = useSignal<Tab>("profile");
  const isAdmin = session.model.me.value.role === "admin";
  const tabs: [Tab, string][] = [
    ["profile", "Profile"],
    ["canned", "Canned responses"],
    ...(isAdmin ? [["team", "Team"] as [Tab, string]] : []),
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
      {tab.value === "team" && isAdmin && <Team session={session} />}
      <Notices model={session.model} />
    </Modal>
  );
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
    </div>
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

function Team({ session }: { session: Session }) {
  const { resources } = session;
  useEffect(() => {
    void resources.loadTeam();
  }, []);
  return (
    <div class="settings-grid">
      <section class="panel">
        <h3>Agents</h3>
        <ul class="team">
          {resources.team.value.map((a) => <AgentRow key={a.id} session={session} agent={a} />)}
        </ul>
      </section>
      <form
        class="panel"
        onSubmit={submitThenReset((f) =>
          resources.addAgent({
            name: text(f, "name"),
            email: text(f, "email"),
            password: String(f.get("password") ?? ""),
            role: f.get("role") === "admin" ? "admin" : "agent",
            capacity: Number(f.get("capacity") ?? 5),
          })
        )}
      >
        <h3>Add an agent</h3>
        <Field label="Name">
          <input name="name" required maxLength={80} />
        </Field>
        <Field label="Agent email">
          <input name="email" type="email" required />
        </Field>
        <Field label="Initial password">
          <input
            name="password"
            type="password"
            minLength={8}
            required
            autocomplete="new-password"
          />
        </Field>
        <div class="field-row">
          <Field label="Role">
            <select name="role">
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
            </select>
          </Field>
          <Field label="Capacity">
            <input name="capacity" type="number" min={0} max={100} defaultValue="5" />
          </Field>
        </div>
        <button type="submit" class="button primary">Add agent</button>
      </form>
    </div>
  );
}

function AgentRow({ session, agent }: { session: Session; agent: AgentInfo }) {
  const editing = useSignal(false);
  const { resources } = session;
  const self = agent.id === session.model.me.value.id;
  if (editing.value) {
    return (
      <li>
        <form
          class="agent-edit"
          onSubmit={async (e) => {
            const f = formValues(e);
            const ok = await resources.updateAgent(agent.id, {
              name: text(f, "name"),
              avatar: text(f, "avatar"),
              capacity: Number(f.get("capacity")),
              role: f.get("role") === "admin" ? "admin" : "agent",
            });
            if (ok) editing.value = false;
          }}
        >
          <input
            name="name"
            aria-label={`Name of ${agent.name}`}
            defaultValue={agent.name}
            required
          />
          <input
            name="avatar"
            maxLength={8}
            aria-label={`Avatar of ${agent.name}`}
            placeholder="Avatar"
            defaultValue={agent.avatar ?? ""}
          />
          <input
            name="capacity"
            type="number"
            min={0}
            max={100}
            aria-label={`Capacity of ${agent.name}`}
            defaultValue={String(agent.capacity)}
          />
          <select name="role" aria-label={`Role of ${agent.name}`} value={agent.role}>
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
          </select>
          <button type="submit" class="button primary">Save</button>
          <button type="button" class="button ghost" onClick={() => (editing.value = false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li class={agent.disabled ? "disabled" : ""}>
      <Avatar id={agent.id} name={agent.name} src={agent.avatar} size="sm" status={agent.status} />
      <div class="team-main">
        <div>
          {agent.name} {agent.role === "admin" && <span class="badge">Admin</span>}{" "}
          {agent.disabled && <span class="badge badge-unverified">Disabled</span>}
        </div>
        <div class="muted">
          {agent.email} · {agent.status} · capacity {agent.capacity}
        </div>
      </div>
      <button
        type="button"
        class="button ghost"
        aria-label={`Edit ${agent.name}`}
        onClick={() => (editing.value = true)}
      >
        Edit
      </button>
      {!self && (
        <button
          type="button"
          class="button ghost"
          aria-label={`${agent.disabled ? "Enable" : "Disable"} ${agent.name}`}
          onClick={() => resources.updateAgent(agent.id, { disabled: !agent.disabled })}
        >
          {agent.disabled ? "Enable" : "Disable"}
        </button>
      )}
    </li>
  );
}
