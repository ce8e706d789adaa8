import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/**
 * Reading and writing a socket outside the event loop, through the C library (koffi, already
 * loaded for PC/SC): Node has no synchronous read of a socket. For PcscdSocket's transmitSync and
 * its busy-poll. The socket stays libuv's (non-blocking): a read or write that would wait polls
 * first, with what is left of the caller's deadline.
 */

/** The socket's file descriptor (libuv's; Unix), for the reads made outside the event loop. */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms`. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** What a blocking read or write throws when the deadline passes. */
export const SOCKET_WAIT_TIMED_OUT = Symbol('timeout');

export interface BlockingSocketIo {
  writeAll(fd: number, bytes: Uint8Array, left: () => number): void;
  /** Reads what has arrived into `into` from `at` without waiting: the count, 0 if nothing, -1 at the end or on an error. */
  readNow(fd: number, into: Uint8Array, at: number): number;
  /** Reads what has arrived (at least one byte) into `into` from `at`: the count. */
  readSome(fd: number, into: Uint8Array, at: number, left: () => number): number;
}

let blockingSocketIoFunctions: BlockingSocketIo | undefined;

/**
 * Blocking socket I/O for transmitSync through the C library (koffi, already loaded for PC/SC):
 * Node has no synchronous read of a socket. The socket is non-blocking (libuv's), so each
 * read or write that would wait polls first, with what is left of the deadline.
 */
export function blockingSocketIo(): BlockingSocketIo {
  if (blockingSocketIoFunctions) return blockingSocketIoFunctions;
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(path: string | null): { func(definition: string): (...args: unknown[]) => unknown };
    errno(): number;
  };
  const libc = koffi.load(null);
  const write = libc.func('intptr_t write(int fd, const uint8_t *buf, uintptr_t count)');
  const read = libc.func('intptr_t read(int fd, uint8_t *buf, uintptr_t count)');
  const poll = libc.func('int poll(uint8_t *fds, unsigned long nfds, int timeout)');
  const schedYield = libc.func('int sched_yield()');
  const EINTR = 4;
  const EAGAIN = 11;
  const pollFd = new Uint8Array(8);
  const pollView = new DataView(pollFd.buffer);
  const wait = (fd: number, events: number, left: () => number): void => {
    const ms = left();
    if (ms <= 0) throw SOCKET_WAIT_TIMED_OUT;
    pollView.setInt32(0, fd, true);
    pollView.setInt16(4, events, true);
    pollView.setInt16(6, 0, true);
    const ready = Number(poll(pollFd, 1, ms));
    if (ready === 0) throw SOCKET_WAIT_TIMED_OUT;
    if (ready < 0 && koffi.errno() !== EINTR) throw new Error(`poll failed (errno ${koffi.errno()})`);
  };
  const failed = (what: string): boolean => {
    const errno = koffi.errno();
    if (errno === EAGAIN || errno === EINTR) return false;
    throw new Error(`${what} failed (errno ${errno})`);
  };
  blockingSocketIoFunctions = {
    writeAll(fd, bytes, left) {
      let done = 0;
      while (done < bytes.length) {
        const n = Number(write(fd, done === 0 ? bytes : bytes.subarray(done), bytes.length - done));
        if (n > 0) done += n;
        else if (n < 0 && !failed('write')) wait(fd, 0x004 /* POLLOUT */, left);
        else if (n === 0) throw new Error('pcscd closed the connection');
      }
    },
    readNow(fd, into, at) {
      const n = Number(read(fd, at === 0 ? into : into.subarray(at), into.length - at));
      if (n > 0) return n;
      if (n < 0 && koffi.errno() === EAGAIN) {
        schedYield();
        return 0;
      }
      return -1;
    },
    readSome(fd, into, at, left) {
      // Poll first: pcscd's answer is never there the moment the request is written.
      for (;;) {
        wait(fd, 0x001 /* POLLIN */, left);
        const n = Number(read(fd, at === 0 ? into : into.subarray(at), into.length - at));
        if (n > 0) return n;
        if (n === 0) throw new Error('pcscd closed the connection');
        failed('read');
      }
    },
  };
  return blockingSocketIoFunctions;
}
