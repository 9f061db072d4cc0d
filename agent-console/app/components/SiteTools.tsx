import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { SiteRecord } from "../../../protocol/api.ts";
import type { Session } from "../session.ts";
import { siteSnippet } from "../site_form.ts";

/**
 * Copies `text` to the clipboard. Where the Clipboard API is refused (no permission, an old
 * browser), the text is selected in `fallback` so the admin only has to press Ctrl+C.
 */
async function copy(text: string, fallback: HTMLTextAreaElement | HTMLInputElement | null) {
  try {
    await navigator.clipboard.writeText(text);
    return "Copied";
  } catch {
    fallback?.select();
    return "Selected: press Ctrl+C (⌘C) to copy";
  }
}

/** A read-only value with a Copy button and a status line saying what happened. */
export function CopyBox(
  { label, value, button, multiline = false }: {
    label: string;
    value: string;
    button: string;
    multiline?: boolean;
  },
) {
  const status = useSignal("");
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  return (
    <div class="copy-box">
      <label class="field">
        <span>{label}</span>
        {multiline
          ? <textarea ref={ref} readOnly rows={3} value={value} spellcheck={false} />
          : <input ref={ref} readOnly value={value} spellcheck={false} />}
      </label>
      <div class="copy-row">
        <button
          type="button"
          class="button"
          onClick={async () => (status.value = await copy(value, ref.current))}
        >
          {button}
        </button>
        <span class="muted" role="status">{status.value}</span>
      </div>
    </div>
  );
}

/** The snippet to paste into the storefront, with "Copy snippet". */
export function Snippet({ site }: { site: SiteRecord }) {
  return (
    <section class="panel" aria-label="Snippet">
      <h3>Snippet</h3>
      <p class="muted">Paste it before &lt;/body&gt; on every page of the storefront.</p>
      <CopyBox
        label="Embed snippet"
        value={siteSnippet(location.origin, site.id)}
        button="Copy snippet"
        multiline
      />
    </section>
  );
}

/** A freshly created or rotated identity secret: shown once, with "Copy secret". */
export function SecretPanel(
  { site, secret, created, onDone }: {
    site: SiteRecord;
    secret: string;
    created: boolean;
    onDone(): void;
  },
) {
  const panel = useRef<HTMLElement>(null);
  // It appears at the top of a long dialog, away from the button that made it: bring it on
  // screen and move focus there, so neither sighted nor screen-reader users miss it.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: "nearest" });
    panel.current?.focus();
  }, [secret]);
  return (
    <section
      ref={panel}
      tabIndex={-1}
      class="panel secret-panel"
      aria-label="Identity secret"
    >
      <h3>{created ? `Site ${site.name} created` : `New identity secret of ${site.name}`}</h3>
      <p>
        Copy the identity secret now: it is shown only once. Your shop's server signs logged-in
        customers' identities with it (see the security guide).
        {!created && " Signatures made with the previous secret no longer verify."}
      </p>
      <CopyBox label="Identity secret" value={secret} button="Copy secret" />
      <button type="button" class="button ghost" onClick={onDone}>I have stored it</button>
    </section>
  );
}

type DeleteState =
  | { step: "idle" }
  | { step: "confirm" }
  | { step: "conflict"; message: string; count: number };

/** Rotating the identity secret and deleting the site, each behind a confirmation. */
export function SiteDanger(
  { session, site, onRotated, onDeleted }: {
    session: Session;
    site: SiteRecord;
    onRotated(secret: string): void;
    onDeleted(): void;
  },
) {
  const rotating = useSignal(false);
  const del = useSignal<DeleteState>({ step: "idle" });
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const admin = session.siteAdmin;

  async function run<T>(action: () => Promise<T>): Promise<T | null> {
    if (busy.value) return null;
    busy.value = true;
    error.value = null;
    try {
      return await action();
    } finally {
      busy.value = false;
    }
  }

  async function remove(force: boolean) {
    const r = await run(() => admin.remove(site.id, force));
    if (r === null) return;
    if (r.ok) {
      session.model.notify(`Deleted the site ${site.name}`, "info");
      onDeleted();
    } else if (r.status === 409 && !force) {
      const count = admin.sites.value.find((s) => s.id === site.id)?.conversationCount ?? 0;
      del.value = { step: "conflict", message: r.error, count };
    } else {
      error.value = r.error;
    }
  }

  const d = del.value;
  return (
    <section class="panel" aria-label="Identity secret and deletion">
      <h3>Identity secret and deletion</h3>
      {error.value && <p class="form-error" role="alert">{error.value}</p>}
      {rotating.value
        ? (
          <div class="confirm">
            <p>
              Replace the identity secret of{" "}
              {site.name}? Identities signed with the current one stop being verified until your
              server uses the new one.
            </p>
            <button
              type="button"
              class="button danger"
              disabled={busy.value}
              onClick={async () => {
                const r = await run(() => admin.rotate(site.id));
                if (r === null) return;
                rotating.value = false;
                if (r.ok) onRotated(r.value);
                else error.value = r.error;
              }}
            >
              Yes, rotate
            </button>
            <button type="button" class="button ghost" onClick={() => (rotating.value = false)}>
              Cancel
            </button>
          </div>
        )
        : (
          <button type="button" class="button" onClick={() => (rotating.value = true)}>
            Rotate identity secret
          </button>
        )}
      {d.step === "idle" && (
        <button
          type="button"
          class="button danger"
          onClick={() => (del.value = { step: "confirm" })}
        >
          Delete site
        </button>
      )}
      {d.step === "confirm" && (
        <div class="confirm">
          <p>Delete the site {site.name}? Storefronts embedding it lose their chat.</p>
          <button
            type="button"
            class="button danger"
            disabled={busy.value}
            onClick={() => remove(false)}
          >
            Yes, delete
          </button>
          <button type="button" class="button ghost" onClick={() => (del.value = { step: "idle" })}>
            Cancel
          </button>
        </div>
      )}
      {d.step === "conflict" && (
        <div class="confirm" role="alert">
          <p>{d.message}</p>
          <button
            type="button"
            class="button danger"
            disabled={busy.value}
            onClick={() => remove(true)}
          >
            {`Delete with ${d.count} conversation${d.count === 1 ? "" : "s"}`}
          </button>
          <button type="button" class="button ghost" onClick={() => (del.value = { step: "idle" })}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
