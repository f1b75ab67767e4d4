/**
 * node http-floor.js ORIGIN CONNECTIONS REQUESTS_FILE: the floor of the web server bench (http.ts):
 * a plain undici loop that sends the requests a scan sent (REQUESTS_FILE: one `path<TAB>range` a
 * line, from the server's access log), CONNECTIONS at a time over a keep-alive pool of that many
 * connections, each body read to its end. No listing is parsed and nothing waits for a listing
 * before asking for what it lists: what the connections and the round trip allow a scan at most.
 * A request whose connection the server closed under it (nginx closes one after 1,000 requests) is
 * sent again, as the scan's client does, up to three times. Prints {"ms", "requests", "bytes",
 * "retries", "failed", "statuses"} as JSON: failed counts requests with no answer; the answers'
 * statuses are the scan's own (416 for an empty file's range, say), not failures.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

const [origin, connectionsArg, file] = process.argv.slice(2);
const connections = Number(connectionsArg);
if (!origin || !file || !(connections >= 1)) {
  process.stderr.write('usage: node http-floor.js ORIGIN CONNECTIONS REQUESTS_FILE\n');
  process.exit(2);
}
const asks = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => {
    const [path, range] = l.split('\t');
    return { path: path!, range: range && range !== '-' ? range : undefined };
  });
const pool = new Pool(origin, { connections });
let next = 0;
let bytes = 0;
let failed = 0;
let retries = 0;
const statuses: Record<number, number> = {};
const t0 = performance.now();
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (next < asks.length) {
      const a = asks[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await pool.request({
            path: a.path,
            method: 'GET',
            headers: { 'accept-encoding': 'identity', ...(a.range ? { range: a.range } : {}) },
          });
          for await (const chunk of res.body as AsyncIterable<Buffer>) bytes += chunk.length;
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          break;
        } catch {
          if (attempt >= 4) {
            failed++;
            break;
          }
          retries++;
        }
      }
    }
  }),
);
const ms = performance.now() - t0;
await pool.close();
process.stdout.write(JSON.stringify({ ms, requests: asks.length, bytes, retries, failed, statuses }) + '\n');
