/**
 * One wake-up: whoever waits for "something changed" awaits next(); whoever changed something calls
 * notify(). Every waiter of the moment is woken; a notify with no waiter is not remembered (waiters
 * check their condition again after waking).
 */
export class Signal {
  private waiters: (() => void)[] = [];

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    if (!this.waiters.length) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
