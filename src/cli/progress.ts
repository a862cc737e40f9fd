/** A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and pipes stay clean). */
export class ProgressBar {
  private lastDraw = 0;
  private readonly enabled = Boolean(process.stderr.isTTY);

  update(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    process.stderr.write(`\r${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    if (done >= total) process.stderr.write('\n');
  }
}
