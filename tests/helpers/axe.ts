/**
 * Runs axe-core in a Playwright page and returns its serious and critical violations, each named
 * with the failing elements and why, so a red run says what to fix.
 *
 * @module
 */

import type { Page } from "playwright-core";

let source: Promise<string> | null = null;

/**
 * The serious and critical axe violations of `page` as it is now (`[]` when clean). A page with a
 * strict CSP needs a context created with `bypassCSP: true`: axe is injected as an inline script.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  source ??= Deno.readTextFile(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url));
  await page.addScriptTag({ content: await source });
  return await page.evaluate(async () => {
    type Node = { target: unknown[]; failureSummary?: string };
    type Violation = { id: string; impact: string; help: string; nodes: Node[] };
    const w = window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } };
    const result = await w.axe.run();
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) =>
        `${v.id}: ${v.help} [${
          v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`).join("; ")
        }]`
      );
  });
}
