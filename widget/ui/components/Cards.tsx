/**
 * Cards shown at the end of the log: the email prompt while no agent is online, and the
 * one-click rating with "start over" once the conversation is resolved.
 *
 * @module
 */

import type { JSX } from "preact";
import { StarIcon } from "./icons.tsx";
import type { ViewProps } from "./props.ts";

/** Asks for an email (optional) when nobody is online and the visitor's address is unknown. */
export function EmailPrompt({ model, t }: ViewProps): JSX.Element | null {
  const sent = model.contactEmail.value;
  if (sent) {
    return <div class="card" role="status">{t("emailThanks", { email: sent })}</div>;
  }
  const visitor = model.visitor.value;
  if (model.agentsOnline.value !== 0 || !visitor || visitor.email) return null;
  return (
    <div class="card">
      <p id="parley-away">{t("noAgents")}</p>
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
          placeholder="you@example.com"
        />
        <button type="submit" class="pb">{t("emailSubmit")}</button>
      </form>
    </div>
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
