/**
 * Preloaded (`deno test --preload`) by `deno task test:server`, which CI also runs on Deno 2.5,
 * the version Deno Deploy runs; it changes nothing on the pinned Deno (2.9). The 2.5 test runner counts the operations of a server a file starts once in
 * `Deno.test.beforeAll` and shares across its tests (tests/helpers/server.ts) as leaks of
 * whichever test happens to be running: its pending `op_http_wait` completes during the test
 * that sends the next request, the embedded database's files stay open. Later runners do not.
 * Here every test that does not set the op and resource sanitizers itself gets them off; the
 * pinned Deno (CI's main run) keeps them on, so leaks are still caught there.
 *
 * @module
 */

type TestFn = (t: Deno.TestContext) => void | Promise<void>;
type Definition = Deno.TestDefinition;

const original = Deno.test;
const [major, minor] = Deno.version.deno.split(".").map(Number);
/** Runners before the pinned 2.9 line have not been seen to attribute these correctly. */
const relaxing = major === 2 && minor < 9;

/** Normalises the overloads of `Deno.test` to one definition. */
function definition(args: unknown[]): Definition {
  const [a, b, c] = args;
  if (typeof a === "string") {
    return typeof b === "function"
      ? { name: a, fn: b as TestFn }
      : { ...(b as Omit<Definition, "name" | "fn">), name: a, fn: c as TestFn };
  }
  if (typeof a === "function") {
    return typeof b === "undefined"
      ? { name: a.name, fn: a as TestFn }
      : { ...(a as unknown as Omit<Definition, "fn">), fn: b as TestFn } as Definition;
  }
  const def = a as Definition;
  return typeof b === "function" ? { ...def, fn: b as TestFn } : def;
}

function relax(def: Definition): Definition {
  return { sanitizeOps: false, sanitizeResources: false, ...def };
}

const relaxed = ((...args: unknown[]) => original(relax(definition(args)))) as typeof Deno.test;
relaxed.ignore =
  ((...args: unknown[]) =>
    original({ ...relax(definition(args)), ignore: true })) as typeof Deno.test.ignore;
relaxed.only =
  ((...args: unknown[]) =>
    original({ ...relax(definition(args)), only: true })) as typeof Deno.test.only;
for (const hook of ["beforeAll", "afterAll", "beforeEach", "afterEach"] as const) {
  if (hook in original) Object.assign(relaxed, { [hook]: original[hook] });
}
if (relaxing) {
  Object.defineProperty(Deno, "test", { value: relaxed, configurable: true, writable: true });
}
