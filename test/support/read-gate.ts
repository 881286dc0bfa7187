/** Holds a fake store's reads in flight until released, so a test can change things while a read overlaps them. */
export class ReadGate {
  private gate: Promise<void> | undefined;

  /** Reads started from now on wait; returns the function that lets them finish. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** Awaited by a fake read after it has read its data. */
  async pass(): Promise<void> {
    await this.gate;
  }
}
