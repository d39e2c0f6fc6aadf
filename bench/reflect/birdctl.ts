// A persistent connection to a BIRD 2 control socket (the protocol birdc speaks): one
// command at a time, the reply read up to its last line (a 4-digit code and a space, as
// opposed to the '-' of continuation lines). Polling this way costs the clients far less
// than spawning birdc every few milliseconds would.
import * as net from 'node:net';

export class BirdCtl {
  private buf = '';
  private waiter: ((reply: string) => void) | undefined;
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.check();
    });
    sock.on('error', () => undefined);
  }

  static async open(path: string, timeoutMs = 5000): Promise<BirdCtl> {
    const sock = net.connect(path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
      setTimeout(() => reject(new Error(`BIRD socket ${path}: no answer`)), timeoutMs).unref();
    });
    const ctl = new BirdCtl(sock);
    await ctl.reply(timeoutMs); // "0001 BIRD 2.0.12 ready."
    return ctl;
  }

  private check(): void {
    if (!this.waiter) return;
    const m = /(^|\n)\d{4} [^\n]*\n/.exec(this.buf);
    if (!m) return;
    const end = m.index + m[0].length;
    const reply = this.buf.slice(0, end);
    this.buf = this.buf.slice(end);
    const w = this.waiter;
    this.waiter = undefined;
    w(reply);
  }

  private reply(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error('BIRD control socket timed out'));
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(t);
        resolve(r);
      };
      this.check();
    });
  }

  async command(cmd: string, timeoutMs = 10000): Promise<string> {
    this.sock.write(`${cmd}\n`);
    return this.reply(timeoutMs);
  }

  /** Routes imported by protocol `name` ("Routes: N imported, ..."), and its BGP state. */
  async protocol(name: string): Promise<{ imported: number; state: string }> {
    const r = await this.command(`show protocols all ${name}`);
    const imported = /Routes:\s+(\d+) imported/.exec(r);
    const state = /BGP state:\s+(\S+)/.exec(r);
    return { imported: imported ? Number(imported[1]) : 0, state: state ? state[1]! : 'unknown' };
  }

  close(): void {
    this.sock.destroy();
  }
}
