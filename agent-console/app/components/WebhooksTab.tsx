import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { WEBHOOK_EVENTS, type WebhookEndpointRecord } from "../../../protocol/webhooks.ts";
import type { Session } from "../session.ts";
import { createWebhookAdmin, type WebhookAdmin } from "../webhooks.ts";
import { Field, formValues } from "./Field.tsx";
import { CopyBox } from "./SiteTools.tsx";

/**
 * Settings → Webhooks (admins): per site, its endpoints (enable, disable, delete, send a test
 * event), each one's last deliveries with a Resend, and a form to add one whose secret is shown
 * once. Self-contained: its model is made here, from the session's notices.
 */
export function WebhooksTab({ session }: { session: Session }) {
  const admin = useMemo(
    () =>
      createWebhookAdmin({
        notify: (text, tone) => session.model.notify(text, tone ?? "error"),
      }),
    [],
  );
  const sites = session.sites.sites.value;
  useEffect(() => {
    if (admin.siteId.value === null && sites.length > 0) void admin.selectSite(sites[0].id);
  }, [sites.length]);
  if (sites.length === 0) {
    return <p class="muted">Create a site first (Settings → Sites): webhooks belong to a site.</p>;
  }
  return (
    <div class="webhooks">
      <Field label="Site">
        <select
          value={admin.siteId.value ?? ""}
          onChange={(e) => void admin.selectSite(e.currentTarget.value)}
        >
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
      </Field>
      {admin.secret.value && <SecretNotice admin={admin} />}
      <section class="panel" aria-label="Webhooks of the site">
        <h3>Endpoints</h3>
        {admin.loaded.value && admin.webhooks.value.length === 0 && (
          <p class="muted">
            None yet. An endpoint receives a signed POST for each event it subscribes to.
          </p>
        )}
        <ul class="webhook-list">
          {admin.webhooks.value.map((w) => <Endpoint key={w.id} admin={admin} webhook={w} />)}
        </ul>
      </section>
      <NewWebhookForm admin={admin} />
    </div>
  );
}

function NewWebhookForm({ admin }: { admin: WebhookAdmin }) {
  return (
    <form
      class="panel"
      onSubmit={async (e) => {
        const form = e.currentTarget as HTMLFormElement;
        const f = formValues(e);
        const events = WEBHOOK_EVENTS.filter((ev) => f.get(`event:${ev}`) === "on");
        const ok = await admin.create({
          url: String(f.get("url") ?? "").trim(),
          events,
          includeNotes: f.get("includeNotes") === "on",
        });
        if (ok) form.reset();
      }}
    >
      <h3>New webhook</h3>
      <Field label="Endpoint URL" hint="https:// — Parley POSTs each event here, signed">
        <input name="url" type="url" required maxLength={2000} placeholder="https://" />
      </Field>
      <fieldset class="webhook-events">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((ev) => (
          <label class="check" key={ev}>
            <input type="checkbox" name={`event:${ev}`} defaultChecked /> <code>{ev}</code>
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" name="includeNotes" /> Include private notes
      </label>
      <button type="submit" class="button primary">Add webhook</button>
    </form>
  );
}

function SecretNotice({ admin }: { admin: WebhookAdmin }) {
  const shown = admin.secret.value;
  const panel = useRef<HTMLElement>(null);
  // Bring it on screen and move focus there, so neither sighted nor screen-reader users miss it.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: "nearest" });
    panel.current?.focus();
  }, [shown?.secret]);
  if (!shown) return null;
  return (
    <section ref={panel} tabIndex={-1} class="panel secret-panel" aria-label="Webhook secret">
      <h3>Webhook added</h3>
      <p>
        Copy its signing secret now: it is shown only once. Your receiver checks each request's
        X-Parley-Signature with it.
      </p>
      <CopyBox label="Signing secret" value={shown.secret} button="Copy secret" />
      <button type="button" class="button ghost" onClick={admin.dismissSecret}>
        I have stored it
      </button>
    </section>
  );
}

function Endpoint({ admin, webhook }: { admin: WebhookAdmin; webhook: WebhookEndpointRecord }) {
  const confirming = useSignal(false);
  const log = admin.deliveries.value.get(webhook.id);
  return (
    <li class="webhook">
      <div class="webhook-url">{webhook.url}</div>
      <div class="muted webhook-meta">
        {webhook.enabled ? "" : <span class="badge">Disabled</span>}{" "}
        {webhook.includeNotes && <span class="badge">Notes included</span>}{" "}
        {webhook.events.join(", ")}
      </div>
      <div class="webhook-actions">
        <button
          type="button"
          class="button"
          onClick={() => void admin.setEnabled(webhook.id, !webhook.enabled)}
        >
          {webhook.enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" class="button" onClick={() => void admin.sendTest(webhook.id)}>
          Send test event
        </button>
        <button
          type="button"
          class="button"
          aria-expanded={log !== undefined}
          onClick={() =>
            log ? admin.hideDeliveries(webhook.id) : void admin.loadDeliveries(webhook.id)}
        >
          {log ? "Hide deliveries" : "Show deliveries"}
        </button>
        <button type="button" class="button danger" onClick={() => (confirming.value = true)}>
          Delete
        </button>
      </div>
      {confirming.value && (
        <div class="confirm">
          <p>Delete this webhook and its delivery log?</p>
          <button
            type="button"
            class="button danger"
            onClick={() => void admin.remove(webhook.id)}
          >
            Delete webhook
          </button>{" "}
          <button type="button" class="button ghost" onClick={() => (confirming.value = false)}>
            Keep it
          </button>
        </div>
      )}
      {log && <Deliveries admin={admin} webhookId={webhook.id} />}
    </li>
  );
}

const STATUS_TEXT = { pending: "Pending", delivered: "Delivered", failed: "Failed" } as const;

function when(iso: string | null): string {
  return iso === null ? "" : new Date(iso).toLocaleString();
}

function Deliveries({ admin, webhookId }: { admin: WebhookAdmin; webhookId: string }) {
  const list = admin.deliveries.value.get(webhookId) ?? [];
  return (
    <div class="webhook-deliveries">
      <div class="copy-row">
        <strong>Last deliveries</strong>
        <button
          type="button"
          class="button ghost"
          onClick={() => void admin.loadDeliveries(webhookId)}
        >
          Refresh
        </button>
      </div>
      {list.length === 0 ? <p class="muted">No deliveries yet.</p> : (
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Result</th>
              <th scope="col">Tries</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.type}</code>
                  <div class="muted">{when(d.lastAttemptAt ?? d.createdAt)}</div>
                </td>
                <td>
                  <span class={`delivery-${d.status}`}>{STATUS_TEXT[d.status]}</span>
                  {d.lastStatus !== null && ` ${d.lastStatus}`}
                  {d.lastError && <div class="delivery-error">{d.lastError}</div>}
                </td>
                <td>{d.attempts}</td>
                <td>
                  <button
                    type="button"
                    class="button ghost"
                    aria-label={`Resend ${d.type} event`}
                    onClick={() => void admin.resend(webhookId, d.id)}
                  >
                    Resend
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
