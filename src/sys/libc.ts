// The few libc calls Node has no API for, bound through koffi (a maintained FFI whose npm
// package ships prebuilt binaries). Loaded on first use, once: a machine where koffi or libc
// cannot load gets that reason as an Error value from every call, never a crash at start-up,
// and sessions that need none of these options never load it.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';

/** A failed system call: what was attempted, and errno by name and text. */
export class SysError extends Error {
  override readonly name = 'SysError';
  constructor(
    readonly op: string,
    readonly errno: number,
    readonly text: string,
  ) {
    super(`${op}: ${text}`);
  }
}

export interface Libc {
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  /** `len` is a 4-octet buffer in and out (socklen_t *). */
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  /** Octets sent, or -1. */
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  /** Octets received (with MSG_TRUNC: the datagram's real length), or -1. */
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
  /** glibc malloc tuning (mallopt(3)): 1 on success, 0 on error (musl: a no-op returning 0). */
  mallopt(param: number, value: number): number;
  errno(): number;
  strerror(errno: number): string;
}

let loaded: Libc | Error | undefined;

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));

/** libc, or why it cannot be had (koffi missing, not Linux, libc.so.6 not found). */
export function libc(): Libc | Error {
  if (loaded) return loaded;
  if (process.platform !== 'linux')
    return (loaded = new Error(`TCP-MD5, GTSM and rtnetlink need Linux (this is ${process.platform})`));
  try {
    // require at run time: koffi is a native addon, needed only where these options are used.
    const koffi = createRequire(__filename)('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    const setsockopt = lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)');
    const getsockopt = lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)');
    const socket = lib.func('int socket(int domain, int type, int protocol)');
    const bind = lib.func('int bind(int fd, const void *addr, uint32_t len)');
    // ssize_t: 64-bit on every Linux we run on; koffi hands it back as a number.
    const send = lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
    const recv = lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)');
    const close = lib.func('int close(int fd)');
    const mallopt = lib.func('int mallopt(int param, int value)');
    const strerror = lib.func('const char *strerror(int errnum)');
    loaded = {
      setsockopt: (fd, level, name, value, len) => setsockopt(fd, level, name, value, len) as number,
      getsockopt: (fd, level, name, value, len) => getsockopt(fd, level, name, value, len) as number,
      socket: (d, t, p) => socket(d, t, p) as number,
      bind: (fd, addr, len) => bind(fd, addr, len) as number,
      send: (fd, buf, len, flags) => Number(send(fd, buf, len, flags)),
      recv: (fd, buf, len, flags) => Number(recv(fd, buf, len, flags)),
      close: (fd) => close(fd) as number,
      mallopt: (param, value) => mallopt(param, value) as number,
      errno: () => koffi.errno(),
      strerror: (e) => String(strerror(e)),
    };
  } catch (e) {
    loaded = new Error(`cannot load koffi/libc for socket options: ${(e as Error).message.split('\n')[0]}`);
  }
  return loaded;
}

/** The SysError of the call that just returned -1. */
export function lastError(c: Libc, op: string): SysError {
  const errno = c.errno();
  const name = ERRNO_NAMES.get(errno);
  return new SysError(op, errno, `${name ?? `errno ${errno}`} (${c.strerror(errno)})`);
}
