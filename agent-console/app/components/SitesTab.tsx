import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { SiteRecord } from "../../../protocol/api.ts";
import type { Session } from "../session.ts";
import { SiteEditor } from "./SiteEditor.tsx";
import { SecretPanel } from "./SiteTools.tsx";

type View = { kind: "list" } | { kind: "new" } | { kind: "edit"; id: string };

/** A secret to show once, and why it exists. */
interface Secret {
  siteId: string;
  secret: string;
  created: boolean;
}

/** Settings → Sites (admins): the list of sites, and the editor of one. */
export function SitesTab({ session }: { session: Session }) {
  const admin = session.siteAdmin;
  const view = useSignal<View>({ kind: "list" });
  const secret = useSignal<Secret | null>(null);
  useEffect(() => {
    void admin.load();
  }, []);

  const v = view.value;
  const editing = v.kind === "edit" ? admin.sites.value.find((s) => s.id === v.id) : undefined;
  const shown = secret.value;
  const shownSite = shown && admin.sites.value.find((s) => s.id === shown.siteId);
  const back = () => {
    view.value = { kind: "list" };
    secret.value = null;
  };
  return (
    <div class="sites">
      {shown && shownSite && (
        <SecretPanel
          site={shownSite}
          secret={shown.secret}
          created={shown.created}
          onDone={() => (secret.value = null)}
        />
      )}
      {v.kind === "list" || (v.kind === "edit" && !editing)
        ? (
          <SiteList
            session={session}
            onNew={() => (view.value = { kind: "new" })}
            onEdit={(id) => (view.value = { kind: "edit", id })}
          />
        )
        : (
          <SiteEditor
            key={v.kind === "edit" ? v.id : "new"}
            session={session}
            site={editing ?? null}
            onBack={back}
            onCreated={(site, identitySecret) => {
              view.value = { kind: "edit", id: site.id };
              secret.value = { siteId: site.id, secret: identitySecret, created: true };
            }}
            onRotated={(site, identitySecret) => {
              secret.value = { siteId: site.id, secret: identitySecret, created: false };
            }}
          />
        )}
    </div>
  );
}

function SiteList(
  { session, onNew, onEdit }: { session: Session; onNew(): void; onEdit(id: string): void },
) {
  const admin = session.siteAdmin;
  const sites = admin.sites.value;
  return (
    <section class="panel" aria-label="Sites">
      <div class="sites-head">
        <h3>Sites</h3>
        <button type="button" class="button primary" onClick={onNew}>New site</button>
      </div>
      <p class="muted">
        Each storefront embeds the chat with its own site: its own origins, look, texts and hours.
      </p>
      {admin.loadError.value && <p class="form-error" role="alert">{admin.loadError.value}</p>}
      {!admin.loaded.value
        ? <p class="muted">Loading sites…</p>
        : sites.length === 0
        ? <p class="muted">No site yet. Create one to get its snippet.</p>
        : (
          <ul class="site-list">
            {sites.map((s) => <SiteRow key={s.id} site={s} onEdit={() => onEdit(s.id)} />)}
          </ul>
        )}
    </section>
  );
}

function SiteRow({ site, onEdit }: { site: SiteRecord; onEdit(): void }) {
  const n = site.conversationCount;
  return (
    <li>
      <span class="site-swatch" aria-hidden="true" style={{ "--pv-brand": site.color }} />
      <div class="site-main">
        <div class="site-name">{site.name}</div>
        <div class="muted">
          <code>{site.id}</code> · {n} conversation{n === 1 ? "" : "s"}
        </div>
        {site.allowedOrigins.length === 0 && (
          <div class="site-warning">Any website can embed this chat</div>
        )}
      </div>
      <button type="button" class="button ghost" aria-label={`Edit ${site.name}`} onClick={onEdit}>
        Edit
      </button>
    </li>
  );
}
