/** A first-come, first-served lock for async code: `await lock()`, then `unlock()` exactly once. */
export class AsyncMutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the lock to the next waiter (it stays locked), or frees it. */
  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }

  async run<T>(body: () => Promise<T>): Promise<T> {
    await this.lock();
    try {
      return await body();
    } finally {
      this.unlock();
    }
  }
}
