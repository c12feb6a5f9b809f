import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

interface Connection {
  requests: number;
  lastActive: number;
}

/**
 * Drains an HTTP server without dropping a request. Once draining, every response carries
 * `Connection: close`, so busy keep-alive connections end after their current response;
 * `stopAccepting()` closes the listener (in a cluster worker this takes the worker out of
 * the primary's round robin) but, unlike `server.close()`, does not cut idle connections at
 * once: a connection the primary just handed over, or a keep-alive connection a client is
 * about to reuse, has `idleGraceMs` to send its request before it is closed.
 */
export class HttpDrain {
  private readonly connections = new Map<Socket, Connection>();
  private draining = false;

  constructor(
    private readonly server: Server,
    private readonly idleGraceMs = 250,
  ) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { requests: 0, lastActive: Date.now() });
      socket.once('close', () => this.connections.delete(socket));
    });
    // Prepended: the app's handler may answer synchronously, after which headers are sent.
    server.prependListener('request', (request, response) => {
      const connection = this.connections.get(request.socket);
      if (connection) {
        connection.requests += 1;
        connection.lastActive = Date.now();
      }
      if (this.draining) response.setHeader('Connection', 'close');
      response.once('close', () => {
        if (!connection) return;
        connection.requests -= 1;
        connection.lastActive = Date.now();
      });
    });
  }

  /** From now on every response closes its connection. */
  beginDrain(): void {
    this.draining = true;
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
        if (connection.requests === 0 && now - connection.lastActive >= this.idleGraceMs) {
          socket.destroy();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Cuts every connection still open (the shutdown deadline passed). */
  closeAll(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }
}
