/**
 * Named prepared statements for PGlite. `PGlite.query` parses and plans every statement again
 * and talks to the WASM backend six times per call (parse, describe, bind, describe, execute,
 * sync). Here each distinct SQL text is parsed once into a named statement (whose parameter
 * types Postgres infers exactly as it does for `PGlite.query`), and each call is one round trip
 * (bind, describe, execute, sync), so Postgres reuses the plan as it does for postgres.js's
 * prepared statements. Parameters are serialized and rows parsed by PGlite's own serializers and
 * parsers, so callers get the same values as from `PGlite.query`.
 *
 * @module
 */

import { parse, type PGlite, protocol } from "@electric-sql/pglite";
import type { Row } from "./driver.ts";

/** Statements kept prepared; the least recently prepared one is closed beyond this. */
const MAX_STATEMENTS = 500;

type BackendMessage = Parameters<typeof parse.parseResults>[0][number];

interface Prepared {
  name: string;
  paramTypes: number[];
}

/**
 * Runs statements as named prepared statements on `pg`. The caller serializes calls and must
 * not run them inside a transaction opened with `pg.transaction` (see `pglite_driver.ts`).
 */
export class PgliteStatements {
  readonly #pg: PGlite;
  readonly #prepared = new Map<string, Prepared>();
  #next = 0;

  /** Wraps an open PGlite. */
  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /** Runs `text` with `params` (undefined and null are SQL NULL) and returns its rows. */
  query(text: string, params: readonly unknown[]): Promise<Row[]> {
    return this.#pg.runExclusive(async () => {
      const stmt = this.#prepared.get(text) ?? await this.#prepare(text);
      const values = params.map((p, i) => {
        if (p === undefined || p === null) return null;
        const serialize = this.#pg.serializers[stmt.paramTypes[i]];
        return serialize ? serialize(p) : String(p);
      });
      const messages = await this.#run(concat([
        protocol.serialize.bind({ statement: stmt.name, values }),
        protocol.serialize.describe({ type: "P" }),
        protocol.serialize.execute({}),
        protocol.serialize.sync(),
      ]));
      const [result] = parse.parseResults(messages, this.#pg.parsers);
      return (result?.rows ?? []) as Row[];
    });
  }

  /** Parses `text` into a new named statement and learns its parameter types. */
  async #prepare(text: string): Promise<Prepared> {
    if (this.#prepared.size >= MAX_STATEMENTS) {
      const [oldest, stmt] = this.#prepared.entries().next().value!;
      this.#prepared.delete(oldest);
      await this.#run(concat([
        protocol.serialize.close({ type: "S", name: stmt.name }),
        protocol.serialize.sync(),
      ]));
    }
    const name = `parley_${this.#next++}`;
    const messages = await this.#run(concat([
      protocol.serialize.parse({ name, text }),
      protocol.serialize.describe({ type: "S", name }),
      protocol.serialize.sync(),
    ]));
    const stmt = { name, paramTypes: parse.parseDescribeStatementResults(messages) };
    this.#prepared.set(text, stmt);
    return stmt;
  }

  /** One round trip; throws the database's error (after its Sync) like `PGlite.query`. */
  async #run(message: Uint8Array): Promise<BackendMessage[]> {
    try {
      return await this.#pg.execProtocolStream(message, { syncToFs: false });
    } finally {
      await this.#pg.syncToFs();
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
