import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ConversationSummary } from "../../../protocol/frames.ts";
import { ApiError, apiRequest, errorText } from "../api.ts";
import { visitorLabel } from "../format.ts";
import { filesOf } from "../attach_slot.ts";
import { snoozeTime } from "../snooze.ts";
import { isSnoozed } from "../views.ts";
import type { ConsoleModel } from "../model.ts";
import type { Session } from "../session.ts";
import { Composer } from "./Composer.tsx";
import { MessageList } from "./MessageList.tsx";
import { SnoozeMenu } from "./SnoozeMenu.tsx";
import { TransferMenu } from "./TransferMenu.tsx";
import { LabelPicker } from "./LabelPicker.tsx";
import { LabelChips } from "./LabelChips.tsx";
import { PriorityMenu } from "./PriorityMenu.tsx";
import { TypingIndicator } from "./TypingIndicator.tsx";

/** Props of {@link ConversationPane}. */
export interface ConversationPaneProps {
  session: Session;
  detailsOpen: boolean;
  onToggleDetails(): void;
}

const STATUS_LABELS = { queued: "Waiting in queue", open: "Open", resolved: "Resolved" } as const;

/** The middle column: header with actions, history, typing, composer. */
export function ConversationPane({ session, detailsOpen, onToggleDetails }: ConversationPaneProps) {
  const { model } = session;
  const id = model.selectedId.value;
  // Whether the server sends email (`GET /api/agent/preferences`): without it, no transcripts.
  const emailOn = useSignal(false);
  /** A drag with files is over the conversation: dropping attaches them. */
  const dropping = useSignal(false);
  useEffect(() => {
    apiRequest("GET", "/api/agent/preferences").then((r) => {
      emailOn.value = (r as { emailOn?: unknown } | null)?.emailOn === true;
    }, () => {});
  }, []);
  if (id === null) {
    return (
      <section class="conversation conversation-empty" aria-label="Conversation">
        <div class="empty-state">
          <h2>No conversation open</h2>
          <p class="muted">
            Pick one from the inbox, or press <kbd>j</kbd>/<kbd>k</kbd>. Press <kbd>?</kbd>{" "}
            for all shortcuts.
          </p>
        </div>
      </section>
    );
  }
  const c = model.selected.value;
  const up = session.attach.uploader.value;
  const name = c ? visitorLabel(c.visitorName, c.visitorId) : "Conversation";
  const site = c ? session.sites.label(c.siteId) : null;
  return (
    <section
      class={`conversation${dropping.value ? " drop-target" : ""}`}
      aria-label={`Conversation with ${name}`}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        dropping.value = true;
      }}
      onDragLeave={(e) => {
        const to = e.relatedTarget;
        if (!(to instanceof Node && e.currentTarget.contains(to))) dropping.value = false;
      }}
      onDrop={(e) => {
        dropping.value = false;
        if (!e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        session.attach.add(id, filesOf(e.dataTransfer));
      }}
    >
      <header class="conv-header">
        <button
          type="button"
          class="icon-button back-button"
          aria-label="Back to inbox"
          onClick={() => model.select(null)}
        >
          ‹
        </button>
        <div class="conv-title">
          <h2>{name}</h2>
          {c && (
            <p class="conv-sub">
              {STATUS_LABELS[c.status]} · {assigneeText(model, c)}
              {isSnoozed(c) &&
                ` · Snoozed until ${snoozeTime(c.snoozedUntil ?? "", model.clock.value)}`}
              {c.rating !== null && ` · Rated ${c.rating}/5`}
              {site !== null && ` · ${site}`}
            </p>
          )}
          {c && <LabelChips ids={c.labels} labels={model.labels.value} />}
        </div>
        {c && <PriorityMenu session={session} c={c} />}
        {c && <LabelPicker session={session} c={c} />}
        {c && <Actions key={c.id} model={model} c={c} transcript={emailOn.value} />}
        <button
          type="button"
          class="button ghost details-toggle"
          aria-pressed={detailsOpen}
          onClick={onToggleDetails}
        >
          Details
        </button>
      </header>
      <MessageList model={model} id={id} onView={session.attach.view} />
      <TypingIndicator model={model} id={id} />
      <Composer session={session} id={id} status={c?.status ?? "open"} />
      {up && <up.Viewer />}
    </section>
  );
}

function assigneeText(model: ConsoleModel, c: ConversationSummary): string {
  if (c.assigneeId === null) return "Unassigned";
  if (c.assigneeId === model.me.value.id) return "Assigned to you";
  const a = model.agents.value.get(c.assigneeId);
  // An assignee who is not online is worth a glance: the visitor may be waiting for nobody.
  if (!a) return "Assigned to another agent";
  return `Assigned to ${a.name}${a.status === "online" ? "" : ` (${a.status})`}`;
}

/**
 * Emails the conversation's transcript to the visitor's address (`POST
 * /api/conversations/:id/transcript`); says where it went, or why it could not.
 */
function SendTranscript({ model, c }: { model: ConsoleModel; c: ConversationSummary }) {
  const busy = useSignal(false);
  const send = async () => {
    busy.value = true;
    try {
      const r = await apiRequest(
        "POST",
        `/api/conversations/${encodeURIComponent(c.id)}/transcript`,
        {},
      );
      const to = (r as { to?: unknown } | null)?.to;
      model.notify(`Transcript sent to ${typeof to === "string" ? to : "the visitor"}`, "info");
    } catch (err) {
      model.notify(
        err instanceof ApiError && err.code === "no_email"
          ? "No transcript sent: the visitor has left no email address"
          : `Could not send the transcript: ${errorText(err)}`,
      );
    } finally {
      busy.value = false;
    }
  };
  return (
    <button type="button" class="button" disabled={busy.value} onClick={send}>
      Send transcript
    </button>
  );
}

function Actions(
  { model, c, transcript }: { model: ConsoleModel; c: ConversationSummary; transcript: boolean },
) {
  if (c.status === "resolved") {
    return (
      <div class="actions">
        <button type="button" class="button" onClick={() => model.reopen(c.id)}>Reopen</button>
        {transcript && <SendTranscript model={model} c={c} />}
      </div>
    );
  }
  return (
    <div class="actions">
      {c.assigneeId === null && (
        <button
          type="button"
          class="button primary"
          onClick={() => model.accept(c.id)}
        >
          Accept
        </button>
      )}
      <TransferMenu model={model} c={c} />
      <SnoozeMenu model={model} c={c} />
      <button type="button" class="button resolve" onClick={() => model.resolve(c.id)}>
        Resolve
      </button>
      {transcript && <SendTranscript model={model} c={c} />}
    </div>
  );
}
