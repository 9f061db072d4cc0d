import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { AuditEntry } from "../../../protocol/api.ts";
import { type ConsoleApi, errorText } from "../api.ts";
import { fullTime } from "../format.ts";

/** What an entry's `action` reads as, in plain English; unknown ones are shown as they are. */
const ACTIONS: Record<string, string> = {
  "site.create": "Created site",
  "site.update": "Changed site",
  "site.delete": "Deleted site",
  "site.rotate_secret": "Rotated the identity secret of site",
  "agent.create": "Added agent",
  "agent.update": "Changed agent",
  "agent.disable": "Disabled agent",
  "agent.enable": "Enabled agent",
  "agent.role": "Changed the role of agent",
  "agent.reset_password": "Reset the password of agent",
  "agent.invite": "Invited agent",
  "agent.revoke_invitation": "Revoked the invitation of agent",
  "token.create": "Created API token",
  "token.revoke": "Revoked API token",
  "visitor.export": "Exported the data of visitor",
  "visitor.erase": "Erased visitor",
};

/** The details of an entry as "key: value" pairs (they are small, and never secret). */
function detailText(e: AuditEntry): string {
  return Object.entries(e.details)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join("; ");
}

/**
 * Settings → Audit log (admins): who did what and when, newest first, an older page at a time.
 * Everything shown is text from the server, rendered as text.
 */
export function AuditTab({ api }: { api: Pick<ConsoleApi, "auditLog"> }) {
  const entries = useSignal<readonly AuditEntry[]>([]);
  const next = useSignal<number | null>(null);
  const error = useSignal<string | null>(null);
  const load = async (before?: number) => {
    try {
      const page = await api.auditLog(before);
      entries.value = before ? [...entries.value, ...page.entries] : page.entries;
      next.value = page.nextBefore;
      error.value = null;
    } catch (err) {
      error.value = `Could not load the audit log: ${errorText(err)}`;
    }
  };
  useEffect(() => void load(), []);
  return (
    <section class="panel" aria-label="Audit log">
      <h3>Audit log</h3>
      {error.value && <p class="form-error" role="alert">{error.value}</p>}
      {entries.value.length === 0 && !error.value && <p class="muted">No admin actions yet.</p>}
      <ol class="audit">
        {entries.value.map((e) => (
          <li key={e.id}>
            <time dateTime={e.createdAt}>{fullTime(e.createdAt)}</time>{" "}
            <strong>{e.actorEmail ?? "Server"}</strong> {ACTIONS[e.action] ?? e.action}{" "}
            <code>{e.targetId ?? ""}</code>
            {Object.keys(e.details).length > 0 && <div class="muted">{detailText(e)}</div>}
          </li>
        ))}
      </ol>
      {next.value !== null && (
        <button
          type="button"
          class="button"
          onClick={() => void load(next.value ?? undefined)}
        >
          Load older entries
        </button>
      )}
    </section>
  );
}
