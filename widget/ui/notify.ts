/**
 * Opt-in attention cues for a hidden page: a short chime and a "(2) " prefix on the document
 * title for each new message, cleared when the page is visible again.
 *
 * @module
 */

/** Controls the cues. */
export interface Notifier {
  /** Turns the cues on or off (off by default). */
  setEnabled(on: boolean): void;
  /** A new message arrived from someone other than the visitor. */
  notify(): void;
  /** Removes listeners and restores the title. */
  dispose(): void;
}

/** Creates the notifier for this document. */
export function createNotifier(enabled: boolean): Notifier {
  let count = 0;
  let original = "";
  let audio: AudioContext | null = null;

  const restore = () => {
    if (count > 0) document.title = original;
    count = 0;
  };
  const onVisibility = () => {
    if (document.visibilityState === "visible") restore();
  };
  document.addEventListener("visibilitychange", onVisibility);

  const chime = () => {
    try {
      audio ??= new AudioContext();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const t = audio.currentTime;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, t);
      gain.gain.exponentialRampToValueAtTime(0.001, t + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.25);
    } catch { /* no audio (autoplay policy or no device): the title badge still shows */ }
  };

  return {
    setEnabled(on) {
      enabled = on;
      if (!on) restore();
    },
    notify() {
      if (!enabled || document.visibilityState === "visible") return;
      if (count === 0) original = document.title;
      count++;
      document.title = `(${count}) ${original}`;
      chime();
    },
    dispose() {
      restore();
      document.removeEventListener("visibilitychange", onVisibility);
      audio?.close().catch(() => {});
    },
  };
}
