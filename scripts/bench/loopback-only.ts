// Preloaded (`node --import`) into a third-party server the benchmark runs (the Portkey gateway), which
// listens on every interface and may call out on its own: every server it opens listens on 127.0.0.1, and
// every outgoing connection to an address outside the loopback range is refused, so that the benchmark's
// traffic stays on this machine whatever the program does.
import net from 'node:net';

const isLoopback = (host: unknown) =>
  host === undefined || host === null || host === '' || host === 'localhost' || host === '::1' || (typeof host === 'string' && (/^127\./.test(host) || /^::ffff:127\./.test(host)));

type ListenArgs = Parameters<net.Server['listen']>;
const listen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;
net.Server.prototype.listen = function (this: net.Server, ...args: ListenArgs): net.Server {
  const [first] = args as unknown[];
  const callback = args.find((arg): arg is () => void => typeof arg === 'function');
  if (typeof first === 'object' && first !== null && !('path' in first && (first as { path?: unknown }).path)) {
    return listen.call(this, { ...(first as object), host: '127.0.0.1' }, callback);
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return listen.call(this, Number(first), '127.0.0.1', callback);
  }
  return listen.apply(this, args as unknown[]);
} as net.Server['listen'];

const connect = net.Socket.prototype.connect as (this: net.Socket, ...args: unknown[]) => net.Socket;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  let host: unknown;
  if (typeof first === 'object' && first !== null) host = 'path' in first && (first as { path?: unknown }).path ? 'localhost' : (first as { host?: unknown }).host;
  else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) host = typeof args[1] === 'string' ? args[1] : undefined;
  else host = 'localhost';
  if (!isLoopback(host)) {
    process.stderr.write(`loopback-only: refused a connection to ${String(host)}\n`);
    process.nextTick(() => this.destroy(new Error(`loopback-only: a connection to ${String(host)} was refused`)));
    return this;
  }
  return connect.apply(this, args);
} as net.Socket['connect'];
