import { useSignal } from "@preact/signals";
import { useId } from "preact/hooks";
import type { AgentInfo, ConversationSummary } from "../../../protocol/frames.ts";
import type { ConsoleModel } from "../model.ts";
import { Avatar } from "./Avatar.tsx";
import { Modal } from "./Modal.tsx";
import { usePopup } from "./popup.ts";

const STATUS_TEXT = { online: "Online", away: "Away", offline: "Offline" } as const;

/**
 * "Transfer to…" / "Assign to…": a disclosure listing every other enabled agent (invited ones
 * who have not accepted yet cannot sign in, so they are left out) with their
 * email (two agents may share a name) and presence, plus "Back to the queue" for an assigned
 * conversation. Handing a conversation to an agent who is not online asks first: the visitor
 * would wait for someone who is not there.
 */
export function TransferMenu({ model, c }: { model: ConsoleModel; c: ConversationSummary }) {
  const { open, toggle, panel, close } = usePopup();
  const pending = useSignal<AgentInfo | null>(null);
  const listId = useId();
  const meId = model.me.value.id;
  const label = c.assigneeId === null ? "Assign to" : "Transfer to";
  const candidates = [...model.agents.value.values()]
    .filter((a) => !a.disabled && !a.invited && a.id !== c.assigneeId)
    .sort((a, b) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email));

  const choose = (a: AgentInfo) => {
    close(false);
    if (a.status === "online") model.transfer(c.id, a.id);
    else pending.value = a;
  };
  const settle = (transfer: boolean) => {
    if (transfer && p) model.transfer(c.id, p.id);
    pending.value = null;
    toggle.current?.focus();
  };
  const p = pending.value;
  return (
    <span class="transfer">
      <button
        type="button"
        class="button"
        ref={toggle}
        aria-expanded={open.value}
        aria-controls={listId}
        onClick={() => (open.value = !open.value)}
      >
        {label}…
      </button>
      {open.value && (
        <div
          class="transfer-menu"
          id={listId}
          role="group"
          aria-label={label}
          ref={panel}
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            // Only the list closes: the console's Escape would close the conversation.
            e.stopPropagation();
            close(true);
          }}
        >
          {c.assigneeId !== null && (
            <button
              type="button"
              class="transfer-item transfer-queue"
              onClick={() => {
                close(true);
                model.unassign(c.id);
              }}
            >
              Back to the queue
            </button>
          )}
          {candidates.map((a) => {
            const name = a.id === meId ? `${a.name} (you)` : a.name;
            const status = STATUS_TEXT[a.status];
            return (
              <button
                key={a.id}
                type="button"
                class="transfer-item"
                aria-label={`${name}, ${a.email}, ${status}`}
                onClick={() => choose(a)}
              >
                <Avatar id={a.id} name={a.name} src={a.avatar} size="sm" status={a.status} />
                <span class="transfer-who">
                  <span class="transfer-name">{name}</span>
                  <span class="transfer-email">{a.email}</span>
                </span>
                <span class={`transfer-status status-${a.status}`}>{status}</span>
              </button>
            );
          })}
        </div>
      )}
      {p && (
        <Modal open title={`Transfer to ${p.name}?`} onClose={() => settle(false)}>
          <p class="transfer-warning" role="alert">
            {p.name} ({p.email}) is {p.status}. The visitor will wait until {p.name}{" "}
            is back; someone online could answer sooner.
          </p>
          <div class="confirm-actions">
            <button
              type="button"
              class="button primary"
              onClick={() => settle(true)}
            >
              Transfer anyway
            </button>
            <button type="button" class="button ghost" onClick={() => settle(false)}>
              Cancel
            </button>
          </div>
        </Modal>
      )}
    </span>
  );
}
