/**
 * The composer: a textbox that grows with its content (Enter sends, Shift+Enter adds a line),
 * an "Attach a file" button and a Send button. It reports drafts to the model for the agent's
 * typing preview. Files go to the attachment chunk (loaded on first use), which shows its tray
 * above the form and, while it holds files, sends the text as their caption.
 *
 * @module
 */

import type { JSX, RefObject } from "preact";
import { MAX_BODY_CHARS } from "../../../protocol/limits.ts";
import { ClipIcon, SendIcon } from "./icons.tsx";
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

/** Hands `files` to the attachment chunk, loading it first if needed. */
export function attach({ load }: ViewProps, files?: FileList | null): void {
  // Copied now: a drop's or paste's list is emptied once its event is over.
  const list = [...files ?? []];
  // A chunk that cannot load (offline) drops the files: the visitor attaches them again.
  if (list.length) load().then((a) => a?.add(list));
}

/** The message form. */
export function Composer(props: ComposerProps): JSX.Element {
  const { model, t, inputRef, att } = props;
  const submit = (e?: Event) => {
    e?.preventDefault();
    const el = inputRef.current;
    if (el && props.send(el.value)) {
      el.value = "";
      grow(el);
      el.focus();
    }
  };
  return (
    <form class="c" onSubmit={submit}>
      {att && <att.Tray />}
      <button
        type="button"
        class="ib"
        aria-label={t("attach")}
        onClick={() => {
          // A file input made per click, never in the page: clicked in the button's own user
          // gesture, so the chooser opens (before the chunk has loaded, too).
          const picker = document.createElement("input");
          picker.type = "file";
          picker.multiple = true;
          picker.onchange = () => attach(props, picker.files);
          picker.click();
        }}
      >
        <ClipIcon />
      </button>
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
