/**
 * Cards shown at the end of the log: the away card (outside business hours or while no agent is
 * online, with the optional email prompt) and the transcript by email. The rating card, where the
 * conversation was resolved, is the rating chunk's (`../rating/`).
 *
 * @module
 */

import type { JSX } from "preact";
import { currentHours, formatNextOpen } from "../hours.ts";
import type { ViewProps } from "./props.ts";

/**
 * Outside business hours: "closed" and when the team is back; while nobody is online: the away
 * message. Either way, when the site asks for it and the visitor's address is unknown, an
 * optional email field, then thanks for it. It promises a reply by email only when the server
 * sends one (`emailReplies`), and goes once an agent is there or has answered (the last word is
 * an agent's, even if they left since).
 */
export function AwayCard({ model, t, settings, locale }: ViewProps): JSX.Element | null {
  if (model.items.value.findLast((i) => i.authorKind !== "system")?.authorKind === "agent") {
    return null;
  }
  const { open, nextOpen } = currentHours(model.hours.value, settings);
  if (open && model.agentsOnline.value !== 0) return null;
  // Email is promised only when the server sends it.
  const mail = model.emailReplies.value && t("mailToo");
  if (model.contactEmail.value) {
    return <div class="card" role="status">{t("emailThanks")} {mail}</div>;
  }
  const visitor = model.visitor.value;
  const ask = settings.askEmail !== false && !!visitor && !visitor.email;
  const back = !open && nextOpen && formatNextOpen(nextOpen, locale);
  const lines = open
    ? [settings.awayMessage || t("noAgents")]
    : [t("closed"), back && t("backAt", { time: back }), settings.awayMessage];
  if (ask) lines.push(t("leaveEmail"), mail);
  return (
    <div class="card">
      <p id="parley-away">{lines.filter(Boolean).join(" ")}</p>
      {ask ? <EmailForm t={t} onEmail={model.contact} /> : null}
    </div>
  );
}

function EmailForm(
  { t, onEmail, submit = t("emailSubmit"), d = "parley-away" }: Pick<ViewProps, "t"> & {
    onEmail(email: string): unknown;
    /** The submit button's label (default "Save email"). */
    submit?: string;
    /** The id of the text that says what the address is for. */
    d?: string;
  },
): JSX.Element {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const input = e.currentTarget.elements.namedItem("email");
        if (input instanceof HTMLInputElement) onEmail(input.value);
      }}
    >
      <input
        name="email"
        type="email"
        autocomplete="email"
        required
        aria-label={t("email")}
        aria-describedby={d}
        placeholder={t("emailPlaceholder")}
      />
      <button type="submit" class="pb">{submit}</button>
    </form>
  );
}

/**
 * "Email me a transcript", when the server sends email and the conversation has messages: to
 * the visitor's address, or one asked for here; then what became of it.
 */
export function TranscriptCard({ model, t }: ViewProps): JSX.Element | null {
  const state = model.transcript.value;
  if (!model.emailReplies.value || !model.items.value.some((i) => i.seq)) return null;
  if (state === 1) {
    return (
      <div class="card">
        <p id="parley-tr">{t("transcript")}</p>
        <EmailForm t={t} onEmail={model.sendTranscript} submit={t("send")} d="parley-tr" />
      </div>
    );
  }
  return (
    <div class="s" role="status">
      {state
        ? state === 2 ? t("transcriptSent") : t("transcriptNo")
        : (
          <button type="button" class="lk" onClick={() => model.sendTranscript()}>
            {t("transcript")}
          </button>
        )}
    </div>
  );
}
