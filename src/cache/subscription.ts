/**
 * What one stream subscribes to for one type: wildcard, names and globs, as the xDS protocol
 * defines them for SotW and delta requests.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#how-the-client-specifies-what-resources-to-return
 */

/** The explicit wildcard name. */
export const WILDCARD = '*';

/**
 * True for a glob collection name: one ending in `/*`, optionally followed by `?` and context
 * parameters (`xdstp://authority/envoy.config.listener.v3.Listener/ingress/*?shard=1`).
 *
 * @see https://github.com/cncf/xds/blob/main/proposals/TP1-xds-transport-next.md#glob
 */
export function isGlob(name: string): boolean {
  const q = name.indexOf('?');
  const path = q < 0 ? name : name.slice(0, q);
  return path.length > 2 && path.endsWith('/*');
}

function normalizedQuery(query: string): string {
  if (!query) return '';
  return query.split('&').filter(Boolean).sort().join('&');
}

/**
 * The glob collection a resource name belongs to, as an index key: its path up to the last `/`
 * and its context parameters (sorted). `undefined` for a name without `/`.
 *
 * A glob `P/*?Q` covers exactly the names whose key equals `globKey('P/*?Q')`: the resources
 * directly inside the collection `P/` with the same context parameters (`P/a` yes, `P/a/b` no,
 * `P/a?other=1` no). That is TP1's glob collection: "resources in a collection share a
 * directory structure and a `/*` component is appended to the resource path"; context
 * parameters in the request must be matched in responses. Context parameters are compared
 * modulo order (TP1 "Normalization").
 *
 * @see https://github.com/cncf/xds/blob/main/proposals/TP1-xds-transport-next.md#glob
 */
export function collectionKey(name: string): string | undefined {
  const q = name.indexOf('?');
  const path = q < 0 ? name : name.slice(0, q);
  const slash = path.lastIndexOf('/');
  if (slash < 0) return undefined;
  return `${path.slice(0, slash + 1)}\0${normalizedQuery(q < 0 ? '' : name.slice(q + 1))}`;
}

/** The index key of a glob name (`P/*?Q` → the key of its members). */
export function globKey(glob: string): string {
  const q = glob.indexOf('?');
  const path = q < 0 ? glob : glob.slice(0, q);
  return `${path.slice(0, path.length - 1)}\0${normalizedQuery(q < 0 ? '' : glob.slice(q + 1))}`;
}

/** How a request changed a subscription. */
export interface SubscriptionChange {
  /** Explicit names newly subscribed (or re-subscribed: delta clients may ask again). */
  readonly added: readonly string[];
  /** Explicit names no longer subscribed. */
  readonly removed: readonly string[];
  /** Glob names newly subscribed. */
  readonly globsAdded: readonly string[];
  /** Glob names no longer subscribed. */
  readonly globsRemoved: readonly string[];
  /** The wildcard was turned on by this request (explicitly or as the legacy wildcard). */
  readonly wildcardAdded: boolean;
  /** The wildcard was turned off by this request. */
  readonly wildcardRemoved: boolean;
}

const NO_CHANGE: SubscriptionChange = Object.freeze({
  added: [],
  removed: [],
  globsAdded: [],
  globsRemoved: [],
  wildcardAdded: false,
  wildcardRemoved: false,
});

/**
 * The subscription state of one stream for one type.
 *
 * Wildcard, explicit names and glob collections can be combined; `covers(name)` says whether a
 * resource is wanted. The two request kinds update it differently:
 *
 * - **SotW** (`applySotw`): every request carries the complete list of names, so the new
 *   state replaces the old one.
 * - **Delta** (`applyDelta`): requests carry only names to subscribe and to unsubscribe.
 *
 * **Legacy wildcard** (spec: "How the client specifies what resources to return"): as long as a
 * client has never explicitly subscribed to any name on this stream for this type — in SotW,
 * every request had an empty `resource_names`; in delta, no request had a non-empty
 * `resource_names_subscribe` — the server treats it exactly as a subscription to `*`. Once the
 * client subscribes to any name (`*` included), that legacy meaning is gone: a later empty SotW
 * list unsubscribes from everything instead of meaning wildcard. In delta, a legacy wildcard
 * stays on when the client later subscribes to names ("continuing the existing subscription to
 * `*` and adding a new subscription to A") until the client unsubscribes from `*`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#how-the-client-specifies-what-resources-to-return
 */
export class Subscription {
  private wild = false;
  private legacy = false;
  private explicitEver = false;
  private requests = 0;
  private readonly explicit = new Set<string>();
  /** Glob name → its index key. */
  private readonly globNames = new Map<string, string>();
  /** Index key → how many subscribed glob names map to it. */
  private readonly globKeys = new Map<string, number>();

  /** True when the wildcard (explicit `*` or legacy) is on. */
  get wildcard(): boolean {
    return this.wild;
  }

  /** True when the wildcard is on only by the legacy rule (no name ever subscribed). */
  get legacyWildcard(): boolean {
    return this.legacy;
  }

  /** True when the subscription is the wildcard and nothing else. */
  get wildcardOnly(): boolean {
    return this.wild && this.explicit.size === 0 && this.globNames.size === 0;
  }

  /** How many requests were applied. */
  get requestCount(): number {
    return this.requests;
  }

  /** The explicitly subscribed names (not `*`, not globs). */
  names(): ReadonlySet<string> {
    return this.explicit;
  }

  /** The subscribed glob names. */
  globs(): string[] {
    return [...this.globNames.keys()];
  }

  /** The index keys of the subscribed globs. */
  globKeySet(): ReadonlyMap<string, number> {
    return this.globKeys;
  }

  /** True when a resource of that name is wanted: wildcard, explicit name, or a glob covering it. */
  covers(name: string): boolean {
    if (this.wild || this.explicit.has(name)) return true;
    if (this.globKeys.size === 0) return false;
    const k = collectionKey(name);
    return k !== undefined && this.globKeys.has(k);
  }

  /** True when the name is subscribed explicitly (listed itself, not through wildcard or glob). */
  isExplicit(name: string): boolean {
    return this.explicit.has(name);
  }

  /** True when the name is covered by the wildcard or a glob (whether or not also explicit). */
  coveredImplicitly(name: string): boolean {
    if (this.wild) return true;
    if (this.globKeys.size === 0) return false;
    const k = collectionKey(name);
    return k !== undefined && this.globKeys.has(k);
  }

  private addGlob(g: string): boolean {
    if (this.globNames.has(g)) return false;
    const k = globKey(g);
    this.globNames.set(g, k);
    this.globKeys.set(k, (this.globKeys.get(k) ?? 0) + 1);
    return true;
  }

  private removeGlob(g: string): boolean {
    const k = this.globNames.get(g);
    if (k === undefined) return false;
    this.globNames.delete(g);
    const n = this.globKeys.get(k)! - 1;
    if (n) this.globKeys.set(k, n);
    else this.globKeys.delete(k);
    return true;
  }

  /**
   * Applies a SotW `DiscoveryRequest.resource_names`: the complete new list.
   *
   * An empty list means the legacy wildcard while the client has never subscribed to a name,
   * and "nothing" afterwards. `*` in the list is the explicit wildcard; names ending in `/*` are
   * glob collections.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#how-the-client-specifies-what-resources-to-return
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#unsubscribing-from-resources
   */
  applySotw(resourceNames: readonly string[] | undefined): SubscriptionChange {
    this.requests++;
    const list = resourceNames ?? [];
    const wasWild = this.wild;
    if (list.length === 0 && !this.explicitEver) {
      this.wild = true;
      this.legacy = true;
      return wasWild ? NO_CHANGE : { ...NO_CHANGE, wildcardAdded: true };
    }
    this.explicitEver = true;
    this.legacy = false;
    const wantNames = new Set<string>();
    const wantGlobs = new Set<string>();
    let wantWild = false;
    for (const n of list) {
      if (n === WILDCARD) wantWild = true;
      else if (isGlob(n)) wantGlobs.add(n);
      else wantNames.add(n);
    }
    const added: string[] = [];
    const removed: string[] = [];
    for (const n of wantNames) if (!this.explicit.has(n)) added.push(n);
    for (const n of this.explicit) if (!wantNames.has(n)) removed.push(n);
    for (const n of removed) this.explicit.delete(n);
    for (const n of added) this.explicit.add(n);
    const globsAdded: string[] = [];
    const globsRemoved: string[] = [];
    for (const g of [...this.globNames.keys()]) if (!wantGlobs.has(g) && this.removeGlob(g)) globsRemoved.push(g);
    for (const g of wantGlobs) if (this.addGlob(g)) globsAdded.push(g);
    this.wild = wantWild;
    return { added, removed, globsAdded, globsRemoved, wildcardAdded: wantWild && !wasWild, wildcardRemoved: wasWild && !wantWild };
  }

  /**
   * Applies a `DeltaDiscoveryRequest`'s `resource_names_subscribe` and
   * `resource_names_unsubscribe`.
   *
   * The legacy wildcard holds while no request had a non-empty subscribe list; `*` subscribes
   * or unsubscribes the wildcard explicitly. Unsubscribing a name that is not subscribed is
   * ignored ("phantom unsubscriptions", spec: Unsubscribing from Resources, incremental).
   * Subscribing to a name already subscribed is reported in `added` again: the server must
   * resend it (the client may have dropped it).
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#xds-protocol-delta-subscribe
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#xds-protocol-unsubscribe
   */
  applyDelta(subscribe: readonly string[] | undefined, unsubscribe: readonly string[] | undefined): SubscriptionChange {
    this.requests++;
    const sub = subscribe ?? [];
    const unsub = unsubscribe ?? [];
    const wasWild = this.wild;
    if (sub.length === 0 && !this.explicitEver && !this.wild && unsub.length === 0) {
      this.wild = true;
      this.legacy = true;
      return { ...NO_CHANGE, wildcardAdded: true };
    }
    if (sub.length || unsub.length) this.explicitEver = true;
    const added: string[] = [];
    const removed: string[] = [];
    const globsAdded: string[] = [];
    const globsRemoved: string[] = [];
    for (const n of unsub) {
      if (n === WILDCARD) {
        this.wild = false;
        this.legacy = false;
      } else if (isGlob(n)) {
        if (this.removeGlob(n)) globsRemoved.push(n);
      } else if (this.explicit.delete(n)) removed.push(n);
    }
    for (const n of sub) {
      if (n === WILDCARD) {
        this.wild = true;
        this.legacy = false;
      } else if (isGlob(n)) {
        if (this.addGlob(n)) globsAdded.push(n);
      } else {
        this.explicit.add(n);
        added.push(n);
        const i = removed.indexOf(n);
        if (i >= 0) removed.splice(i, 1);
      }
    }
    return { added, removed, globsAdded, globsRemoved, wildcardAdded: this.wild && !wasWild, wildcardRemoved: wasWild && !this.wild };
  }
}
