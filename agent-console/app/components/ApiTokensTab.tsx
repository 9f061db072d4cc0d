import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { Session } from "../session.ts";
import { type ApiToken, type ApiTokens, createApiTokens } from "../api_tokens.ts";
import { Field, submitThenReset, text } from "./Field.tsx";
import { CopyBox } from "./SiteTools.tsx";

/** A date and time in the agent's locale, or "never". */
function when(iso: string | null): string {
  if (iso === null) return "never";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * Settings → API tokens (admins): the public API's tokens with their scope, sites and last use,
 * a form for a new one (its secret shown once, with a copy button) and revocation behind a
 * confirmation. See docs/api.md.
 */
export function ApiTokensTab({ session }: { session: Session }) {
  const model = useMemo(
    () => createApiTokens({ notify: (t, tone = "error") => session.model.notify(t, tone) }),
    [],
  );
  useEffect(() => {
    void model.load();
    return () => model[Symbol.dispose]();
  }, []);
  const sites = session.sites.sites.value;
  const created = model.created.value;
  return (
    <div class="settings-grid">
      {created && <SecretPanel model={model} name={created.token.name} secret={created.secret} />}
      <section class="panel" aria-label="API tokens">
        <h3>API tokens</h3>
        <p class="muted">
          Tokens let your other tools use Parley's API (<code>/api/v1</code>): read conversations,
          answer visitors, update visitors. They never sign in to this console.
        </p>
        {model.loaded.value && model.tokens.value.length === 0
          ? <p class="muted">No tokens yet.</p>
          : (
            <ul class="token-list">
              {model.tokens.value.map((t) => (
                <TokenRow key={t.id} model={model} token={t} session={session} />
              ))}
            </ul>
          )}
      </section>
      <form
        class="panel"
        aria-label="New token"
        onSubmit={submitThenReset((f) =>
          model.create({
            name: text(f, "name"),
            scope: f.get("scope") === "write" ? "write" : "read",
            sites: f.getAll("sites").map(String).filter((id) => sites.some((s) => s.id === id)),
          })
        )}
      >
        <h3>New token</h3>
        <Field label="Token name" hint="What uses it, e.g. CRM sync">
          <input name="name" required maxLength={80} />
        </Field>
        <Field label="Scope">
          <select name="scope">
            <option value="read">Read only</option>
            <option value="write">Read and write</option>
          </select>
        </Field>
        {sites.length > 1 && (
          <fieldset class="agent-sites">
            <legend>Sites this token may use (none checked: all sites)</legend>
            {sites.map((s) => (
              <label key={s.id} class="check">
                <input type="checkbox" name="sites" value={s.id} /> {s.name}
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" class="button primary">Create token</button>
      </form>
    </div>
  );
}

/** The new token's secret, this once. */
function SecretPanel({ model, name, secret }: { model: ApiTokens; name: string; secret: string }) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    panel.current?.scrollIntoView({ block: "nearest" });
    panel.current?.focus();
  }, [secret]);
  return (
    <section ref={panel} tabIndex={-1} class="panel secret-panel" aria-label="New API token">
      <h3>Token {name} created</h3>
      <p>Copy the token now: it is shown only once. Send it as Authorization: Bearer.</p>
      <CopyBox label="API token" value={secret} button="Copy token" />
      <button type="button" class="button ghost" onClick={() => model.dismiss()}>
        I have stored it
      </button>
    </section>
  );
}

function TokenRow({ model, token, session }: {
  model: ApiTokens;
  token: ApiToken;
  session: Session;
}) {
  const confirming = useSignal(false);
  const names = session.sites.names.value;
  const sites = token.sites.length === 0
    ? "All sites"
    : token.sites.map((id) => names.get(id) ?? id).join(", ");
  return (
    <li>
      <div class="token-main">
        <div>
          {token.name}{" "}
          <span class="badge">{token.scope === "write" ? "Read and write" : "Read only"}</span>
        </div>
        <div class="muted">
          {sites} · created {when(token.createdAt)} · last used {when(token.lastUsedAt)}
        </div>
      </div>
      {confirming.value
        ? (
          <div class="confirm" role="group" aria-label={`Revoke ${token.name}?`}>
            <span>Revoke {token.name}? What uses it stops working at once.</span>
            <button
              type="button"
              class="button danger"
              onClick={async () => {
                if (!await model.revoke(token)) confirming.value = false;
              }}
            >
              Revoke token
            </button>
            <button type="button" class="button ghost" onClick={() => (confirming.value = false)}>
              Cancel
            </button>
          </div>
        )
        : (
          <button
            type="button"
            class="button ghost"
            aria-label={`Revoke ${token.name}`}
            onClick={() => (confirming.value = true)}
          >
            Revoke
          </button>
        )}
    </li>
  );
}
