/**
 * Model xDS clients for the cache tests: they apply updates the way the protocol says a client
 * does, so tests can compare what clients end up holding.
 */
import { TypeUrl } from 'xdskit';
import { collectionKey, globKey, isGlob, type ConfigWatcher, type DeltaUpdate, type SotwUpdate, type Watch } from 'xdskit/cache';

/** Counts onReady calls of a watch. */
export function readyCounter(): { count: number; onReady: () => void } {
  const c = { count: 0, onReady: () => void c.count++ };
  return c;
}

/** Opens a watch with an onReady counter. */
export function open<K extends 'sotw' | 'delta'>(cache: ConfigWatcher, kind: K, typeUrl: string, nodeId = 'n1') {
  const ready = readyCounter();
  const watch = (kind === 'sotw'
    ? cache.watchSotw({ typeUrl, node: { id: nodeId }, onReady: ready.onReady })
    : cache.watchDelta({ typeUrl, node: { id: nodeId }, onReady: ready.onReady })) as K extends 'sotw' ? ReturnType<ConfigWatcher['watchSotw']> : ReturnType<ConfigWatcher['watchDelta']>;
  return { watch, ready };
}

/** The names of an update's resources, sorted. */
export const namesOf = (u: SotwUpdate | DeltaUpdate | undefined) => (u ? u.resources.map((r) => r.name).sort() : undefined);

/**
 * A delta client: holds name → version; applies resources and removals; on unsubscribe it drops
 * the names its subscription no longer covers (it knows what it asked for).
 */
export class DeltaClient {
  readonly held = new Map<string, string>();
  private wildcard = false;
  private everExplicit = false;
  private readonly names = new Set<string>();
  private readonly globs = new Set<string>();

  constructor(readonly watch: Extract<Watch, { kind: 'delta' }>) {}

  covers(n: string): boolean {
    if (this.wildcard || this.names.has(n)) return true;
    const k = collectionKey(n);
    return k !== undefined && [...this.globs].some((g) => globKey(g) === k);
  }

  request(subscribe: string[], unsubscribe: string[] = [], initial?: Record<string, string>): void {
    if (!this.everExplicit && subscribe.length === 0 && unsubscribe.length === 0 && !this.wildcard) this.wildcard = true;
    if (subscribe.length || unsubscribe.length) this.everExplicit = true;
    for (const n of unsubscribe) {
      if (n === '*') this.wildcard = false;
      else if (isGlob(n)) this.globs.delete(n);
      else this.names.delete(n);
    }
    for (const n of subscribe) {
      if (n === '*') this.wildcard = true;
      else if (isGlob(n)) this.globs.add(n);
      else this.names.add(n);
    }
    // A client drops what it no longer subscribes to, except names the server must settle
    // (unsubscribed while still covered): those it keeps until told.
    for (const n of [...this.held.keys()]) if (!this.covers(n)) this.held.delete(n);
    this.watch.request({ resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe, initialResourceVersions: initial });
  }

  apply(u: DeltaUpdate): void {
    for (const r of u.resources) if (!r.heartbeat) this.held.set(r.name, r.version);
    for (const n of u.removed) this.held.delete(n);
  }

  /** Takes and applies every pending update; returns how many there were. */
  drain(): number {
    let n = 0;
    for (let u = this.watch.take(); u; u = this.watch.take()) {
      this.apply(u);
      n++;
    }
    return n;
  }
}

/**
 * A SotW client: for full-state types (LDS, CDS) a response replaces everything; for the
 * others, resources are merged and only unsubscribing drops them (the protocol has no other
 * way to delete them).
 */
export class SotwClient {
  readonly held = new Map<string, string>();
  private names: string[] = [];
  private everExplicit = false;

  constructor(
    readonly watch: Extract<Watch, { kind: 'sotw' }>,
    readonly fullState = watch.typeUrl === TypeUrl.Listener || watch.typeUrl === TypeUrl.Cluster,
  ) {}

  /** Sends the complete list; drops what the new list no longer covers (not for a legacy wildcard). */
  request(names: string[], versionInfo = ''): void {
    this.names = names;
    if (names.length) this.everExplicit = true;
    if (this.everExplicit) {
      const keys = names.filter(isGlob).map(globKey);
      const covers = (n: string) => names.includes('*') || names.includes(n) || keys.includes(collectionKey(n) ?? '');
      for (const n of [...this.held.keys()]) if (!covers(n)) this.held.delete(n);
    }
    this.watch.request({ resourceNames: names, versionInfo });
  }

  apply(u: SotwUpdate): void {
    if (this.fullState) {
      const keep = new Map<string, string>();
      for (const r of u.resources) keep.set(r.name, r.heartbeat ? this.held.get(r.name)! : r.version);
      this.held.clear();
      for (const [n, v] of keep) this.held.set(n, v);
    } else for (const r of u.resources) if (!r.heartbeat) this.held.set(r.name, r.version);
  }

  drain(): number {
    let n = 0;
    for (let u = this.watch.take(); u; u = this.watch.take()) {
      this.apply(u);
      n++;
    }
    return n;
  }

  get subscribed(): readonly string[] {
    return this.names;
  }
}
