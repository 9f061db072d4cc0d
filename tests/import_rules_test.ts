/**
 * The layout's import rules, enforced. Dependencies point one way: `protocol/` is a browser-safe
 * leaf; `db/` builds on it; `core/` on both; `routes/` on the core; `server/` wires them; the
 * admin CLI (`cli/`) sits beside the server and nothing imports it. The browser apps see only
 * the protocol. A file that breaks a rule fails this test by name.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** A folder's allowed imports: repository-relative path prefixes, or a test on the specifier. */
interface Rule {
  /** Files this rule governs (path prefix, repository-relative). */
  files: string;
  /** Files under these prefixes are never governed by the rule. */
  except?: string[];
  /** What a governed file may import; bare specifiers (npm:, node:, import-map names) included. */
  allow(target: string): boolean;
  why: string;
}

const within = (...prefixes: string[]) => (target: string) =>
  prefixes.some((p) => target.startsWith(p));
const BROWSER_SAFE_PACKAGES = ["preact", "preact/", "@preact/signals", "@preact/signals-core"];
const browserPackage = (target: string) =>
  BROWSER_SAFE_PACKAGES.some((p) => target === p || (p.endsWith("/") && target.startsWith(p)));

const RULES: Rule[] = [
  {
    files: "protocol/",
    allow: within("protocol/"),
    why: "the protocol is a leaf shared by server and browsers: it imports nothing, not even npm",
  },
  {
    files: "widget/",
    except: ["widget/build.ts"],
    allow: (t) => within("widget/", "protocol/")(t) || browserPackage(t),
    why: "the widget sees only the protocol",
  },
  {
    files: "agent-console/",
    except: ["agent-console/build.ts"],
    allow: (t) => within("agent-console/", "protocol/")(t) || browserPackage(t),
    why: "the console sees only the protocol",
  },
  {
    files: "db/",
    allow: (t) => within("db/", "protocol/")(t) || isPackage(t),
    why: "the store knows no sockets: it depends on the protocol only",
  },
  {
    files: "core/",
    allow: (t) => within("core/", "db/", "protocol/")(t) || isPackage(t),
    why: "the core knows no HTTP: never routes/ or server/",
  },
  {
    files: "routes/",
    allow: (t) => within("routes/", "core/", "db/", "protocol/")(t) || isPackage(t),
    why: "handlers parse and delegate; server/ wires them, never the reverse",
  },
  {
    files: "cli/",
    allow: (t) => within("cli/", "server/", "core/", "db/", "protocol/")(t) || isPackage(t),
    why: "the admin CLI drives the domain like the server does; nothing imports cli/",
  },
  {
    files: "tests/helpers/",
    allow: (t) => !t.startsWith("bench/"),
    why: "test helpers do not depend on the benchmarks (the benchmarks may use the helpers)",
  },
];

function isPackage(specifier: string): boolean {
  return !specifier.startsWith(".") && !specifier.startsWith("/");
}

// `from` must follow a space or `}` (as in `} from "x"`), so the word inside a string, such as
// `str(p, "from")`, is not read as an import.
const IMPORT = /(?:(?<=[\s}*])from\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

/** Every TypeScript file below `dir`, repository-relative. */
async function sourceFiles(dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir || ".", ROOT))) {
    const path = dir + entry.name;
    if (entry.isDirectory) {
      if (entry.name.startsWith(".") || ["node_modules", "dist"].includes(entry.name)) continue;
      out.push(...await sourceFiles(path + "/"));
    } else if (/\.tsx?$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** The imports of `file`, relative ones resolved to repository-relative paths. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, ROOT));
  const out: string[] = [];
  for (const [, specifier] of text.matchAll(IMPORT)) {
    if (specifier.startsWith(".")) {
      const url = new URL(specifier, new URL(file, ROOT));
      out.push(url.pathname.slice(ROOT.pathname.length));
    } else {
      out.push(specifier);
    }
  }
  return out;
}

Deno.test("every import follows the layout's dependency rules", async () => {
  const broken: string[] = [];
  for (const file of await sourceFiles()) {
    const rules = RULES.filter((r) => file.startsWith(r.files) && !r.except?.includes(file));
    const isTest = file.endsWith("_test.ts");
    for (const target of await importsOf(file)) {
      // Tests are not the product: they may use Deno's assertion module and the shared test
      // helpers (waiting with a deadline, say) wherever they sit.
      if (isTest && (target.startsWith("node:assert") || target.startsWith("tests/helpers/"))) {
        continue;
      }
      for (const rule of rules) {
        if (!rule.allow(target)) broken.push(`${file} imports ${target}: ${rule.why}`);
      }
    }
  }
  assertEquals(broken, []);
});

Deno.test("nothing outside cli/ imports the admin CLI", async () => {
  const broken: string[] = [];
  for (const file of await sourceFiles()) {
    if (file.startsWith("cli/")) continue;
    for (const target of await importsOf(file)) {
      if (target.startsWith("cli/")) broken.push(`${file} imports ${target}`);
    }
  }
  assertEquals(broken, []);
});

Deno.test("the import rules catch a protocol file reaching outside protocol/", () => {
  const rule = RULES.find((r) => r.files === "protocol/")!;
  assertEquals(rule.allow("core/errors.ts"), false);
  assertEquals(rule.allow("npm:postgres"), false);
  assertEquals(rule.allow("protocol/codes.ts"), true);
  const widget = RULES.find((r) => r.files === "widget/")!;
  assertEquals(widget.allow("core/mod.ts"), false);
  assertEquals(widget.allow("db/store.ts"), false);
  assertEquals(widget.allow("protocol/frames.ts"), true);
  assertEquals(widget.allow("preact/hooks"), true);
});
