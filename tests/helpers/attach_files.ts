/**
 * Attaching files in a browser test the way a person does, shared by the widget's and the
 * console's attachment suites: the "Attach a file" button, then its file chooser. Also the phone
 * the widget and console suites take screenshots on.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { BrowserContextOptions, Page } from "playwright-core";

/** A file handed to a file chooser. */
export interface ChosenFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

/** A phone (390x844 CSS pixels, touch, a 2x screen), as the screenshots of issue 18 show it. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/**
 * Clicks the button named `buttonName` (the widget's and the console's "Attach a file", or its
 * translation) and picks `files` in the file chooser it opens.
 */
export async function attachFiles(
  page: Page,
  files: ChosenFile[],
  buttonName = "Attach a file",
): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    page.getByRole("button", { name: buttonName }).click(),
  ]);
  await chooser.setFiles(
    files.map((f) => ({ name: f.name, mimeType: f.mimeType, buffer: Buffer.from(f.bytes) })),
  );
}
