import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { Attachment, Message } from "../../../protocol/frames.ts";
import { AttachmentList } from "./AttachmentList.tsx";
import { clockTime, fullTime } from "../format.ts";
import type { ConsoleModel } from "../model.ts";
import { EMPTY_THREAD, type PendingMessage, threadItems } from "../thread.ts";

/** How close to the bottom (px) still counts as "following" new messages. */
const STICK_PX = 80;

/**
 * The conversation history: older pages load when scrolled to the top (or by the button), new
 * messages keep the view pinned to the bottom unless the agent scrolled up to read. Bodies are
 * rendered as text nodes with `white-space: pre-wrap`; never as HTML.
 */
export function MessageList(
  { model, id, onView }: { model: ConsoleModel; id: string; onView(a: Attachment): void },
) {
  const thread = model.threads.value.get(id) ?? EMPTY_THREAD;
  const pending = model.selectedPending.value;
  const items = threadItems(thread, pending);
  const summary = model.selected.value;
  const meId = model.me.value.id;
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ id: string; firstKey: string | undefined; height: number } | null>(null);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const firstKey = items[0]?.key;
    const prev = anchor.current;
    const last = items.at(-1);
    const lastIsMine = last?.kind === "pending" ||
      (last?.kind === "message" && last.message.authorId === meId);
    if (prev === null || prev.id !== id) {
      stick.current = true;
      el.scrollTop = el.scrollHeight;
    } else if (prev.firstKey !== firstKey && prev.firstKey !== undefined && !stick.current) {
      // An older page was prepended: keep the message the agent was reading in place.
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (stick.current || lastIsMine) {
      el.scrollTop = el.scrollHeight;
    }
    anchor.current = { id, firstKey, height: el.scrollHeight };
  });

  // The typing indicator and a growing composer shrink the list without re-rendering it: keep
  // the newest message in view when the agent was following along.
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (el.scrollTop < 40) model.loadOlder(id);
  };

  let lastDay = "";
  return (
    <div
      class="messages"
      ref={ref}
      onScroll={onScroll}
      role="log"
      aria-label="Messages"
      tabIndex={0}
    >
      {thread.hasMore && (
        <button
          type="button"
          class="button ghost older"
          disabled={thread.loadingOlder}
          onClick={() => model.loadOlder(id)}
        >
          {thread.loadingOlder ? "Loading older messages…" : "Load older messages"}
        </button>
      )}
      {!thread.loaded && <p class="muted center">Loading conversation…</p>}
      {thread.loaded && items.length === 0 && <p class="muted center">No messages yet.</p>}
      {items.map((item) => {
        const createdAt = item.kind === "message" ? item.message.createdAt : item.pending.createdAt;
        const day = dayLabel(createdAt);
        const sep = day !== lastDay ? <div class="day-sep" key={`d-${day}`}>{day}</div> : null;
        lastDay = day;
        return [
          sep,
          item.kind === "message"
            ? (
              <MessageRow
                key={item.key}
                m={item.message}
                mine={item.message.authorKind === "agent" && item.message.authorId === meId}
                seen={summary !== null && summary.visitorReadSeq >= item.message.seq}
                onView={onView}
              />
            )
            : <PendingRow key={item.key} p={item.pending} model={model} onView={onView} />,
        ];
      })}
    </div>
  );
}

function dayLabel(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86_400_000);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return d.toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric" });
}

function MessageRow(
  { m, mine, seen, onView }: {
    m: Message;
    mine: boolean;
    seen: boolean;
    onView(a: Attachment): void;
  },
) {
  if (m.authorKind === "system") {
    return (
      <div class="msg-system">
        <span>{m.body}</span> <time dateTime={m.createdAt}>{clockTime(m.createdAt)}</time>
      </div>
    );
  }
  const cls = `msg msg-${m.authorKind}${m.note ? " msg-note" : ""}${mine ? " msg-mine" : ""}`;
  return (
    <article class={cls} data-seq={m.seq}>
      <div class="msg-meta">
        <span class="msg-author">{mine ? "You" : m.authorName ?? "Visitor"}</span>
        {m.authorKind === "bot" && <span class="badge">Bot</span>}
        {m.note && <span class="badge badge-note">Private note</span>}
        <time dateTime={m.createdAt} title={fullTime(m.createdAt)}>{clockTime(m.createdAt)}</time>
      </div>
      {m.body !== "" && <div class="msg-body" dir="auto">{m.body}</div>}
      {m.attachments && <AttachmentList files={m.attachments} onView={onView} />}
      {mine && !m.note && <div class="msg-status">{seen ? "Seen" : "Sent"}</div>}
    </article>
  );
}

function PendingRow(
  { p, model, onView }: { p: PendingMessage; model: ConsoleModel; onView(a: Attachment): void },
) {
  return (
    <article class={`msg msg-agent msg-mine msg-pending${p.note ? " msg-note" : ""}`}>
      <div class="msg-meta">
        <span class="msg-author">You</span>
        {p.note && <span class="badge badge-note">Private note</span>}
      </div>
      {p.body !== "" && <div class="msg-body" dir="auto">{p.body}</div>}
      {p.attachments && <AttachmentList files={p.attachments} onView={onView} />}
      {p.state === "sending"
        ? <div class="msg-status">Sending…</div>
        : (
          <div class="msg-status msg-failed" role="alert">
            Not sent{p.error ? `: ${p.error}` : ""}{" "}
            <button type="button" class="link-button" onClick={() => model.retry(p.clientId)}>
              Retry
            </button>{" "}
            <button type="button" class="link-button" onClick={() => model.discard(p.clientId)}>
              Discard
            </button>
          </div>
        )}
    </article>
  );
}
