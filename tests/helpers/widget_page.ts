/**
 * Driving the embedded widget in a Playwright page, shared by the widget end-to-end suites.
 *
 * @module
 */

import type { Page } from "playwright-core";

/**
 * Opens the chat from the launcher and waits until the panel's entry animation has finished.
 * The panel fades and slides in over 200 ms; a fast server can ack a message sooner than that,
 * and geometry or colour contrast measured mid-animation is not what a visitor sees.
 */
export async function openChat(p: Page): Promise<void> {
  await p.getByRole("button", { name: "Open chat" }).click();
  await p.getByRole("textbox", { name: "Message" }).waitFor();
  await p.evaluate(async () => {
    const panel = document.querySelector("parley-chat")?.shadowRoot?.querySelector(".p");
    const entering = (panel?.getAnimations() ?? []).map((a) => a.finished.catch(() => a));
    await Promise.all(entering);
  });
}

/**
 * Waits until the page has loaded everything it asks for and the launcher's entrance has
 * settled: before a screenshot of it, or a check that it has stored and loaded nothing yet.
 */
export async function launcherAtRest(p: Page): Promise<void> {
  const launcher = p.getByRole("button", { name: "Open chat" });
  await launcher.waitFor();
  await p.waitForLoadState("networkidle");
  await launcher.evaluate((el) =>
    Promise.all((el.getRootNode() as ShadowRoot).getAnimations().map((a) => a.finished))
  );
}
