/**
 * Steps that tell one story: each builds on the state the previous ones left (a conversation
 * accepted, then transferred, then resolved). After the first failure the rest cannot mean
 * anything, so they are reported as ignored instead of failing one after another for a reason
 * that is not theirs.
 *
 * @module
 */

/** Returns a `step` that runs like `t.step` until one fails, then ignores the rest. */
export function storySteps(
  t: Deno.TestContext,
): (name: string, fn: () => Promise<void>) => Promise<boolean> {
  let failed: string | null = null;
  return async (name, fn) => {
    if (failed !== null) {
      return await t.step({ name: `${name} (skipped: "${failed}" failed)`, ignore: true, fn });
    }
    const ok = await t.step(name, fn);
    if (!ok) failed = name;
    return ok;
  };
}
