/**
 * The composer: a textbox that grows with its content (Enter sends, Shift+Enter adds a line)
 * and a Send button. It reports drafts to the model for the agent's typing preview.
 *
 * @module
 */

import type { JSX, RefObject } from "preact";
import { MAX_BODY_CHARS } from "../../../protocol/limits.ts";
import { SendIcon } from "./icons.tsx";
import type { ViewProps } from "./props.ts";

/** Props of {@link Composer}. */
export interface ComposerProps extends ViewProps {
  inputRef: RefObject<HTMLTextAreaElement>;
}

function grow(el: HTMLTextAreaElement): void {
  // CSSOM writes are allowed under a strict style-src, unlike style attributes.
  el.style.height = "auto";
  el.style.height = `${Math.min(el.scrollHeight, 128)}px`;
}

/** The message form. */
export function Composer({ model, t, inputRef }: ComposerProps): JSX.Element {
  const submit = (e?: Event) => {
    e?.preventDefault();
    const el = inputRef.current;
    if (el && model.send(el.value)) {
      el.value = "";
      grow(el);
      el.focus();
    }
  };
  return (
    <form class="c" onSubmit={submit}>
      <textarea
        ref={inputRef}
        rows={1}
        aria-label={t("message")}
        placeholder={t("placeholder")}
        maxLength={MAX_BODY_CHARS}
        enterkeyhint="send"
        onInput={(e) => {
          grow(e.currentTarget);
          model.draft(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
        }}
        onBlur={() => model.blur()}
      />
      <button type="submit" class="ib" aria-label={t("send")}>
        <SendIcon />
      </button>
    </form>
  );
}
