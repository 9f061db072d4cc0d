/**
 * Where the Reports view goes in the console: fetches its chunk (`reports/mod.ts`) the first
 * time it is opened, like the admin tabs, and shows a status line meanwhile or an alert when the
 * chunk cannot be fetched (after a deploy replaced the files, reloading helps).
 *
 * @module
 */

import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Session } from "../session.ts";

type ReportsModule = typeof import("../reports/mod.ts");

/** Props of {@link ReportsPanel}. */
export interface ReportsPanelProps {
  session: Session;
  onClose(): void;
}

/** The lazily loaded Reports view. */
export function ReportsPanel({ session, onClose }: ReportsPanelProps) {
  const mod = useSignal<ReportsModule | null>(null);
  const failed = useSignal(false);
  useEffect(() => {
    import("../reports/mod.ts").then((m) => (mod.value = m), () => (failed.value = true));
  }, []);
  if (failed.value) {
    return <p role="alert">Reports could not be loaded. Reload the page to try again.</p>;
  }
  const m = mod.value;
  if (m === null) return <p role="status" class="muted">Loading reports…</p>;
  return <m.ReportsView session={session} onClose={onClose} />;
}
