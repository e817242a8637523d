// Cold import time, measured in fresh `node` processes (the goal: `import('xdskit')`
// ≤ 500 ms). "Cold" means a new process with an empty module cache; the OS file cache is warm
// (one unmeasured round runs first), as it is for a service restarting on the same machine.
//
//   import/xdskit          performance.now() around `await import('<repo>/dist/index.js')` (and
//                          the CPU time the import took, less sensitive to a busy machine)
//   import/envoy-gen       every generated message module (one per proto file, no index or
//                          namespace module): ts-proto 1 code from dist/gen vs ts-proto 2 code
//                          from .bench-gen/tsproto2-js
//   process/import-xdskit  wall time of `node -e "await import(xdskit)"` against an empty
//                          `node -e ""`: what a CLI user waits for
//
// Standalone: node bench/codec/import.mjs [runs]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const url = (p) => pathToFileURL(path.join(repo, p)).href;
const OWN = new Set(['schema.js', 'codecs.js', 'namespaces.js']);

/** Every generated per-proto-file module under `dir` (ts-proto output; not index files). */
function generatedModules(dir) {
  const abs = path.join(repo, dir);
  return fs
    .readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js') && !path.basename(f).startsWith('index.') && !OWN.has(f))
    .sort()
    .map((f) => url(path.join(dir, f)));
}

/**
 * Runs `node -e` importing the given URLs; returns the in-process import time, the CPU time the
 * import took in that process (user + system, all threads) and the wall time of the process (ms).
 */
function timeImport(urls) {
  const script =
    `const c = process.cpuUsage(); const t = performance.now();` +
    `await Promise.all(${JSON.stringify(urls)}.map((u) => import(u)));` +
    `const ms = performance.now() - t; const d = process.cpuUsage(c);` +
    `process.stdout.write(JSON.stringify({ ms, cpu: (d.user + d.system) / 1000 }));`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`import of ${urls.join(', ')} failed:\n${r.stderr}`);
  const { ms, cpu } = JSON.parse(r.stdout);
  return { inProcess: urls.length ? ms : 0, cpu: urls.length ? cpu : 0, wall };
}

/** Measures the import cases `runs` times each, interleaved; returns samples per case. */
export function measureImports(runs = 7) {
  const cases = {
    xdskit: [url('dist/index.js')],
    gen1: generatedModules('dist/gen'),
    gen2: generatedModules('.bench-gen/tsproto2-js'),
    empty: [],
  };
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, { inProcess: [], cpu: [], wall: [] }]));
  for (const urls of Object.values(cases)) timeImport(urls); // warm the OS file cache
  for (let i = 0; i < runs; i++) {
    const keys = Object.keys(cases);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(k + i) % keys.length];
      const t = timeImport(cases[key]);
      samples[key].inProcess.push(t.inProcess);
      samples[key].cpu.push(t.cpu);
      samples[key].wall.push(t.wall);
    }
  }
  return samples;
}

/** Adds the import rows to a bench harness (bench/run.mjs). */
export function importBench(h, { runs = h.quick ? 3 : 7 } = {}) {
  const s = measureImports(runs);
  h.record('import/xdskit', 'dist/index.js (ts-proto 1)', { samples: s.xdskit.inProcess, cpu: s.xdskit.cpu, baseline: true });
  h.record('import/envoy-gen', 'ts-proto 1 · protobufjs', { samples: s.gen1.inProcess, cpu: s.gen1.cpu, baseline: true });
  const paired = [...s.gen2.inProcess.map((v, i) => v / s.gen1.inProcess[i])].sort((a, b) => a - b)[runs >> 1];
  h.record('import/envoy-gen', 'ts-proto 2 · bufbuild wire', { samples: s.gen2.inProcess, cpu: s.gen2.cpu, paired });
  h.record('process/import-xdskit', 'node -e "" (empty)', { samples: s.empty.wall, baseline: true });
  h.record('process/import-xdskit', 'node -e "await import(xdskit)"', { samples: s.xdskit.wall });
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  // A goal, not a correctness check: a loaded machine may miss it, so it does not fail the run.
  const m = med(s.xdskit.inProcess);
  h.log(
    `cold import(xdskit): median ${m.toFixed(0)} ms wall, ${med(s.xdskit.cpu).toFixed(0)} ms cpu over ${runs} fresh processes — ` +
      `goal ≤ 500 ms ${m <= 500 ? 'met' : 'MISSED'}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 7);
  const s = measureImports(runs);
  for (const [k, v] of Object.entries(s)) {
    const m = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(0);
    console.log(`${k.padEnd(7)} import ${m(v.inProcess).padStart(5)} ms (cpu ${m(v.cpu).padStart(5)} ms)   process ${m(v.wall).padStart(5)} ms`);
  }
}
