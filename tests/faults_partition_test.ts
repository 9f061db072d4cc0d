/**
 * Database partitions of 5, 30 and 90 s with the default bound on database calls
 * (`PARLEY_DB_TIMEOUT_MS`, 5 s): every connection between a real server and Postgres is held
 * by an in-process TCP proxy (no reset, the shared Postgres is never stopped) while visitors
 * keep writing (`tests/helpers/partition.ts`). The figures feed docs/guarantees.md.
 */

import { FAULT_TESTS, faultTestsEnabled, requirePostgres } from "./helpers/faults.ts";
import { runPartition } from "./helpers/partition.ts";

const enabled = faultTestsEnabled("faults_partition_test");
const postgres = enabled && await requirePostgres("faults_partition_test");
if (FAULT_TESTS && !postgres) console.warn("faults_partition_test: Postgres is not reachable");

for (const seconds of [5, 30, 90]) {
  Deno.test({
    name: `a ${seconds} s database partition: every sender hears back within the default bound, ` +
      "and after it heals every message is stored once",
    ignore: !postgres,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => runPartition({ label: `partition ${seconds} s`, partitionMs: seconds * 1000 }),
  });
}
