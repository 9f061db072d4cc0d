/**
 * What this build is: the release from `deno.json` and the git commit `tools/build.ts` recorded in
 * `dist/build.json`. Read once at start-up; `/healthz` and the `parley_build_info` metric only
 * repeat it, so a probe never touches the disk.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import type { BuildInfo } from "../routes/context.ts";

/** The file the build writes next to the assets. */
export const BUILD_FILE = "build.json";

/** A commit id as git prints it (abbreviated or full, SHA-1 or SHA-256). */
const COMMIT = /^[0-9a-f]{7,64}$/;

/**
 * The running build. The commit is null when the assets were built without git (a source
 * archive, a container build without `.git`) or not built at all.
 */
export async function readBuildInfo(distDir: string): Promise<BuildInfo> {
  return { version: denoJson.version, commit: await readCommit(distDir) };
}

async function readCommit(distDir: string): Promise<string | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${distDir}/${BUILD_FILE}`);
  } catch {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || !("commit" in parsed)) return null;
    const commit = parsed.commit;
    return typeof commit === "string" && COMMIT.test(commit) ? commit : null;
  } catch {
    return null;
  }
}
