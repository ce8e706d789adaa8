/** Collects output and hands it to `write` in large pieces: a 10,000-command run makes few writes. */
export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly write: (text: string) => void,
    private readonly limit = 64 * 1024,
  ) {}

  line(text: string): void {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
