'use strict';
/**
 * The soak's clients. Each one holds a keep-alive connection (a "session") and sends its
 * requests one after the other over it. In a Node cluster a connection belongs to the one
 * app worker the primary handed it to, for its whole life, so each session starts with
 * `GET /health/live`, whose answer names that worker's pid: every later request on the same
 * socket is attributed to it. A request that ends up on another socket (the old one closed
 * meanwhile) is marked unattributed.
 */
const http = require('node:http');
const { HOST, sleep } = require('./service.cjs');
const { errorBody } = require('./workload.cjs');

const PROBE = { name: 'session probe', route: 'GET /health/live' };

/** Every request, by number; and those in flight or recently ended, per command. */
class Ledger {
  constructor() {
    this.records = [];
    this.bySeq = new Map();
    this.nextSeq = 1;
  }

  open(fields) {
    const record = { seq: this.nextSeq++, ...fields };
    this.records.push(record);
    this.bySeq.set(record.seq, record);
    return record;
  }

  /**
   * Requests of `command` (on worker `workerPid`, if given) in flight at `now`, or ended at
   * most `withinMs` before it.
   */
  countLive(command, now, withinMs, workerPid) {
    let count = 0;
    for (let i = this.records.length - 1; i >= 0; i--) {
      const record = this.records[i];
      if (record.sentAt < now - 600_000) break; // older than any deadline: ended long ago
      if (record.command !== command) continue;
      if (workerPid !== undefined && record.workerPid !== workerPid) continue;
      if (record.endedAt === undefined || record.endedAt >= now - withinMs) count += 1;
    }
    return count;
  }
}

class Session {
  constructor() {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.socket = undefined;
    this.pid = undefined;
    this.closed = false;
  }

  adopt(socket) {
    this.socket = socket;
    socket.once('close', () => (this.closed = true));
  }

  end() {
    this.closed = true;
    this.agent.destroy();
  }
}

class Client {
  /**
   * @param id the client's number
   * @param options.port the app port
   * @param options.rnd this client's random stream
   * @param options.kinds request kinds (workload.cjs)
   * @param options.ledger where every request is recorded
   * @param options.now the soak's clock (ms since its start)
   * @param options.graceMs the deadline grace
   * @param options.probeDeadlineMs deadline of a session probe
   * @param options.giveUpAfterMs how long past its deadline + grace a request is waited for
   */
  constructor(id, options) {
    this.id = id;
    Object.assign(this, options);
    this.session = undefined;
    this.weights = this.kinds.map((kind) => [kind, kind.weight]);
  }

  async run(running) {
    while (running()) {
      if (!this.session || this.session.closed) {
        this.session = await this.openSession();
        if (!this.session) {
          await sleep(this.rnd.int(100, 300));
          continue;
        }
      }
      const kind = this.rnd.weighted(this.weights);
      const record = this.ledger.open({
        client: this.id,
        kind: kind.name,
        route: kind.route,
        command: kind.command,
        deadlineMs: kind.deadlineMs,
        workerPid: this.session.pid,
      });
      const spec = kind.build(this.rnd, record.seq);
      await this.send(this.session, record, spec);
      // A request meant to be left may be answered first (its upload unfinished): that
      // connection is not reused either.
      if (record.error || record.connectionClose || !record.socketMatched || spec.abort) {
        this.session.end();
      }
      await sleep(this.rnd.int(0, 40));
    }
    this.session?.end();
  }

  async openSession() {
    const session = new Session();
    const record = this.ledger.open({
      client: this.id,
      kind: PROBE.name,
      route: PROBE.route,
      deadlineMs: this.probeDeadlineMs,
      probe: true,
    });
    const check = (answer) => {
      try {
        const pid = JSON.parse(answer.body.toString()).info.process.pid;
        if (Number.isInteger(pid)) {
          session.pid = record.answeredBy = pid;
          return undefined;
        }
      } catch {
        // not the documented body
      }
      return `no pid in ${JSON.stringify(answer.body.toString().slice(0, 120))}`;
    };
    await this.send(session, record, {
      method: 'GET',
      path: '/health/live',
      expect: { status: 200, check },
    });
    if (session.pid === undefined || record.connectionClose || session.closed) {
      session.end();
      return undefined;
    }
    return session;
  }

  /**
   * Sends one request and fills `record`: times, then the status (with the check of the
   * answer against `spec.expect`) or the error. Bodies are not kept. Never rejects.
   */
  send(session, record, spec) {
    const body = spec.body;
    const abort = spec.abort;
    const giveUpMs = record.deadlineMs + this.graceMs + this.giveUpAfterMs;
    return new Promise((resolve) => {
      const chunks = [];
      let settled = false;
      let abortTimer;
      const settle = (fields) => {
        if (settled) return;
        settled = true;
        clearTimeout(giveUp);
        clearTimeout(abortTimer);
        Object.assign(record, fields, { endedAt: this.now() });
        resolve(record);
      };
      const answered = (res) => {
        const answer = {
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks),
        };
        const fields = { status: answer.status, expectStatus: spec.expect.status };
        if (answer.status === spec.expect.status) {
          fields.problem = spec.expect.check?.(answer);
        } else {
          fields.retryAfter = res.headers['retry-after'];
          fields.errorBody = errorBody(answer);
          fields.excerpt = answer.body.toString().slice(0, 200);
        }
        settle(fields);
      };
      const headers = {
        'x-request-id': `soak-${record.seq}`,
        ...(spec.headers ?? {}),
        ...(body ? { 'content-length': String(body.length) } : {}),
      };
      record.sentAt = this.now();
      const req = http.request(
        {
          host: HOST,
          port: this.port,
          method: spec.method ?? 'POST',
          path: spec.path,
          headers,
          agent: session.agent,
        },
        (res) => {
          record.connectionClose = res.headers.connection === 'close';
          res.on('data', (chunk) => chunks.push(chunk));
          res.once('end', () => answered(res));
          res.once('aborted', () => settle({ error: 'response cut short' }));
          res.once('error', (error) => settle({ error: error.code ?? error.message }));
        },
      );
      req.once('socket', (socket) => {
        if (!session.socket) session.adopt(socket);
        record.socketMatched = socket === session.socket;
      });
      req.once('error', (error) => settle({ error: error.code ?? error.message }));
      const giveUp = setTimeout(() => {
        settle({ error: 'no answer' });
        req.destroy();
      }, giveUpMs);
      if (!body) {
        req.end();
      } else if (abort?.sendBytes !== undefined) {
        req.write(body.subarray(0, abort.sendBytes)); // the rest never comes
      } else {
        req.end(body);
      }
      if (abort) {
        abortTimer = setTimeout(() => {
          if (settled) return;
          settle({ clientAborted: true, error: 'client left' });
          req.destroy();
        }, abort.afterMs);
      }
    });
  }
}

module.exports = { Client, Ledger, PROBE };
