/**
 * Signing in to the agent console in a browser test: the one sequence the console tests share
 * (form, then the inbox's Queue tab and a connected socket, so the test starts on a live console).
 *
 * @module
 */

import type { Page } from "playwright-core";
import { ADMIN } from "./server.ts";

/** Opens `${url}/console` in `page` and signs in as `who` (the admin by default). */
export async function signInConsole(
  page: Page,
  url: string,
  who: { email: string; password: string } = ADMIN,
): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("tab", { name: /^Queue/ }).waitFor();
  await page.locator(".conn-connected").waitFor();
}
