// A WebSocket upgrade request that gets an HTTP answer instead (a 401 from the key check, a drain's 503, a
// 404): the answer is written to the raw socket, which Node's HTTP server no longer manages once it emitted
// 'upgrade', and the server keeps half-open sockets. Ended here once the answer is out, so that the socket
// goes and the server can close.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export function endRefusedUpgrade(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if ((request.raw as { upgrade?: boolean }).upgrade === true) {
    // A hijacked reply (the upgrade went ahead) never finishes.
    reply.raw.once('finish', () => request.raw.socket?.end());
  }
  done();
}
