/**
 * npm run bench -- --http [--trees N[/F]] [--runs R] [--rtt MS] [--connections C] [--servers LIST]:
 * sizing a web server in place, on a generated tree (generate.ts) served on loopback by real servers.
 *
 * 1. The same summary: the tree scanned as a folder, then over HTTP from each of --servers (nginx,
 *    apache, lighttpd, caddy, python; default nginx,apache,lighttpd) at loopback speed: each CSV must equal
 *    the folder's. Prints requests and bytes a file, and the bytes' share of the tree.
 * 2. Speed at a real round trip: nginx behind a proxy that delays every chunk RTT/2 each way
 *    (delay-proxy.ts). One scan is logged by nginx (each request's path and Range); then R pairs, in
 *    alternating order: the floor (http-floor.ts: a plain undici loop sending those same requests,
 *    C at a time over C keep-alive connections, no waiting on listings) and the scan, in fresh
 *    processes. Prints files/s of each, the scan / floor ratio (median of pairs; the aim is 0.8),
 *    and what the connections allow at that round trip (C / RTT requests a second).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';
import { runCli } from './customers.js';
import { freePort, nginx, serve, start, type PlainKind, type Served } from './servers.js';

export interface HttpBenchOptions {
  files: number;
  perFolder?: number;
  runs: number;
  rttMs: number;
  connections: number;
  servers: string[];
}

const KINDS: Record<string, PlainKind> = {
  nginx: 'nginx',
  apache: 'apache-fancy',
  lighttpd: 'lighttpd',
  caddy: 'caddy',
  python: 'python',
};
export const HTTP_SERVERS = Object.keys(KINDS);

const PROXY = fileURLToPath(new URL('./delay-proxy.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./http-floor.js', import.meta.url));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const load = (): string => loadavg()[0]!.toFixed(1);

interface InPlace {
  requests: number;
  bytes_transferred: number;
  tree_bytes: number;
  share_of_tree: number;
  range_ignored: number;
  retries: number;
}

/** The delaying proxy in front of targetPort; resolves once it listens. */
async function proxy(targetPort: number, oneWayMs: number): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [PROXY, String(port), String(targetPort), String(oneWayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.resume(); // (after "ready", what it prints is not needed here)
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the delaying proxy exited (${code})`)));
  });
  return { port, stop: () => child.kill() };
}

/** Returns the number of failures (a CSV unlike the folder's, a bad exit, a failed floor). */
export async function benchHttp(o: HttpBenchOptions): Promise<number> {
  const { root, expected } = generate(o.files, (s) => console.log(s), o.perFolder);
  const dir = join(tmpdir(), `leaktally-bench-http-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const peak = join(dir, 'peak');
  const csv = (name: string): string => join(dir, `${name}.csv`);
  let failed = 0;
  console.log(
    `leaktally bench --http: ${fmt(o.files)} files${o.perFolder ? ` (~${o.perFolder} a folder)` : ''}, ` +
      `${o.connections} connections, ${o.rttMs} ms round trip, ${o.runs} runs; ${cpus().length} cores, ` +
      `Node ${process.version}, ${new Date().toISOString()}, load ${load()}`,
  );
  const local = await runCli([root, '--csv', csv('folder'), '--tz', 'UTC'], peak);
  if (local.code !== 0) throw new Error(`the folder scan failed: ${local.stderr}`);
  const folderCsv = readFileSync(csv('folder'), 'utf8');
  console.log(`folder scan: ${(local.ms / 1000).toFixed(1)} s`);

  /** a scan of url: its run, and what it cost the server */
  const scanOf = async (url: string, name: string): Promise<{ ms: number; cost: InPlace; same: boolean }> => {
    const json = join(dir, `${name}.json`);
    const run = await runCli(
      [url, '--csv', csv(name), '--json', json, '--tz', 'UTC', '--connections', String(o.connections)],
      peak,
    );
    if (run.code !== 0) {
      failed++;
      console.log(`FAIL ${name}: exit ${run.code ?? run.signal}: ${run.stderr.trim().split('\n').pop()}`);
    }
    const cost = (JSON.parse(readFileSync(json, 'utf8')) as { method: { sized_in_place: InPlace } }).method
      .sized_in_place;
    return { ms: run.ms, cost, same: readFileSync(csv(name), 'utf8') === folderCsv };
  };

  console.log('');
  console.log(
    '| server (loopback) | files/s | same CSV as the folder | requests a file | bytes a file | share of the tree |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const name of o.servers) {
    const server = await serve(KINDS[name]!, root);
    try {
      const s = await scanOf(server.url, name);
      if (!s.same) failed++;
      console.log(
        `| ${name} | ${fmt((o.files / s.ms) * 1000)} | ${s.same ? 'yes' : 'NO'} | ${(s.cost.requests / o.files).toFixed(3)} | ` +
          `${fmt(s.cost.bytes_transferred / o.files)} | ${(s.cost.share_of_tree * 100).toFixed(3)} % |`,
      );
    } finally {
      await server.stop();
    }
  }

  // speed at a round trip: nginx logging each request's path and Range, behind the delaying proxy
  console.log('');
  const port = await freePort();
  const conf = join(dir, 'nginx');
  mkdirSync(conf);
  const server: Served = await start(nginx(root, port, conf, { accessLog: true }), port, conf);
  const delay = await proxy(port, o.rttMs / 2);
  const url = `http://127.0.0.1:${delay.port}/`;
  const log = join(conf, 'access.log');
  try {
    const first = await scanOf(url, 'logged');
    // (the log holds the start's probe of the root too: one line more than the scan sent)
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const asks = join(dir, 'requests.tsv');
    writeFileSync(asks, lines.slice(-first.cost.requests).join('\n') + '\n');
    const perFile = first.cost.requests / o.files;
    console.log(
      `logged scan: ${fmt((o.files / first.ms) * 1000)} files/s, ${fmt(first.cost.requests)} requests ` +
        `(${perFile.toFixed(3)} a file), ${fmt(first.cost.bytes_transferred / o.files)} bytes a file, CSV ${first.same ? 'the same' : 'DIFFERENT'}`,
    );
    if (!first.same) failed++;
    const floors: number[] = [];
    const scans: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const order = i % 2 ? (['scan', 'floor'] as const) : (['floor', 'scan'] as const);
      const line: string[] = [];
      for (const mode of order) {
        if (mode === 'floor') {
          const r = spawnSync(process.execPath, [FLOOR, url, String(o.connections), asks], { encoding: 'utf8' });
          const f = JSON.parse(r.stdout || '{}') as {
            ms?: number;
            failed?: number;
            retries?: number;
            statuses?: object;
          };
          if (r.status !== 0 || f.ms === undefined || f.failed) {
            failed++;
            line.push(`floor FAILED (${r.status}, ${f.failed} requests unanswered) ${r.stderr.slice(-300)}`);
            continue;
          }
          floors.push(f.ms);
          line.push(
            `floor ${fmt((o.files / f.ms) * 1000)} files/s (${(f.ms / 1000).toFixed(1)} s; statuses ${JSON.stringify(f.statuses)}, ${f.retries} sent again)`,
          );
        } else {
          const s = await scanOf(url, 'timed');
          if (!s.same) failed++;
          scans.push(s.ms);
          line.push(`scan ${fmt((o.files / s.ms) * 1000)} files/s (${(s.ms / 1000).toFixed(1)} s)`);
        }
      }
      console.log(`run ${i + 1}: ${line.join('  ')}  [load ${load()}]`);
    }
    const ratio = median(scans.map((s, i) => (floors[i] ?? NaN) / s));
    const allowed = (o.connections / o.rttMs) * 1000;
    console.log('');
    console.log(
      `what ${o.connections} connections allow at ${o.rttMs} ms: ${fmt(allowed)} requests/s = ${fmt(allowed / perFile)} files/s`,
    );
    console.log(`floor (undici, the scan's requests):  median ${fmt((o.files / median(floors)) * 1000)} files/s`);
    console.log(`scan:                                 median ${fmt((o.files / median(scans)) * 1000)} files/s`);
    console.log(`scan / floor:                         median ${ratio.toFixed(2)} (paired runs)`);
    console.log(
      `scan / what the connections allow:    ${(((o.files / median(scans)) * 1000) / (allowed / perFile)).toFixed(2)}`,
    );
    console.log(`${ratio >= 0.8 ? 'PASS' : 'FAIL'} at least 0.80 of the floor at ${o.rttMs} ms round trip (issue 23)`);
    if (!(ratio >= 0.8)) failed++;
    console.log(`expected ${fmt(expected.files)} files; every CSV compared with the folder scan's`);
  } finally {
    delay.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return failed;
}
