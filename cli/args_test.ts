import assert from "node:assert/strict";
import { collected, flag, option, parseArgs, positionals, required } from "./args.ts";
import { UsageError } from "./errors.ts";
import { parseAge } from "./purge.ts";

const spec = { boolean: ["admin", "dry-run"], string: ["email", "name"], collect: ["origin"] };

Deno.test("parseArgs() reads --key value, --key=value, flags and positionals in any order", () => {
  const args = parseArgs(["x", "--email", "a@b.c", "--name=Ann Lee", "--admin", "y"], spec);
  assert.deepEqual(args._, ["x", "y"]);
  assert.equal(option(args, "email"), "a@b.c");
  assert.equal(option(args, "name"), "Ann Lee");
  assert.equal(flag(args, "admin"), true);
  assert.equal(flag(args, "dry-run"), false);
});

Deno.test("parseArgs() collects a repeated key in order", () => {
  const args = parseArgs(["--origin", "https://a.example", "--origin=https://b.example"], spec);
  assert.deepEqual(collected(args, "origin"), ["https://a.example", "https://b.example"]);
  assert.deepEqual(collected(parseArgs([], spec), "origin"), []);
});

Deno.test("parseArgs() takes --flag=false and refuses another value for a flag", () => {
  assert.equal(flag(parseArgs(["--admin=false"], spec), "admin"), false);
  assert.equal(flag(parseArgs(["--admin=true"], spec), "admin"), true);
  assert.throws(() => parseArgs(["--admin=maybe"], spec), UsageError);
});

Deno.test("parseArgs() accepts --help and -h on every command", () => {
  assert.equal(flag(parseArgs(["--help"]), "help"), true);
  assert.equal(flag(parseArgs(["-h"]), "help"), true);
});

Deno.test("parseArgs() treats everything after -- as positional", () => {
  const args = parseArgs(["--", "--email", "-x"], spec);
  assert.deepEqual(args._, ["--email", "-x"]);
  assert.equal(option(args, "email"), undefined);
});

Deno.test("parseArgs() keeps an empty value given with =", () => {
  assert.equal(option(parseArgs(["--name="], spec), "name"), "");
});

Deno.test("parseArgs() refuses unknown options, missing values and repeated single values", () => {
  assert.throws(() => parseArgs(["--nope"], spec), /Unknown option: --nope/);
  assert.throws(() => parseArgs(["-x"], spec), /Unknown option: -x/);
  assert.throws(() => parseArgs(["--email"], spec), /--email needs a value/);
  assert.throws(() => parseArgs(["--name", "--admin"], spec), /--name needs a value/);
  assert.throws(() => parseArgs(["--email", "a", "--email", "b"], spec), /more than once/);
});

Deno.test("required() and positionals() name what is missing or extra", () => {
  const args = parseArgs(["one", "--name", " "], spec);
  assert.throws(() => required(args, "email"), /--email is required/);
  assert.throws(() => required(args, "name"), /--name is required/);
  assert.deepEqual(positionals(args, ["email"]), ["one"]);
  assert.throws(() => positionals(args, []), /Unexpected argument: one/);
  assert.throws(() => positionals(parseArgs([], spec), ["visitorId"]), /Missing <visitorId>/);
});

Deno.test("parseAge() reads days and hours and refuses anything else", () => {
  assert.equal(parseAge("30d"), 30 * 86_400_000);
  assert.equal(parseAge("12h"), 12 * 3_600_000);
  for (const bad of ["0d", "3", "3m", "-1d", "1.5d", "d", ""]) {
    assert.throws(() => parseAge(bad), UsageError, bad);
  }
});
