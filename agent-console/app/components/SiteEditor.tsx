import { type Signal, useSignal } from "@preact/signals";
import type { SiteRecord } from "../../../protocol/api.ts";
import { WIDGET_LOCALES, type WidgetLocale } from "../../../protocol/site_settings.ts";
import type { Session } from "../session.ts";
import {
  draftColor,
  draftFields,
  LANGUAGE_NAMES,
  newSiteDraft,
  type SiteDraft,
  siteDraft,
  TEXT_FIELDS,
  TEXT_LABELS,
  TEXT_MAX,
} from "../site_form.ts";
import { BusinessHoursEditor } from "./BusinessHoursEditor.tsx";
import { Check, Field } from "./Field.tsx";
import { SiteDanger, Snippet } from "./SiteTools.tsx";
import { SitePreview } from "./SitePreview.tsx";

/** Props of {@link SiteEditor}. */
export interface SiteEditorProps {
  session: Session;
  /** The site to edit; null creates one. */
  site: SiteRecord | null;
  /** A site was created: its identity secret is shown once. */
  onCreated(site: SiteRecord, identitySecret: string): void;
  /** The identity secret was rotated: the new one is shown once. */
  onRotated(site: SiteRecord, identitySecret: string): void;
  /** Back to the list (after a deletion too). */
  onBack(): void;
}

const SLUG_PATTERN = "[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?";

/**
 * One site's settings: every field of `/api/sites`, a live preview, the embed snippet, and the
 * identity-secret and deletion tools. The server validates; its refusal shows beside Save.
 */
export function SiteEditor({ session, site, onCreated, onRotated, onBack }: SiteEditorProps) {
  const draft = useSignal<SiteDraft>(site ? siteDraft(site) : newSiteDraft());
  const lang = useSignal<WidgetLocale>(draft.value.locale);
  const error = useSignal<string | null>(null);
  const saved = useSignal(false);
  const busy = useSignal(false);
  const d = draft.value;
  const set = (patch: Partial<SiteDraft>) => {
    draft.value = { ...draft.value, ...patch };
    saved.value = false;
  };

  async function save(e: Event) {
    e.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    const fields = draftFields(draft.value);
    const admin = session.siteAdmin;
    try {
      if (site === null) {
        const id = draft.value.id.trim();
        const r = await admin.create({ ...fields, ...(id ? { id } : {}) });
        if (r.ok) onCreated(r.value.site, r.value.identitySecret);
        else error.value = r.error;
      } else {
        const r = await admin.update(site.id, fields);
        if (r.ok) {
          draft.value = siteDraft(r.value);
          saved.value = true;
        } else error.value = r.error;
      }
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="site-editor">
      <form
        class="panel site-form"
        onSubmit={save}
        aria-label={site ? `Site ${site.name}` : "New site"}
      >
        <div class="site-form-head">
          <button type="button" class="button ghost" onClick={onBack}>‹ All sites</button>
          <h3>{site ? site.name : "New site"}</h3>
        </div>
        <fieldset class="site-fieldset">
          <legend>Site</legend>
          <Field label="Name">
            <input
              value={d.name}
              required
              maxLength={80}
              onInput={(e) => set({ name: e.currentTarget.value })}
            />
          </Field>
          {site === null
            ? (
              <Field
                label="Site id"
                hint="Lowercase letters, digits and dashes, used in the snippet. Empty: made from the name. It cannot change later."
              >
                <input
                  value={d.id}
                  maxLength={48}
                  pattern={SLUG_PATTERN}
                  onInput={(e) => set({ id: e.currentTarget.value })}
                />
              </Field>
            )
            : (
              <p class="muted">
                Site id: <code>{site.id}</code>
              </p>
            )}
          <Field
            label="Allowed origins"
            hint="One per line, such as https://shop.example.com. Empty: any website can embed this chat."
          >
            <textarea
              rows={3}
              value={d.origins}
              spellcheck={false}
              onInput={(e) => set({ origins: e.currentTarget.value })}
            />
          </Field>
          {d.origins.trim() === "" && <p class="site-warning">Any website can embed this chat</p>}
          <Check
            label="Require verified identity"
            checked={d.requireVerified}
            onChange={(requireVerified) => set({ requireVerified })}
          />
          <Check
            label="Assign automatically"
            checked={d.autoAssign}
            onChange={(autoAssign) => set({ autoAssign })}
          />
          <Field
            label="Keep resolved conversations (days)"
            hint="Older resolved conversations are deleted with their messages. Empty: the server's setting."
          >
            <input
              type="number"
              min={1}
              max={36500}
              value={d.retention}
              onInput={(e) => set({ retention: e.currentTarget.value })}
            />
          </Field>
        </fieldset>
        <fieldset class="site-fieldset">
          <legend>Email</legend>
          <Field
            label="Sender name"
            hint="Shown as the sender of emails to this site's visitors, such as Acme Support. Empty: the server's."
          >
            <input
              value={d.senderName}
              maxLength={80}
              onInput={(e) => set({ senderName: e.currentTarget.value })}
            />
          </Field>
          <Field label="Reply-to address" hint="Where replies to those emails go. Empty: none.">
            <input
              type="email"
              value={d.replyTo}
              maxLength={254}
              onInput={(e) => set({ replyTo: e.currentTarget.value })}
            />
          </Field>
          <Field
            label="Notification email"
            hint="Gets the digest of new conversations while no agent is online, instead of the site's agents. Empty: the agents."
          >
            <input
              type="email"
              value={d.notificationEmail}
              maxLength={254}
              onInput={(e) => set({ notificationEmail: e.currentTarget.value })}
            />
          </Field>
        </fieldset>
        <fieldset class="site-fieldset">
          <legend>Appearance and language</legend>
          <div class="field-row">
            <Field label="Brand colour">
              <input
                type="color"
                value={draftColor(d.color)}
                onInput={(e) => set({ color: e.currentTarget.value })}
              />
            </Field>
            <Field label="Brand colour hex code">
              <input
                value={d.color}
                maxLength={7}
                pattern="#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})"
                required
                spellcheck={false}
                onInput={(e) => set({ color: e.currentTarget.value })}
              />
            </Field>
          </div>
          <div class="field-row">
            <Field label="Position">
              <select
                value={d.position}
                onChange={(e) =>
                  set({ position: e.currentTarget.value === "left" ? "left" : "right" })}
              >
                <option value="right">Bottom right</option>
                <option value="left">Bottom left</option>
              </select>
            </Field>
            <Field label="Default language">
              <LanguageSelect
                value={d.locale}
                onChange={(locale) => {
                  set({ locale });
                  lang.value = locale;
                }}
              />
            </Field>
          </div>
          <Check
            label="Use the visitor's browser language"
            checked={d.matchBrowserLocale}
            onChange={(matchBrowserLocale) => set({ matchBrowserLocale })}
          />
        </fieldset>
        <Texts draft={d} lang={lang} set={set} />
        <BusinessHoursEditor draft={d} onChange={set} />
        <div class="site-form-foot">
          {error.value && <p class="form-error" role="alert">{error.value}</p>}
          <p class="muted" role="status">
            {saved.value ? "Saved. Storefronts load it on their next page view." : ""}
          </p>
          <button type="submit" class="button primary" disabled={busy.value}>Save site</button>
        </div>
      </form>
      <div class="site-side">
        <section class="panel" aria-label="Preview">
          <h3>Preview</h3>
          <SitePreview draft={d} lang={lang.value} />
        </section>
        {site
          ? (
            <>
              <Snippet site={site} />
              <SiteDanger
                session={session}
                site={site}
                onRotated={(secret) => onRotated(site, secret)}
                onDeleted={onBack}
              />
            </>
          )
          : <p class="muted pad">Save the site to get its snippet.</p>}
      </div>
    </div>
  );
}

function LanguageSelect(
  { value, onChange, label }: {
    value: WidgetLocale;
    onChange(l: WidgetLocale): void;
    label?: string;
  },
) {
  return (
    <select
      value={value}
      aria-label={label}
      onChange={(e) => {
        const v = e.currentTarget.value;
        const found = WIDGET_LOCALES.find((l) => l === v);
        if (found) onChange(found);
      }}
    >
      {WIDGET_LOCALES.map((l) => <option key={l} value={l} lang={l}>{LANGUAGE_NAMES[l]}</option>)}
    </select>
  );
}

/** The visitor-facing texts, for the language picked above them. */
function Texts(
  { draft, lang, set }: {
    draft: SiteDraft;
    lang: Signal<WidgetLocale>;
    set(patch: Partial<SiteDraft>): void;
  },
) {
  const l = lang.value;
  const isDefault = l === draft.locale;
  return (
    <fieldset class="site-fieldset">
      <legend>Texts</legend>
      <Field
        label="Text language"
        hint={isDefault
          ? "The default language's texts also serve languages that have none."
          : `Empty: the ${LANGUAGE_NAMES[draft.locale]} text, else the widget's default.`}
      >
        <LanguageSelect value={l} onChange={(next) => (lang.value = next)} />
      </Field>
      {TEXT_FIELDS.map((f) => {
        const value = draft.texts[f][l] ?? "";
        const put = (v: string) =>
          set({ texts: { ...draft.texts, [f]: { ...draft.texts[f], [l]: v } } });
        return (
          <Field key={f} label={TEXT_LABELS[f]}>
            {TEXT_MAX[f] > 80
              ? (
                <textarea
                  rows={2}
                  lang={l}
                  dir="auto"
                  maxLength={TEXT_MAX[f]}
                  value={value}
                  onInput={(e) => put(e.currentTarget.value)}
                />
              )
              : (
                <input
                  lang={l}
                  dir="auto"
                  maxLength={TEXT_MAX[f]}
                  value={value}
                  onInput={(e) => put(e.currentTarget.value)}
                />
              )}
          </Field>
        );
      })}
      <Check
        label="Ask for an email when away"
        checked={draft.askEmail}
        onChange={(askEmail) => set({ askEmail })}
      />
    </fieldset>
  );
}
