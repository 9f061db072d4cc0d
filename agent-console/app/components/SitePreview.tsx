import { readableTextColor } from "../../../protocol/color.ts";
import {
  LAUNCHER_LABELS,
  localizedText,
  RTL_LOCALES,
  type WidgetLocale,
} from "../../../protocol/site_settings.ts";
import {
  draftColor,
  LANGUAGE_NAMES,
  type SiteDraft,
  type TextField,
  textValue,
} from "../site_form.ts";

/**
 * What the widget shows for a text left empty. The widget's own tables translate these; the
 * preview shows the English ones rather than bundle nine locale tables into the console.
 */
const DEFAULTS: Record<Exclude<TextField, "launcherLabel" | "awayMessage">, string> = {
  teamName: "Support",
  greeting: "Hi! Ask us anything.",
  replyTime: "Typically replies in a few minutes",
};

/**
 * A faithful mock of the widget with the draft's settings, in one language: the launcher and the
 * panel's header and greeting in the brand colour, with text in the contrasting colour the
 * server will pick (`readableTextColor`), mirrored for right-to-left languages. Decorative for
 * assistive technology: every value it shows is in the form beside it.
 */
export function SitePreview({ draft, lang }: { draft: SiteDraft; lang: WidgetLocale }) {
  const color = draftColor(draft.color);
  const on = readableTextColor(color);
  const text = (f: TextField) =>
    localizedText(textValue(draft.texts[f], draft.locale), lang, draft.locale);
  const team = text("teamName") ?? DEFAULTS.teamName;
  const reply = text("replyTime") ?? DEFAULTS.replyTime;
  const greeting = text("greeting") ?? DEFAULTS.greeting;
  const label = text("launcherLabel");
  const dir = RTL_LOCALES.includes(lang) ? "rtl" : "ltr";
  return (
    <figure class="preview">
      <div
        class={`pv pv-${draft.position}`}
        data-testid="widget-preview"
        // Custom properties set through the CSSOM: allowed under the console's style-src 'self'.
        style={{ "--pv-brand": color, "--pv-on": on }}
      >
        {/* The corner is physical (left stays left in Arabic); the panel's content mirrors. */}
        <div class="pv-panel" dir={dir} lang={lang}>
          <div class="pv-head">
            <div class="pv-team">{team}</div>
            <div class="pv-sub">
              <span class="pv-dot" aria-hidden="true" />Online · {reply}
            </div>
          </div>
          <div class="pv-body">
            <div class="pv-who">{team}</div>
            <div class="pv-bubble">{greeting}</div>
          </div>
          <div class="pv-input">Write a message…</div>
        </div>
        <div
          class="pv-launcher"
          dir={dir}
          lang={lang}
          title={label ?? LAUNCHER_LABELS[lang][0]}
        >
          <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
            <path
              fill="currentColor"
              d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
            />
          </svg>
          {label && <span>{label}</span>}
        </div>
      </div>
      <figcaption class="muted">
        Preview in {LANGUAGE_NAMES[lang]}. Empty texts show the widget's default in each language.
      </figcaption>
    </figure>
  );
}
