import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ConversationStatus } from "../../../protocol/frames.ts";
import type { CannedResponse } from "../../../protocol/api.ts";
import type { Session } from "../session.ts";
import { fillCanned, unknownSlash } from "../canned.ts";
import { filesOf } from "../attach_slot.ts";

/** Canned responses matching the `/query` typed at the start of the composer. */
export function matchCanned(
  canned: readonly CannedResponse[],
  draft: string,
): CannedResponse[] | null {
  const m = /^\/(\S*)$/.exec(draft);
  if (!m) return null;
  const q = m[1].toLowerCase();
  return canned
    .filter((c) =>
      c.shortcut.toLowerCase().startsWith(q) || (q.length > 1 && c.body.toLowerCase().includes(q))
    )
    .slice(0, 8);
}

/** Props of {@link Composer}. */
export interface ComposerProps {
  session: Session;
  id: string;
  status: ConversationStatus;
}

/**
 * The reply box: Enter sends, Shift+Enter adds a line, `/` opens canned responses (their
 * variables filled on insertion), and the "Note" toggle turns the next message into a private
 * note only agents see. A reply starting with a `/word` that is no canned response is held
 * once with a notice: pressing Enter (or Send) again sends it as written. "Attach a file" and a
 * pasted image put files in the uploader's tray (a lazy chunk); the text is then their caption.
 */
export function Composer({ session, id, status }: ComposerProps) {
  const { model, resources, attach } = session;
  const up = attach.uploader.value;
  const hasFiles = up !== null && up.items(id).length > 0;
  const fileRef = useRef<HTMLInputElement>(null);
  const draft = model.drafts.value.get(id) ?? "";
  const note = model.noteMode.value;
  const active = useSignal(0);
  const dismissed = useSignal<string | null>(null);
  /** The draft whose unknown `/word` the agent was warned about: sending it again confirms. */
  const warned = useSignal<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const matches = dismissed.value === draft ? null : matchCanned(resources.canned.value, draft);
  const menuOpen = matches !== null && matches.length > 0;
  const blocked = status === "resolved" && !note;

  useEffect(() => {
    active.value = 0;
  }, [draft]);

  const slash = note ? null : unknownSlash(resources.canned.value, draft);
  const warning = slash !== null && warned.value === draft;
  const send = () => {
    if (blocked) return;
    if (slash !== null && !warning) {
      warned.value = draft;
      return;
    }
    warned.value = null;
    if (up?.send(id, draft, note) || model.sendMessage(id, draft, note)) ref.current?.focus();
  };
  const pick = (c: CannedResponse) => {
    const conv = model.conversations.value.get(id);
    const visitor = conv ? model.visitors.value.get(conv.visitorId) ?? null : null;
    model.setDraft(id, fillCanned(c.body, { visitor, agent: model.me.value }));
    dismissed.value = null;
    ref.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    if (menuOpen && matches) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = matches.length;
        active.value = (active.value + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(matches[Math.min(active.value, matches.length - 1)]);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        dismissed.value = draft;
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form
      class={`composer${note ? " composer-note" : ""}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {menuOpen && matches && (
        <ul class="canned-menu" role="listbox" id="canned-menu" aria-label="Canned responses">
          {matches.map((c, i) => (
            <li
              key={c.id}
              role="option"
              aria-selected={i === active.value}
              class={i === active.value ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(c);
              }}
            >
              <span class="canned-shortcut">/{c.shortcut}</span>
              <span class="canned-body">{c.body}</span>
              {c.agentId === null && <span class="badge">Shared</span>}
            </li>
          ))}
        </ul>
      )}
      {up && <up.Tray conversationId={id} />}
      {warning && (
        <p class="slash-notice" id="slash-notice" role="alert">
          No canned response matches {slash}. Press Enter again to send it as written.
        </p>
      )}
      <textarea
        id="reply"
        dir="auto"
        ref={ref}
        aria-label="Reply"
        aria-describedby={warning ? "slash-notice composer-hint" : "composer-hint"}
        rows={3}
        placeholder={note
          ? "Write a private note: only agents will see it"
          : "Type a reply… ( / for canned responses)"}
        value={draft}
        onInput={(e) => model.setDraft(id, e.currentTarget.value)}
        onKeyDown={onKeyDown}
        onPaste={(e) => {
          // Only a pasted image: text copied from a document may carry a picture of itself too.
          const data = e.clipboardData;
          if (!data || data.types.includes("text/plain") || data.files.length === 0) return;
          e.preventDefault();
          attach.add(id, filesOf(data));
        }}
      />
      <div class="composer-bar">
        <button
          type="button"
          class="button attach-button"
          aria-label="Attach a file"
          onClick={() => fileRef.current?.click()}
        >
          Attach
        </button>
        <input
          type="file"
          multiple
          hidden
          ref={fileRef}
          onChange={(e) => {
            attach.add(id, [...(e.currentTarget.files ?? [])]);
            e.currentTarget.value = "";
          }}
        />
        <button
          type="button"
          class={`button toggle${note ? " toggle-on" : ""}`}
          aria-pressed={note}
          onClick={() => {
            model.setNoteMode(!note);
            ref.current?.focus();
          }}
        >
          Note
        </button>
        <span class="hint" id="composer-hint">
          {blocked
            ? "Resolved: reopen to reply, or write a note"
            : note
            ? "Private note: never sent to the visitor"
            : "Enter to send · Shift+Enter for a new line"}
        </span>
        <button
          type="submit"
          class="button primary"
          disabled={blocked || (draft.trim() === "" && !hasFiles)}
        >
          Send
        </button>
      </div>
    </form>
  );
}
