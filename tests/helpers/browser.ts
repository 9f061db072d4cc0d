/**
 * Launches Debian's Chromium through playwright-core for end-to-end tests. Never downloads a
 * browser. Under `CI=true` a missing Chromium is a failure; elsewhere tests may skip.
 *
 * @module
 */

import { type Browser, chromium } from "playwright-core";

/** Where Debian's chromium package installs the browser. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** True when Chromium is installed (or CI demands it, so the launch fails loudly). */
export function browserAvailable(): boolean {
  if (Deno.env.get("CI") === "true") return true;
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/** Launches headless Chromium with the flags this workplace needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** Directory where tests save screenshots (ignored by git). */
export async function artifactsDir(): Promise<string> {
  const dir = new URL("../artifacts/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** One Chromium shared by the independent steps of a test, relaunched if it goes away. */
export interface SharedBrowser extends AsyncDisposable {
  /** The running browser; a new one if the last one crashed or was closed. */
  get(): Promise<Browser>;
}

/**
 * Launches Chromium lazily and again whenever it has disconnected, so that a browser lost in one
 * step (a crash under load) fails that step alone instead of every later one in a millisecond.
 */
export function sharedBrowser(): SharedBrowser {
  let current: Browser | null = null;
  return {
    async get() {
      if (current?.isConnected()) return current;
      if (current) console.warn("Chromium disconnected during the previous step; relaunching");
      current = await launchBrowser();
      return current;
    },
    async [Symbol.asyncDispose]() {
      await current?.close();
    },
  };
}
