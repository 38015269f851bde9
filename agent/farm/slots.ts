/**
 * The agent's job slots, shared by the pullers of every builder type. A puller waits until a
 * slot is free (without taking it), asks NATS for a job, and takes the slot when the job comes. Holding a
 * slot during an idle pull would make a job of another type wait for that pull to expire.
 * A job that finds every slot taken when it arrives is held (kept alive) until one frees.
 */
export class Slots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly total: number) {
    if (!Number.isInteger(total) || total < 1) throw new Error(`slots must be a whole number ≥ 1, got ${total}`);
  }

  get busy(): number {
    return this.used;
  }

  /** Resolves true with a slot held, or false when `signal` aborts first. Waiters are served in order. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.used < this.total) {
      this.used++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const grant = (): void => {
        signal.removeEventListener("abort", onAbort);
        this.used++;
        resolve(true);
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      this.waiters.push(grant);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Takes a slot if one is free right now. */
  tryAcquire(): boolean {
    if (this.used >= this.total) return false;
    this.used++;
    return true;
  }

  /** Resolves true once a slot is free (not taken), or false when `signal` aborts first. */
  async whenFree(signal: AbortSignal): Promise<boolean> {
    if (!(await this.acquire(signal))) return false;
    this.release();
    return true;
  }

  release(): void {
    if (this.used === 0) throw new Error("Slots.release without a slot held");
    this.used--;
    const next = this.waiters.shift();
    if (next) next();
  }
}
