/**
 * `Expect: 100-continue` (RFC 9110, section 10.1.1): a client that sends it waits for `100 Continue`
 * before it sends the body, so a request that will be refused anyway (too large, no token, wrong
 * type) costs no upload. Node answers `100 Continue` itself unless the server handles
 * 'checkContinue'; then it is ours to send. We send it once the request passed every check that
 * needs no body — fastify's onRequest hooks (authentication, the bundle upload's size, type and
 * trust checks) — at the start of body parsing (preParsing). A request refused before that gets its
 * final answer instead, and `Connection: close`, since its unsent body must not be awaited on a
 * connection that is then reused. `curl -T big.tar` (README) sends the header for large uploads.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Installs the handling on `app` (its server, and two root hooks every route inherits). */
export function registerExpectContinue(app: FastifyInstance): void {
  // Requests that asked for `100 Continue` and have not had it yet.
  const waiting = new WeakSet<IncomingMessage>();
  app.server.on('checkContinue', (req: IncomingMessage, res) => {
    waiting.add(req);
    app.server.emit('request', req, res);
  });
  app.addHook('preParsing', async (request, reply, payload) => {
    if (waiting.delete(request.raw)) reply.raw.writeContinue();
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (waiting.has(request.raw)) void reply.header('connection', 'close');
    return payload;
  });
}
