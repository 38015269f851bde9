/**
 * Runs asynchronous work one piece at a time per key, in the order it was asked for; work under
 * other keys runs alongside. A failure ends only its own piece: the next one still runs.
 */
export class KeyedSerializer {
  /** Per key, the promise the next piece waits for (settled when the last piece asked for is done). */
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The last piece of a key leaves no entry behind.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work running or waiting (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
