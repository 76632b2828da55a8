// A wait between retries that stop() can cut short.

export class Pause {
  private wakeUp: (() => void) | null = null;

  /** Resolves after `ms`, or at once when wake() is called meanwhile. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
