/**
 * Attention for new messages: a short WebAudio beep (no audio asset), a desktop notification
 * while the console is in the background, and the unread count in the tab title. Permission is
 * requested only when the agent clicks "Enable notifications", never on load.
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";

/** Browser notification permission, or `unsupported`. */
export type PermissionState = NotificationPermission | "unsupported";

/** The notifier used by the console. */
export interface Notifier {
  /** Current notification permission. */
  readonly permission: ReadonlySignal<PermissionState>;
  /** Whether the beep is on (remembered in localStorage). */
  readonly soundOn: ReadonlySignal<boolean>;
  /** Asks for notification permission (call from a click). */
  requestPermission(): Promise<void>;
  /** Turns the beep on or off. */
  setSound(on: boolean): void;
  /** Plays the beep when sound is on. */
  beep(): void;
  /** Shows a desktop notification when the page is hidden and permission was granted. */
  show(title: string, body: string, onClick: () => void): void;
}

const SOUND_KEY = "parley.console.sound";

function readPermission(): PermissionState {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Creates the notifier. */
export function createNotifier(): Notifier {
  const permission = signal<PermissionState>(readPermission());
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(SOUND_KEY);
  } catch {
    stored = null;
  }
  const soundOn = signal(stored !== "off");
  let audio: AudioContext | null = null;

  return {
    permission,
    soundOn,
    async requestPermission() {
      if (typeof Notification === "undefined") return;
      try {
        permission.value = await Notification.requestPermission();
      } catch {
        permission.value = readPermission();
      }
    },
    setSound(on) {
      soundOn.value = on;
      try {
        localStorage.setItem(SOUND_KEY, on ? "on" : "off");
      } catch {
        // Private mode: the choice lasts for this tab only.
      }
    },
    beep() {
      if (!soundOn.value || typeof AudioContext === "undefined") return;
      try {
        audio ??= new AudioContext();
        // Browsers keep the context suspended until a user gesture; then this is a no-op.
        if (audio.state === "suspended") void audio.resume();
        const t = audio.currentTime;
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.setValueAtTime(880, t);
        osc.frequency.setValueAtTime(1320, t + 0.09);
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.15, t + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
        osc.connect(gain).connect(audio.destination);
        osc.start(t);
        osc.stop(t + 0.26);
      } catch {
        // Audio is a nicety; never let it break message handling.
      }
    },
    show(title, body, onClick) {
      if (typeof Notification === "undefined" || !document.hidden) return;
      if (Notification.permission !== "granted") return;
      try {
        const n = new Notification(title, { body, tag: "parley-console" });
        n.onclick = () => {
          globalThis.focus();
          onClick();
          n.close();
        };
      } catch {
        // Some platforms only allow notifications from a service worker.
      }
    },
  };
}

/** The tab title for an unread count. */
export function titleFor(unread: number, connected: boolean): string {
  const base = "Parley console";
  const prefix = unread > 0 ? `(${unread}) ` : "";
  return `${prefix}${connected ? "" : "Offline · "}${base}`;
}
