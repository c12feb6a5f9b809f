import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

interface Connection {
  /**
   * Its responses begun and not yet closed, pipelined ones included; kept with the
   * connection, so a response that never gets to close (queued behind another when the
   * connection died) goes when the connection does.
   */
  responses: Set<ServerResponse>;
  lastActive: number;
}

/**
 * Drains an HTTP server without dropping a request. Once draining, every response whose
 * headers are not yet sent carries `Connection: close`, those in flight included, so busy
 * keep-alive connections end after their current response (one whose headers went out
 * before still says keep-alive: its connection is closed once it ends);
 * `stopAccepting()` closes the listener (in a cluster worker this takes the worker out of
 * the primary's round robin) but, unlike `server.close()`, does not cut idle connections at
 * once: a connection the primary just handed over, or a keep-alive connection a client is
 * about to reuse, has `idleGraceMs` to send its request before it is closed.
 */
export class HttpDrain {
  private readonly connections = new Map<Socket, Connection>();
  private draining = false;
  // Listeners shared by every socket and response (`this` is the emitter): this is every
  // request's path, so no closure is made per request.
  private readonly onSocketClose: (this: Socket) => void;
  private readonly onResponseClose: (this: ServerResponse) => void;

  constructor(
    private readonly server: Server,
    private readonly idleGraceMs = 250,
  ) {
    const settle = this.settle.bind(this);
    const connections = this.connections;
    this.onSocketClose = function () {
      connections.delete(this);
    };
    this.onResponseClose = function () {
      settle(this);
    };
    server.on('connection', (socket: Socket) => {
      connections.set(socket, { responses: new Set(), lastActive: Date.now() });
      socket.on('close', this.onSocketClose);
    });
    // Prepended: the app's handler may answer synchronously, after which headers are sent.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      if (this.draining) response.setHeader('Connection', 'close');
      const connection = connections.get(request.socket);
      if (!connection) return;
      connection.responses.add(response);
      connection.lastActive = Date.now();
      response.on('close', this.onResponseClose);
    });
  }

  /**
   * From now on every response closes its connection: those not begun say
   * `Connection: close` (Node then ends the connection after them), the others' connections
   * are ended once they are idle.
   */
  beginDrain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const { responses } of this.connections.values()) {
      for (const response of responses) {
        if (!response.headersSent) response.setHeader('Connection', 'close');
      }
    }
  }

  /** Open connections, busy or idle. */
  get openConnections(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting connections, then resolves once every connection has closed: busy ones
   * after their response, idle ones after `idleGraceMs` without a request.
   */
  async stopAccepting(): Promise<void> {
    this.beginDrain();
    if (this.server.listening) {
      // net.Server's close, not http.Server's, which would also cut idle connections now.
      NetServer.prototype.close.call(this.server);
    }
    while (this.connections.size > 0) {
      const now = Date.now();
      for (const [socket, connection] of this.connections) {
        if (connection.responses.size === 0 && now - connection.lastActive >= this.idleGraceMs) {
          socket.destroy();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** A response ended or was cut: its connection is idle when it was the last in flight. */
  private settle(response: ServerResponse): void {
    const socket = response.req.socket;
    const connection = socket && this.connections.get(socket);
    if (!connection?.responses.delete(response)) return;
    connection.lastActive = Date.now();
    // Still writable: its headers went out before the drain and said keep-alive, so Node
    // keeps it open, for a request the client would race the drain's cut to send.
    if (this.draining && connection.responses.size === 0 && socket.writable) socket.destroySoon();
  }

  /** Cuts every connection still open (the shutdown deadline passed). */
  closeAll(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }
}
