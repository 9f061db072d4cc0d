/**
 * Where browser tests save screenshots: `/work/wt/shots` (or a folder in it) when `/work/wt`
 * exists, the workplace where screenshots are looked at, else the ignored `tests/artifacts/`,
 * so a clean clone anywhere never writes outside the repository.
 *
 * @module
 */

import { artifactsDir } from "./browser.ts";

/** The shared screenshots folder of this workplace, when it has one. */
const WORKPLACE_SHOTS = "/work/wt/shots";

/**
 * The folder for screenshots (created): `/work/wt/shots/<sub>` when `/work/wt` exists and the
 * folder can be made there, else `tests/artifacts/<sub>`.
 */
export async function shotsDir(sub = ""): Promise<string> {
  const under = async (root: string) => {
    const dir = sub === "" ? root : `${root.replace(/\/$/, "")}/${sub}`;
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  };
  try {
    if ((await Deno.stat("/work/wt")).isDirectory) return await under(WORKPLACE_SHOTS);
  } catch {
    // No such workplace, or not writable: the repository's own artifacts folder.
  }
  return await under(await artifactsDir());
}
