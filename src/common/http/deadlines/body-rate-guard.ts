import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { readHttpConfig } from '../../../config/http.config';

/** The span over which a body's rate is judged, and how often it is sampled. */
const WINDOW_MS = 5_000;
const TICK_MS = 1_000;

/**
 * A minimum rate for request bodies, charged as bytes arrive rather than as declared: a
 * request whose body brings fewer than `HTTP_BODY_MIN_BYTES_PER_S` over 5 s, while the
 * service is reading it, is answered 408 and its connection closed, which also fires its
 * client-gone signal (a command it feeds is stopped, its upload budget released). Without
 * it, a client that declares 20 MB and sends nothing holds an upload's budget, or a command
 * slot, until the whole-request timeout. While the service is not reading (the body is
 * waiting for a queued command, or for back-pressure), the clock stops: that is not the
 * client's fault.
 */
@Injectable()
export class BodyRateGuard implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BodyRateGuard');
  private readonly minBytesPerSecond = readHttpConfig().bodyMinBytesPerSecond;
  private server?: Server;
  private readonly onRequest = (request: IncomingMessage, response: ServerResponse) =>
    this.watch(request, response);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    if (this.minBytesPerSecond === 0) return;
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.prependListener('request', this.onRequest);
  }

  onApplicationShutdown(): void {
    this.server?.removeListener('request', this.onRequest);
  }

  private watch(request: IncomingMessage, response: ServerResponse): void {
    const declared = Number(request.headers['content-length']);
    if (!(declared > 0) && request.headers['transfer-encoding'] === undefined) return;
    const needed = (this.minBytesPerSecond * WINDOW_MS) / 1000;
    // [time, socket bytes] while the service reads; emptied while it does not.
    let samples: [number, number][] = [];
    const timer = setInterval(() => {
      if (request.complete || response.writableEnded || request.destroyed) {
        clearInterval(timer);
        return;
      }
      if (request.readableFlowing !== true) {
        samples = [];
        return;
      }
      const now = Date.now();
      samples.push([now, request.socket.bytesRead]);
      while (samples.length > 1 && now - samples[1][0] >= WINDOW_MS) samples.shift();
      const [since, bytes] = samples[0];
      if (now - since < WINDOW_MS) return;
      if (request.socket.bytesRead - bytes >= needed) return;
      clearInterval(timer);
      this.refuse(request, response);
    }, TICK_MS);
    timer.unref();
    response.once('close', () => clearInterval(timer));
  }

  private refuse(request: IncomingMessage, response: ServerResponse): void {
    this.logger.warn(
      { requestId: response.getHeader('x-request-id'), url: request.url?.split('?', 1)[0] },
      'Request body too slow: answered 408',
    );
    if (response.headersSent) {
      request.socket.destroy();
      return;
    }
    const body = JSON.stringify({
      statusCode: 408,
      error: 'Request Timeout',
      message: `The request body arrived slower than ${this.minBytesPerSecond} bytes/s`,
    });
    response.writeHead(408, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    });
    response.end(body, () => request.socket.destroy());
  }
}
