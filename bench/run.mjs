#!/usr/bin/env node
// xdskit benchmarks: `npm run bench` runs every bench/<name>/index.mjs; `node bench/run.mjs codec`
// runs one (several names may be given).
//
//   node bench/run.mjs [name...] [--markdown] [--quick] [--json=DIR]
//     --markdown  also print each result table as Markdown (for bench/README.md)
//     --quick     fewer iterations (a smoke run; figures are noisier)
//     --json=DIR  also write each bench's rows (with every sample) to DIR/<name>.json
//
//   node bench/run.mjs --summarize DIR...
//     pools runs written with --json (one DIR per run): per benchmark and implementation, the
//     median of the per-run medians and the paired ratio over every iteration of every run —
//     the figure to quote from a machine shared with other work.
//
// Each bench runs in its own `node --expose-gc` process, so heap figures and JIT state of one
// bench do not leak into the next. A bench module exports
//
//   export const title = 'one line';
//   export default async function (h) { ... }   // h: the Harness below
//
// Benchmarks are named `op/fixture` (`encode/10k-clusters`). Each has a baseline implementation
// measured in the same run; the table prints every implementation's median and its ratio to the
// baseline's median (time / baseline time: 0.50× is twice as fast, 2.00× twice as slow).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/** Names of the benches present: folders of bench/ that hold an index.mjs. */
export function benchNames() {
  return fs
    .readdirSync(benchDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(benchDir, e.name, 'index.mjs')))
    .map((e) => e.name)
    .sort();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

function gc() {
  globalThis.gc?.();
}

/** Full GC until freed Buffer backing stores are gone too (they are released after the GC that finds them dead). */
async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** What a bench gets: timing with a baseline, checks, notes; collects the rows of the table. */
export class Harness {
  constructor(name, { quick = false } = {}) {
    this.name = name;
    this.quick = quick;
    this.rows = [];
    this.failures = 0;
  }

  /** Prints a line of context (fixture sizes, versions, what was skipped). */
  log(message) {
    process.stdout.write(`  ${message}\n`);
  }

  /** Records a correctness check; a failed check makes the run exit 1. */
  check(label, ok, detail = '') {
    if (!ok) this.failures++;
    process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? ` — ${detail}` : ''}\n`);
    return ok;
  }

  /**
   * Times the implementations of one benchmark against each other.
   *
   * All implementations are warmed up first, then their iterations are interleaved in a rotating
   * order (A B, B A, ...) with a full GC before each, so drift and GC debt do not favour one.
   * Besides the ratio of medians, the table gives the paired ratio: the median over iterations
   * of (this implementation's time / the baseline's time in the same iteration), and the median
   * CPU time of the process (user + system, all threads: GC helpers included) with its ratio.
   * On a machine shared with other work, wall time includes waiting for a core; CPU time and
   * the paired ratio cancel most of that noise.
   * The retained memory of each implementation is what one call's result keeps alive: V8 heap
   * plus external memory (Buffer / Uint8Array backing stores), measured after a full GC (needs
   * --expose-gc, which bench/run.mjs passes).
   *
   * @param {string} name `op/fixture`
   * @param {{ impl: string, fn: () => unknown, baseline?: boolean }[]} impls exactly one baseline
   * @param {{ iterations?: number, warmup?: number }} [options]
   */
  async compare(name, impls, { iterations = 8, warmup = 2 } = {}) {
    if (this.quick) {
      iterations = Math.min(iterations, 3);
      warmup = Math.min(warmup, 1);
    }
    if (impls.filter((i) => i.baseline).length !== 1) throw new Error(`${name}: exactly one baseline implementation expected`);
    for (let w = 0; w < warmup; w++) for (const i of impls) i.fn();
    const samples = impls.map(() => []);
    const cpu = impls.map(() => []);
    for (let it = 0; it < iterations; it++) {
      for (let k = 0; k < impls.length; k++) {
        const j = (k + it) % impls.length;
        gc();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        impls[j].fn();
        samples[j].push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[j].push((c.user + c.system) / 1000);
      }
    }
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const heaps = [];
    for (const i of impls) {
      await settle();
      const before = used();
      let kept = i.fn();
      await settle();
      heaps.push(globalThis.gc ? used() - before : undefined);
      kept = undefined;
    }
    const base = impls.findIndex((i) => i.baseline);
    impls.forEach((i, k) =>
      this.record(name, i.impl, {
        samples: samples[k],
        baseline: !!i.baseline,
        heap: heaps[k],
        paired: median(samples[k].map((s, it) => s / samples[base][it])),
        cpu: cpu[k],
      }),
    );
    process.stdout.write(
      `  ${name}: ` +
        impls.map((i, k) => `${i.impl} ${median(samples[k]).toFixed(1)} ms${k === base ? '' : ` (${(median(samples[k]) / median(samples[base])).toFixed(2)}×)`}`).join(', ') +
        '\n',
    );
  }

  /** Adds a row measured by the bench itself (e.g. import time in fresh processes). */
  record(name, impl, { samples, baseline = false, heap, paired, cpu, unit = 'ms' }) {
    const row = { name, impl, baseline, samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), heap, paired, unit };
    if (cpu) Object.assign(row, { cpu, cpuMedian: median(cpu) });
    this.rows.push(row);
  }

  /** The result table: one row per (benchmark, implementation), ratio to that benchmark's baseline. */
  table() {
    const header = ['benchmark', 'implementation', 'median', 'min', 'max', 'n', 'vs baseline', 'paired', 'cpu', 'cpu vs baseline', 'retained'];
    const body = this.rows.map((r) => {
      const base = this.rows.find((b) => b.name === r.name && b.baseline);
      const ratio = !base ? '—' : r === base ? 'baseline' : `${(r.median / base.median).toFixed(2)}×`;
      const paired = r.paired === undefined || r === base ? '—' : `${r.paired.toFixed(2)}×`;
      const cpuRatio = r.cpuMedian === undefined || !base?.cpuMedian ? '—' : r === base ? 'baseline' : `${(r.cpuMedian / base.cpuMedian).toFixed(2)}×`;
      const f = (v) => `${v.toFixed(1)} ${r.unit}`;
      return [
        r.name, r.impl, f(r.median), f(r.min), f(r.max), String(r.samples.length), ratio, paired,
        r.cpuMedian === undefined ? '—' : f(r.cpuMedian), cpuRatio, r.heap === undefined ? '—' : mb(r.heap),
      ];
    });
    return { header, body };
  }
}

function printTable({ header, body }, markdown) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of body) process.stdout.write(`${line(r)}\n`);
  if (markdown) {
    process.stdout.write(`\n| ${header.join(' | ')} |\n|${header.map((_, i) => (i >= 2 ? '---:' : '---')).join('|')}|\n`);
    for (const r of body) process.stdout.write(`| ${r.join(' | ')} |\n`);
  }
}

/** Runs one bench in this process (the child side). */
async function runOne(name, flags) {
  const mod = await import(pathToFileURL(path.join(benchDir, name, 'index.mjs')).href);
  const h = new Harness(name, { quick: flags.quick });
  process.stdout.write(`\n## ${name}${mod.title ? `: ${mod.title}` : ''}\n`);
  const t0 = performance.now();
  await mod.default(h);
  printTable(h.table(), flags.markdown);
  await settle();
  const mem = process.memoryUsage();
  process.stdout.write(
    `\n  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s; process at the end: heap used ${mb(mem.heapUsed)}, ` +
      `rss ${mb(mem.rss)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)}\n`,
  );
  if (h.failures) process.stdout.write(`  ${h.failures} check(s) FAILED\n`);
  if (flags.json) {
    fs.mkdirSync(flags.json, { recursive: true });
    const env = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), loadavg: os.loadavg(), date: new Date().toISOString() };
    fs.writeFileSync(path.join(flags.json, `${name}.json`), JSON.stringify({ bench: name, env, failures: h.failures, rows: h.rows }, null, 2) + '\n');
  }
  return h.failures ? 1 : 0;
}

/** Pools --json runs: one table per bench, rows in first-run order. */
function summarize(dirs) {
  const runs = dirs.flatMap((d) =>
    fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8'))),
  );
  for (const bench of [...new Set(runs.map((r) => r.bench))]) {
    const mine = runs.filter((r) => r.bench === bench);
    const loads = mine.map((r) => r.env.loadavg[0].toFixed(1)).join(', ');
    process.stdout.write(`\n## ${bench}: ${mine.length} runs (1-minute load average at the end of each: ${loads})\n`);
    const header = ['benchmark', 'implementation', 'median of medians', 'range of medians', 'paired (pooled)', 'paired per run', 'cpu median', 'cpu vs baseline'];
    const body = [];
    for (const row of mine[0].rows) {
      const same = mine.map((r) => ({ row: r.rows.find((x) => x.name === row.name && x.impl === row.impl), base: r.rows.find((x) => x.name === row.name && x.baseline) })).filter((x) => x.row);
      const medians = same.map((x) => x.row.median);
      const cpus = same.filter((x) => x.row.cpu).flatMap((x) => x.row.cpu);
      const baseCpus = same.filter((x) => x.base?.cpu).flatMap((x) => x.base.cpu);
      const pairs = same.filter((x) => x.base && x.base !== x.row && x.base.samples.length === x.row.samples.length && x.row.impl !== x.base.impl);
      const pooled = pairs.flatMap((x) => x.row.samples.map((v, i) => v / x.base.samples[i]));
      const f = (v) => `${v.toFixed(1)} ${row.unit}`;
      body.push([
        row.name, row.impl, f(median(medians)), `${f(Math.min(...medians))} – ${f(Math.max(...medians))}`,
        row.baseline ? 'baseline' : pooled.length ? `${median(pooled).toFixed(2)}×` : '—',
        row.baseline || !pairs.length ? '—' : pairs.map((x) => median(x.row.samples.map((v, i) => v / x.base.samples[i])).toFixed(2)).join(' '),
        cpus.length ? f(median(cpus)) : '—',
        row.baseline ? (cpus.length ? 'baseline' : '—') : cpus.length && baseCpus.length ? `${(median(cpus) / median(baseCpus)).toFixed(2)}×` : '—',
      ]);
    }
    printTable({ header, body }, true);
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--summarize') {
    summarize(args.slice(1));
    return;
  }
  const json = args.find((a) => a.startsWith('--json='))?.slice('--json='.length);
  const flags = { markdown: args.includes('--markdown'), quick: args.includes('--quick'), json: json && path.resolve(json) };
  const childIndex = args.indexOf('--child');
  if (childIndex >= 0) {
    process.exitCode = await runOne(args[childIndex + 1], flags);
    return;
  }
  const available = benchNames();
  const wanted = args.filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; present: ${available.join(', ') || 'none'}\n`);
    process.exitCode = 2;
    return;
  }
  const names = wanted.length ? wanted : available;
  const cpus = os.cpus();
  process.stdout.write(
    `# xdskit bench: ${names.join(', ')}\n  node ${process.version}, ${os.platform()} ${os.arch()}, ` +
      `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${mb(os.totalmem())} RAM, load average ${os.loadavg()[0].toFixed(2)}\n`,
  );
  let failed = 0;
  for (const name of names) {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--child', name, ...args.filter((a) => a.startsWith('--'))],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) {
      failed++;
      process.stdout.write(`  bench ${name} exited with ${child.status ?? child.signal}\n`);
    }
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
