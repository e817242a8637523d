/**
 * Responses a test xDS client received and has not handed out yet, and the callers waiting for
 * one (of a type, or any), with timeouts. Shared by the delta and SotW test clients.
 */
type Waiter<T> = { typeUrl?: string; resolve: (r: T) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class ResponseQueue<T> {
  private items: T[] = [];
  private waiters: Waiter<T>[] = [];
  private endedWith?: string;

  /** `typeOf` gives the type URL of a response. */
  constructor(private readonly typeOf: (r: T) => string | undefined) {}

  /** Hands a response to the first waiter for its type, or keeps it. */
  push(r: T): void {
    const typeUrl = this.typeOf(r);
    const w = this.waiters.findIndex((x) => !x.typeUrl || x.typeUrl === typeUrl);
    if (w >= 0) {
      const [waiter] = this.waiters.splice(w, 1);
      clearTimeout(waiter!.timer);
      waiter!.resolve(r);
    } else this.items.push(r);
  }

  /** The stream ended: every waiter, and every later {@link next} with nothing kept, rejects. */
  end(reason: string): void {
    this.endedWith = reason;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
  }

  /** A new stream: forget the end, and (with `clear`) what was kept. */
  reopen(clear = false): void {
    this.endedWith = undefined;
    if (clear) this.items = [];
  }

  /** Responses kept and not yet taken. */
  get length(): number {
    return this.items.length;
  }

  /** The next response (of a type, if given) not yet taken; rejects after `timeoutMs`. */
  next(typeUrl?: string, timeoutMs = 5000): Promise<T> {
    const i = this.items.findIndex((x) => !typeUrl || this.typeOf(x) === typeUrl);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]!);
    if (this.endedWith) return Promise.reject(new Error(this.endedWith));
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        typeUrl,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no ${typeUrl ?? 'response'} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves to true if no response (of a type) arrives within `ms`. */
  async quiet(ms: number, typeUrl?: string): Promise<boolean> {
    try {
      await this.next(typeUrl, ms);
      return false;
    } catch {
      return true;
    }
  }
}
