/**
 * `site list | create`: sites from the shell, through the same `SiteService` (and so the same
 * validation of ids, names and origins) as `POST /api/sites`. The identity secret is printed
 * once, at creation, as the console shows it once.
 *
 * @module
 */

import { collected, flag, option, positionals, required } from "./args.ts";
import type { Command } from "./command.ts";
import { table } from "./command.ts";

const list: Command = {
  path: ["site", "list"],
  synopsis: "[--json]",
  summary: "List sites",
  help: `Lists every site by name: id, name, allowed origins and conversation count.

Options:
  --json   Print a JSON array of site records as GET /api/sites returns them (widget settings
           included, the identity secret never)`,
  spec: { boolean: ["json"] },
  async run(args, ctx) {
    positionals(args, []);
    const s = await ctx.services();
    const sites = await s.sites.list(s.operator);
    if (flag(args, "json")) {
      ctx.print(JSON.stringify(sites, null, 2));
      return;
    }
    if (sites.length === 0) {
      ctx.print("No sites");
      return;
    }
    const rows = sites.map((site) => [
      site.id,
      site.name,
      String(site.conversationCount),
      site.allowedOrigins.length === 0 ? "any" : site.allowedOrigins.join(","),
    ]);
    for (const line of table(["ID", "NAME", "CONVERSATIONS", "ORIGINS"], rows)) ctx.print(line);
  },
};

const create: Command = {
  path: ["site", "create"],
  synopsis: "--id ID --name N [--origin URL]... [--require-verified] [--auto-assign]",
  summary: "Create a site (prints the identity secret once)",
  help: `Creates a site the widget can be embedded for (data-site="ID"), with the default widget
settings; change them in the console's Sites screen.

Options:
  --id ID              Site id: 1 to 48 lowercase letters, digits or inner dashes
  --name N             Display name (1 to 80 characters)
  --origin URL         A storefront origin allowed to open the chat, such as
                       https://shop.example.com; repeat for several (default: any origin)
  --require-verified   Refuse visitor identities without a valid signature
  --auto-assign        Assign new conversations to the least-loaded online agent

Example:
  deno task admin site create --id shop --name "Shop" --origin https://shop.example.com`,
  spec: {
    string: ["id", "name"],
    collect: ["origin"],
    boolean: ["require-verified", "auto-assign"],
  },
  async run(args, ctx) {
    positionals(args, []);
    const body = {
      id: required(args, "id"),
      name: required(args, "name"),
      ...(option(args, "origin") !== undefined
        ? { allowedOrigins: [...collected(args, "origin")] }
        : {}),
      requireVerified: flag(args, "require-verified"),
      autoAssign: flag(args, "auto-assign"),
    };
    const s = await ctx.services();
    const { site, identitySecret } = await s.sites.create(s.operator, body);
    ctx.print(`Created site ${site.id} (${site.name})`);
    ctx.print(`Identity secret (shown once): ${identitySecret}`);
  },
};

/** The `site` commands. */
export const siteCommands: readonly Command[] = [list, create];
