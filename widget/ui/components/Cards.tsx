/**
 * Cards shown at the end of the log: the away card (outside business hours or while no agent is
 * online, with the optional email prompt), and the one-click rating with "start over" once the
 * conversation is resolved.
 *
 * @module
 */

import type { JSX } from "preact";
import { currentHours, formatNextOpen } from "../hours.ts";
import { StarIcon } from "./icons.tsx";
import type { ViewProps } from "./props.ts";

/**
 * Outside business hours: "closed" and when the team is back; while nobody is online: the away
 * message. Either way, when the site asks for it and the visitor's address is unknown, an
 * optional email field.
 */
export function AwayCard({ model, t, settings, locale }: ViewProps): JSX.Element | null {
  const sent = model.contactEmail.value;
  if (sent) {
    return <div class="card" role="status">{t("emailThanks", { email: sent })}</div>;
  }
  const { open, nextOpen } = currentHours(model.hours.value, settings);
  if (open && model.agentsOnline.value !== 0) return null;
  const visitor = model.visitor.value;
  const ask = settings.askEmail !== false && !!visitor && !visitor.email;
  const back = !open && nextOpen && formatNextOpen(nextOpen, locale);
  const lines = open
    ? [settings.awayMessage || t("noAgents")]
    : [t("closed"), back && t("backAt", { time: back }), settings.awayMessage];
  if (ask) lines.push(t("leaveEmail"));
  return (
    <div class="card">
      <p id="parley-away">{lines.filter(Boolean).join(" ")}</p>
      {ask ? <EmailForm model={model} t={t} /> : null}
    </div>
  );
}

function EmailForm({ model, t }: Pick<ViewProps, "model" | "t">): JSX.Element {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const input = e.currentTarget.elements.namedItem("email");
        if (input instanceof HTMLInputElement) model.contact(input.value);
      }}
    >
      <input
        name="email"
        type="email"
        autocomplete="email"
        required
        aria-label={t("email")}
        aria-describedby="parley-away"
        placeholder={t("emailPlaceholder")}
      />
      <button type="submit" class="pb">{t("emailSubmit")}</button>
    </form>
  );
}

/** After resolution: five one-click stars, then thanks and "start a new conversation". */
export function Rating({ model, t }: ViewProps): JSX.Element | null {
  const c = model.conversation.value;
  if (!c || c.status !== "resolved") return null;
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
                  <StarIcon />
                </button>
              ))}
            </div>
          </div>
        )
        : <p role="status">{t("rated")}</p>}
      <button type="button" class="pb" onClick={() => model.startOver()}>{t("startOver")}</button>
    </div>
  );
}
