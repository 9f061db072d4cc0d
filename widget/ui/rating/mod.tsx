/**
 * The rating chunk (`assets/widget-rating-<hash>.js`, see `api.ts`), loaded by the UI bundle the
 * first time the log shows a resolved conversation. It hands its mount function to the UI through
 * an event on its own `<script>` element, as the UI does to the loader.
 *
 * @module
 */

import type { JSX } from "preact";
import { UI_READY_EVENT } from "../../api.ts";
import type { ViewProps } from "../components/props.ts";
import type { MountRating } from "./api.ts";
import { L } from "./lib.ts";
import { RATING_CSS } from "./styles.ts";

/**
 * Once resolved: five one-click stars, then thanks; "start a new conversation" while it stays
 * resolved. The message list shows it where the conversation was resolved, so it stays usable
 * after the visitor wrote again (which reopens the conversation).
 */
export function Rating({ model, t }: ViewProps): JSX.Element {
  // Shown only for a conversation that was resolved (see `MessageList`).
  const c = model.conversation.value!;
  return (
    <div class="card">
      <p>{t("resolved")}</p>
      {c.rating === null
        ? (
          <div role="group" aria-label={t("rateTitle")}>
            <p>{t("rateTitle")}</p>
            <div class="st">
              {[1, 2, 3, 4, 5].map((n) => (
                <button
                  type="button"
                  key={n}
                  aria-label={t("rate", { n })}
                  onClick={() => model.rate(n)}
                >
                  {/* A star, decorative. */}
                  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M12 17.3 18.2 21l-1.6-7L22 9.2l-7.2-.6L12 2 9.2 8.6 2 9.2 7.5 14l-1.7 7z" />
                  </svg>
                </button>
              ))}
            </div>
          </div>
        )
        : <p role="status">{t("rated")}</p>}
      {c.status === "resolved"
        ? (
          <button type="button" class="pb" onClick={() => model.startOver()}>
            {t("startOver")}
          </button>
        )
        : null}
    </div>
  );
}

const mount: MountRating = (h, root) => {
  L.h = h;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(RATING_CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  return Rating;
};

document.currentScript?.dispatchEvent(new CustomEvent(UI_READY_EVENT, { detail: mount }));
