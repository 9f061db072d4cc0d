/**
 * A network partition between Parley and Postgres: packets held, no reset, so nothing tells the
 * driver its connections are dead. An in-process TCP proxy stands between a real server and the
 * shared Postgres (which is never stopped) and holds every connection for 5 s
 * (`tests/helpers/partition.ts`). The bound on database calls is 1 s here
 * (`PARLEY_DB_TIMEOUT_MS`, default 5 s) to keep the test short; `faults_partition_test.ts` runs
 * longer partitions with the default.
 *
 * Needs Postgres (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`): skipped
 * when unreachable, a failure under `CI=true`.
 */

import { requirePostgres } from "./helpers/faults.ts";
import { runPartition } from "./helpers/partition.ts";

const postgres = await requirePostgres("db_partition_test");

Deno.test({
  name: "during a database partition senders get an ack or a retryable error within the bound, " +
    "hello gets an answer too, and after it heals nothing acknowledged is lost or doubled",
  ignore: !postgres,
  // Connections the partition held are never revived; the proxy closes them at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => runPartition({ label: "partition 5 s, bound 1 s", timeoutMs: 1000, partitionMs: 5000 }),
});
