// graphql-js side of the GraphQL benchmark: graphql() (parse + validate + execute) N times in one
// process on the test schema with in-memory resolvers over the fixture, like `gqlexec --bench`.
// Usage: node bench.mjs N QUERYFILE   prints: ops_per_sec=... peak_rss_kb=...
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { graphql, loadFixture, makeSchema } from '../../tests/graphql/js/schema.mjs';

const n = Number(process.argv[2]);
const file = process.argv[3];
if (!Number.isInteger(n) || n <= 0 || !file) {
  process.stderr.write('usage: node bench.mjs N QUERYFILE\n');
  process.exit(2);
}
const source = readFileSync(file, 'utf8');
const schema = makeSchema(loadFixture());

async function once() {
  const result = await graphql({ schema, source });
  if (result.errors) throw new Error(`query failed: ${JSON.stringify(result.errors)}`);
  return result;
}

// Warm-up so the JIT has compiled the hot paths: graphql-js is measured at its best.
for (let i = 0; i < Math.min(200, Math.ceil(n / 10)); i++) await once();
const start = performance.now();
for (let i = 0; i < n; i++) await once();
const seconds = (performance.now() - start) / 1000;
const peakRssKb = process.resourceUsage().maxRSS;
process.stdout.write(`ops_per_sec=${(n / seconds).toFixed(1)} peak_rss_kb=${peakRssKb}\n`);
