import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { AgentInfo } from "../../../protocol/frames.ts";
import type { Session } from "../session.ts";
import { Avatar } from "./Avatar.tsx";
import { Field, formValues, submitThenReset, text } from "./Field.tsx";
import { apiRequest } from "../api.ts";

/** "Email is on (from …)" or "Email is off: …" (`GET /api/email`). */
function EmailStatus({ from }: { from: string | null | undefined }) {
  if (from === undefined) return null;
  return (
    <p class="muted email-status" role="status">
      {from === null
        ? "Email is off: set PARLEY_SMTP_URL and PARLEY_MAIL_FROM to send password resets"
        : `Email is on (from ${from})`}
    </p>
  );
}

/** An admin's action on invitations; answers an error's text, or null when it worked. */
async function invitationRequest(method: string, path: string, body?: unknown) {
  try {
    await apiRequest(method, path, body);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Settings → Team (admins): every agent, their sites, and a form to add one. */
export function TeamTab({ session }: { session: Session }) {
  const { resources } = session;
  /** The From when email is on, null when off, undefined until known. */
  const mailFrom = useSignal<string | null | undefined>(undefined);
  const invited = useSignal<readonly string[]>([]);
  const inviteNote = useSignal<{ ok: boolean; text: string } | null>(null);
  const loadInvited = () =>
    apiRequest("GET", "/api/agents/invitations").then((r) => {
      const ids = (r as { invited?: unknown } | null)?.invited;
      invited.value = Array.isArray(ids) ? ids.filter((x) => typeof x === "string") : [];
    }, () => {});
  useEffect(() => {
    void resources.loadTeam();
    apiRequest("GET", "/api/email").then((r) => {
      const from = (r as { from?: unknown } | null)?.from;
      mailFrom.value = typeof from === "string" ? from : null;
    }, () => {});
    void loadInvited();
  }, []);
  const invitations = {
    ids: invited.value,
    async act(method: string, path: string, done: string) {
      const error = await invitationRequest(method, path);
      inviteNote.value = { ok: error === null, text: error ?? done };
      await Promise.all([resources.loadTeam(), loadInvited()]);
    },
  };
  return (
    <div class="settings-grid">
      <section class="panel">
        <h3>Agents</h3>
        <EmailStatus from={mailFrom.value} />
        {inviteNote.value && (
          <p
            class={inviteNote.value.ok ? "form-ok" : "form-error"}
            role={inviteNote.value.ok ? "status" : "alert"}
          >
            {inviteNote.value.text}
          </p>
        )}
        <ul class="team">
          {resources.team.value.map((a) => (
            <AgentRow key={a.id} session={session} agent={a} invitations={invitations} />
          ))}
        </ul>
      </section>
      {mailFrom.value ? <InviteForm onDone={invitations.act} /> : (
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
          <RoleAndCapacity />
          <button type="submit" class="button primary">Add agent</button>
        </form>
      )}
    </div>
  );
}

/** The role and capacity fields, the same when adding an agent and when inviting one. */
function RoleAndCapacity() {
  return (
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
  );
}

/** "All sites", or the names of the sites an agent is limited to. */
function sitesText(session: Session, agent: AgentInfo): string {
  if (agent.sites.length === 0) return "All sites";
  const names = session.sites.names.value;
  return agent.sites.map((id) => names.get(id) ?? id).join(", ");
}

/** What a row needs to show and act on an invitation. */
interface Invitations {
  ids: readonly string[];
  act(method: string, path: string, done: string): Promise<void>;
}

/** With email on: "Invite an agent" (no password: the agent sets theirs from the email). */
function InviteForm({ onDone }: { onDone: (m: string, p: string, done: string) => Promise<void> }) {
  return (
    <form
      class="panel"
      aria-labelledby="invite-title"
      onSubmit={submitThenReset(async (f) => {
        const email = text(f, "email");
        const error = await invitationRequest("POST", "/api/agents/invitations", {
          name: text(f, "name"),
          email,
          role: f.get("role") === "admin" ? "admin" : "agent",
          capacity: Number(f.get("capacity") ?? 5),
        });
        await onDone("GET", "/api/agents/invitations", error ?? `Invitation sent to ${email}`);
        return error === null;
      })}
    >
      <h3 id="invite-title">Invite an agent</h3>
      <p class="muted">They get an email with a link to set their own password.</p>
      <Field label="Name">
        <input name="name" required maxLength={80} />
      </Field>
      <Field label="Agent email">
        <input name="email" type="email" required />
      </Field>
      <RoleAndCapacity />
      <button type="submit" class="button primary">Send invitation</button>
    </form>
  );
}

function AgentRow(
  { session, agent, invitations }: { session: Session; agent: AgentInfo; invitations: Invitations },
) {
  const isInvited = invitations.ids.includes(agent.id);
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
          {isInvited && <span class="badge">Invited</span>}
        </div>
        <div class="muted">
          {agent.email} · {agent.status} · capacity {agent.capacity}
          {sites.length > 1 && ` · ${sitesText(session, agent)}`}
        </div>
      </div>
      {isInvited && (
        <>
          <button
            type="button"
            class="button ghost"
            aria-label={`Resend invitation to ${agent.name}`}
            onClick={() =>
              invitations.act(
                "POST",
                `/api/agents/${encodeURIComponent(agent.id)}/invitation`,
                `Invitation sent again to ${agent.email}`,
              )}
          >
            Resend
          </button>
          <button
            type="button"
            class="button ghost"
            aria-label={`Revoke invitation of ${agent.name}`}
            onClick={() =>
              invitations.act(
                "DELETE",
                `/api/agents/${encodeURIComponent(agent.id)}/invitation`,
                `Invitation of ${agent.name} revoked`,
              )}
          >
            Revoke
          </button>
        </>
      )}
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
