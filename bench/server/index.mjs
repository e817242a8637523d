// bench/server: the xDS server (src/server, compiled into dist/) pushing one change to 1,000
// streams on loopback.
//
//   push/1k-streams-1-endpoint   1,000 ADS streams of one fleet (one node key), each holding the
//                                fleet's 1,000 ClusterLoadAssignments; one assignment changes;
//                                time from the cache update until every stream has received it
//                                (p50 / p99 / max over streams, per round).
//       xdskit delta                       DeltaAggregatedResources, wildcard subscription
//       SotW full resend (baseline)        StreamAggregatedResources with every subscribed
//                                          resource in every response (go-control-plane's SotW)
//   Also: encodes per change (goal: 1, whatever the number of streams), bytes sent per change
//   (delta vs SotW full resend), and server heap per open delta stream.
//
// The clients run in a child process (clients.mjs) so their work does not share the server's
// event loop; times are absolute (performance.timeOrigin + now()) in both processes. Goal: p99
// ≤ 100 ms for the delta push. Needs dist/ (`npm run build`); XDSKIT_DIST=<dir> for another build.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const title = 'xDS server: one endpoint change pushed to 1,000 streams (delta vs SotW full resend)';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const here = path.dirname(fileURLToPath(import.meta.url));
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const now = () => performance.timeOrigin + performance.now();

function gc() {
  if (globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

function assignment(name, generation) {
  return {
    clusterName: name,
    endpoints: [
      {
        locality: { region: 'eu', zone: 'eu-1', subZone: '' },
        loadBalancingWeight: 1,
        lbEndpoints: [0, 1].map((i) => ({
          hostIdentifier: {
            $case: 'endpoint',
            endpoint: { address: { address: { $case: 'socketAddress', socketAddress: { address: `10.${generation & 255}.${i}.${name.length}`, portSpecifier: { $case: 'portValue', portValue: 8080 + i } } } } },
          },
          loadBalancingWeight: 1,
        })),
      },
    ],
  };
}

/** A child process of clients, and a promise-based request/reply over IPC. */
function clients() {
  const child = fork(path.join(here, 'clients.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => {
    if (m.error) throw new Error(`bench clients: ${m.error}`);
    const i = waiting.findIndex((w) => w.ok === m.ok);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
  });
  return {
    ask: (msg, ok) => new Promise((resolve) => (waiting.push({ ok, resolve }), child.send(msg))),
    kill: () => child.kill(),
  };
}

export default async function bench(h) {
  const dist = process.env.XDSKIT_DIST ? path.resolve(process.env.XDSKIT_DIST) : path.join(repo, 'dist');
  const entry = path.join(dist, 'server/index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (or set XDSKIT_DIST)`);
  const server = await import(pathToFileURL(entry).href);
  const cacheMod = await import(pathToFileURL(path.join(dist, 'cache/index.js')).href);
  const { Snapshot, SnapshotCache, ResourceStore, byNodeCluster } = cacheMod;
  const STREAMS = h.quick ? 300 : 1000;
  const RESOURCES = 1000;
  const ROUNDS = h.quick ? 3 : 10;
  const names = Array.from({ length: RESOURCES }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  h.log(`fixture: ${STREAMS} ADS streams of one fleet (one node key), ${RESOURCES} ClusterLoadAssignments (2 endpoints each) per stream; ${ROUNDS} rounds of one changed assignment`);

  const results = {};
  for (const kind of ['sotw', 'delta']) {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store, nodeKey: byNodeCluster, sotwFullResponses: kind === 'sotw' });
    let snapshot = Snapshot.create({ endpoints: names.map((n) => assignment(n, 0)) }, { store });
    cache.setSnapshot('fleet', snapshot);
    let pushBytes = 0;
    let pushes = 0;
    const xds = server.createXdsServer({
      cache,
      onResponse: (e) => {
        pushBytes += e.bytes;
        pushes++;
      },
    });
    const port = await xds.listen('127.0.0.1:0');
    const c = clients();
    gc();
    const heap0 = process.memoryUsage();
    const t0 = now();
    await c.ask({ cmd: 'open', port, n: STREAMS, kind, names, dist }, 'open');
    const connectMs = now() - t0;
    gc();
    const heap1 = process.memoryUsage();
    const perStream = (heap1.heapUsed + heap1.external - heap0.heapUsed - heap0.external) / STREAMS;
    h.log(`${kind}: ${STREAMS} streams opened and answered in ${connectMs.toFixed(0)} ms; server heap+external per stream ${(perStream / 1024).toFixed(1)} KB`);
    const rounds = [];
    const all = [];
    let encodes = 0;
    let bytesPerRound = 0;
    let pushesPerRound = 0;
    let cpuMs = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const name = names[(round * 97) % RESOURCES];
      const e0 = store.stats().encodes;
      // The changed assignment is encoded (once) when the new snapshot is made; the timing
      // below is the push alone, the encode count covers both.
      const next = snapshot.with('endpoints', [assignment(name, round)]);
      const marker = kind === 'delta' ? next.entry(EDS, name).version : next.version(EDS);
      await c.ask({ cmd: 'arm', name, marker }, 'armed');
      const b0 = pushBytes;
      const p0 = pushes;
      const cpu0 = process.cpuUsage();
      const start = now();
      cache.setSnapshot('fleet', next);
      const { times } = await c.ask({}, 'times');
      const cpu = process.cpuUsage(cpu0);
      cpuMs += (cpu.user + cpu.system) / 1000;
      encodes += store.stats().encodes - e0;
      snapshot = next;
      const lat = times.map((t) => t - start);
      all.push(...lat);
      rounds.push({ p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) });
      h.log(`  ${kind} round ${round}: p50 ${rounds.at(-1).p50.toFixed(1)} ms, p99 ${rounds.at(-1).p99.toFixed(1)} ms, max ${rounds.at(-1).max.toFixed(1)} ms`);
      bytesPerRound += pushBytes - b0;
      pushesPerRound += pushes - p0;
    }
    await c.ask({ cmd: 'close' }, 'closed');
    c.kill();
    await xds.close({ graceMs: 500 });
    results[kind] = {
      rounds,
      p50: pct(all, 50),
      p99: pct(all, 99),
      max: Math.max(...all),
      encodesPerChange: encodes / ROUNDS,
      bytesPerChange: bytesPerRound / ROUNDS,
      pushesPerChange: pushesPerRound / ROUNDS,
      cpuPerChange: cpuMs / ROUNDS,
      perStream,
    };
    h.log(
      `${kind}: all streams: p50 ${results[kind].p50.toFixed(1)} ms, p99 ${results[kind].p99.toFixed(1)} ms, max ${results[kind].max.toFixed(1)} ms; ` +
        `per change ${results[kind].pushesPerChange} responses, ${(results[kind].bytesPerChange / 1024).toFixed(0)} KB, ${results[kind].encodesPerChange} encode(s), ` +
        `server CPU ${results[kind].cpuPerChange.toFixed(0)} ms`,
    );
  }
  const d = results.delta;
  const s = results.sotw;
  h.record('push/1k-streams-1-endpoint max', 'SotW full resend (baseline)', { samples: s.rounds.map((r) => r.max), baseline: true });
  h.record('push/1k-streams-1-endpoint max', 'xdskit delta', { samples: d.rounds.map((r) => r.max) });
  h.record('push/1k-streams-1-endpoint p99', 'SotW full resend (baseline)', { samples: s.rounds.map((r) => r.p99), baseline: true });
  h.record('push/1k-streams-1-endpoint p99', 'xdskit delta', { samples: d.rounds.map((r) => r.p99) });
  h.log(`bytes per change: delta ${(d.bytesPerChange / 1024).toFixed(0)} KB vs SotW full resend ${(s.bytesPerChange / 1048576).toFixed(1)} MB (${(s.bytesPerChange / d.bytesPerChange).toFixed(0)}× more)`);
  h.check('delta: one encode per change, whatever the number of streams', d.encodesPerChange === 1, `${d.encodesPerChange}`);
  h.check('SotW full resend: one encode per change too (responses are framed from stored bytes)', s.encodesPerChange === 1, `${s.encodesPerChange}`);
  h.check(`delta: every stream got the change once per round (${STREAMS} responses)`, d.pushesPerChange === STREAMS, `${d.pushesPerChange}`);
  const medianRound = (r, k) => pct(r.rounds.map((x) => x[k]), 50);
  h.log(
    `delta, median round: p50 ${medianRound(d, 'p50').toFixed(1)} ms, p99 ${medianRound(d, 'p99').toFixed(1)} ms, max ${medianRound(d, 'max').toFixed(1)} ms; ` +
      `worst round p99 ${Math.max(...d.rounds.map((r) => r.p99)).toFixed(1)} ms (a busy machine shows here)`,
  );
  h.check('delta push p99 ≤ 100 ms (median round)', medianRound(d, 'p99') <= 100, `${medianRound(d, 'p99').toFixed(1)} ms`);
  h.log(`server heap per open delta stream (1 type, ${RESOURCES} resources held): ${(d.perStream / 1024).toFixed(1)} KB; SotW: ${(s.perStream / 1024).toFixed(1)} KB`);
}
