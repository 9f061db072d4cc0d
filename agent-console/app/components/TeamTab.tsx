import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { AgentInfo } from "../../../protocol/frames.ts";
import type { Session } from "../session.ts";
import { Avatar } from "./Avatar.tsx";
import { Field, formValues, submitThenReset, text } from "./Field.tsx";
import { apiRequest } from "../api.ts";

/** "Email is on (from …)" or "Email is off: set PARLEY_SMTP_URL" (`GET /api/email`). */
function EmailStatus() {
  const status = useSignal<string | null>(null);
  useEffect(() => {
    apiRequest("GET", "/api/email").then((r) => {
      const from = (r as { from?: unknown } | null)?.from;
      status.value = typeof from === "string"
        ? `Email is on (from ${from})`
        : "Email is off: set PARLEY_SMTP_URL and PARLEY_MAIL_FROM to send password resets";
    }, () => {});
  }, []);
  return status.value ? <p class="muted email-status" role="status">{status.value}</p> : null;
}

/** Settings → Team (admins): every agent, their sites, and a form to add one. */
export function TeamTab({ session }: { session: Session }) {
  const { resources } = session;
  useEffect(() => {
    void resources.loadTeam();
  }, []);
  return (
    <div class="settings-grid">
      <section class="panel">
        <h3>Agents</h3>
        <EmailStatus />
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

/** "All sites", or the names of the sites an agent is limited to. */
function sitesText(session: Session, agent: AgentInfo): string {
  if (agent.sites.length === 0) return "All sites";
  const names = session.sites.names.value;
  return agent.sites.map((id) => names.get(id) ?? id).join(", ");
}

function AgentRow({ session, agent }: { session: Session; agent: AgentInfo }) {
  const editing = useSignal(false);
  const { resources } = session;
  const self = agent.id === session.model.me.value.id;
  const sites = session.sites.sites.value;
  if (editing.value) {
    return (
      <li class="agent-editing">
        <form
          class="agent-edit"
          onSubmit={async (e) => {
            const f = formValues(e);
            const ok = await resources.updateAgent(agent.id, {
              name: text(f, "name"),
              avatar: text(f, "avatar"),
              capacity: Number(f.get("capacity")),
              role: f.get("role") === "admin" ? "admin" : "agent",
              // Only when the boxes were shown: sites that failed to load must not read as
              // "none checked" and lift the agent's limits. Only ids the server listed are sent.
              ...(sites.length > 0
                ? {
                  sites: f.getAll("sites").map(String).filter((id) =>
                    sites.some((s) => s.id === id)
                  ),
                }
                : {}),
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
          {sites.length > 0 && (
            <fieldset class="agent-sites">
              <legend>Sites {agent.name} may answer (none checked: all sites)</legend>
              {sites.map((s) => (
                <label key={s.id} class="check">
                  <input
                    type="checkbox"
                    name="sites"
                    value={s.id}
                    defaultChecked={agent.sites.includes(s.id)}
                  />{" "}
                  {s.name}
                </label>
              ))}
            </fieldset>
          )}
          <button type="submit" class="button primary">Save</button>
          <button type="button" class="button ghost" onClick={() => (editing.value = false)}>
            Cancel
          </button>
        </form>
        {!self && <ResetPassword session={session} agent={agent} />}
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
          {sites.length > 1 && ` · ${sitesText(session, agent)}`}
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

/** An admin sets another agent's password (the agent is signed out everywhere). */
function ResetPassword({ session, agent }: { session: Session; agent: AgentInfo }) {
  const done = useSignal(false);
  return (
    <form
      class="agent-reset"
      onSubmit={submitThenReset(async (f) => {
        done.value = false;
        const ok = await session.resources.resetPassword(agent, String(f.get("password") ?? ""));
        done.value = ok;
        return ok;
      })}
    >
      {/* Lets password managers file the new password under the right account. */}
      <input type="email" autocomplete="username" value={agent.email} readOnly hidden />
      <Field label={`New password for ${agent.name}`}>
        <input
          name="password"
          type="password"
          autocomplete="new-password"
          minLength={8}
          maxLength={200}
          required
        />
      </Field>
      <button type="submit" class="button">Reset password</button>
      <p class="muted" role="status">
        {done.value ? `Password reset. ${agent.name} was signed out everywhere.` : ""}
      </p>
    </form>
  );
}
