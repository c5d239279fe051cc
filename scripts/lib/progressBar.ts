/** A one-line progress bar on stderr (redrawn in place on a terminal, every 10% otherwise). */
export class ProgressBar {
  private lastDecile = -1;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly width = 30,
  ) {}

  update(fraction: number, detail = ''): void {
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * this.width);
    const line = `${this.label} [${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}`;
    if (this.tty) {
      process.stderr.write(`\r${line}\x1b[K`);
    } else {
      const decile = Math.floor(f * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`${line}\n`);
      }
    }
  }

  done(message = ''): void {
    if (this.tty) process.stderr.write('\n');
    if (message) process.stderr.write(`${message}\n`);
  }
}
