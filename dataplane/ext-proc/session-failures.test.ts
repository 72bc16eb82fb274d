// The ext_proc session when the processor misbehaves or is gone: message timeouts and gRPC
// errors in both failure modes, an unreachable server, clean closes and spurious messages, and
// close() leaving no stream open.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { ProcessingRequest__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import type { ProtoObject } from '../../lib/protos';
import { type FakeProcessor, type Script, startFakeProcessor } from './fake-processor';
import { closeExtProcClients } from './grpc-stream';
import { createExtProcSession } from './session';
import type { Decision, ExtProcSession, HeaderList } from './types';

const REQUEST: HeaderList = [
  [':method', 'POST'],
  [':path', '/v1/chat/completions'],
  ['content-type', 'application/json'],
];
const RESPONSE: HeaderList = [[':status', '200']];
const SHORT = { nanos: 50_000_000 };
const LONG = { seconds: 30 };

const echo = (request: ProcessingRequest__Output): ProcessingResponse => ({
  [request.request as string]: {},
});

let script: Script = echo;
let proc: FakeProcessor;
let deadTarget: string;
const sessions: ExtProcSession[] = [];

before(async () => {
  proc = await startFakeProcessor((r, i) => script(r, i));
  // A port that was just free: connecting to it is refused.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadTarget = `127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(async () => {
  for (const s of sessions) s.close();
  closeExtProcClients();
  await proc.close();
});

function open(config: ProtoObject, target = (): string => proc.target): ExtProcSession {
  const session = createExtProcSession({
    config: { grpc_service: { envoy_grpc: { cluster_name: 'tollgate-extproc' } }, ...config },
    resolveCluster: target,
    attributes: {},
  });
  sessions.push(session);
  return session;
}

async function sentDuring(next: Script, fn: () => Promise<void>): Promise<string[]> {
  script = next;
  const start = proc.requests.length;
  await fn();
  return proc.requests.slice(start).map((r) => String(r.request));
}

function assertImmediate(decision: Decision, status: number, details: string): void {
  assert.equal(decision.kind, 'immediate', JSON.stringify(decision));
  assert.equal(decision.kind === 'immediate' && decision.status, status);
  assert.equal(decision.kind === 'immediate' && decision.details, details);
}

function assertUnmodified(decision: Decision, headers: HeaderList): void {
  assert.deepEqual(decision, { kind: 'continue', headers, clearRouteCache: false });
}

void describe('ext_proc session: failures', () => {
  void it('message timeout, failure_mode_allow=false: 504 and the stream is closed', async () => {
    const session = open({ message_timeout: SHORT });
    await sentDuring(
      () => ({ silent: true }),
      async () => {
        assertImmediate(
          await session.requestHeaders(REQUEST, true),
          504,
          'ext_proc_error_per-message_timeout_exceeded',
        );
        await proc.allClosed();
      },
    );
  });

  void it('message timeout, failure_mode_allow=true: continue unmodified and stop talking to the processor', async () => {
    const session = open({ message_timeout: SHORT, failure_mode_allow: true });
    const sent = await sentDuring(
      () => ({ silent: true }),
      async () => {
        assertUnmodified(await session.requestHeaders(REQUEST, true), REQUEST);
        assertUnmodified(await session.responseHeaders(RESPONSE, true), RESPONSE);
      },
    );
    // (The request may or may not have reached the processor before the timeout fired.)
    assert.ok(!sent.includes('response_headers'), `sent after the timeout: ${sent.join(', ')}`);
  });

  void it('override_message_timeout extends the wait up to max_message_timeout', async () => {
    // The answer comes well after message_timeout (1 s) but long before the extended 20 s.
    const session = open({ message_timeout: { seconds: 1 }, max_message_timeout: LONG });
    await sentDuring(
      (r) => [{ override_message_timeout: { seconds: 20 } }, { after: 1500, then: echo(r) }],
      async () => {
        assertUnmodified(await session.requestHeaders(REQUEST, true), REQUEST);
      },
    );
    session.close();
  });

  void it('server unavailable: 500 with the gRPC status, or continue when failure_mode_allow', async () => {
    const closed = open({ message_timeout: LONG }, () => deadTarget);
    assertImmediate(await closed.requestHeaders(REQUEST, true), 500, 'ext_proc_error_gRPC_error_14');
    const allowed = open({ message_timeout: LONG, failure_mode_allow: true }, () => deadTarget);
    assertUnmodified(await allowed.requestHeaders(REQUEST, true), REQUEST);
    const unknown = open({ message_timeout: LONG }, () => {
      throw new Error('no such cluster');
    });
    assertImmediate(await unknown.requestHeaders(REQUEST, true), 500, 'ext_proc_error_gRPC_error_14');
  });

  void it('a gRPC error from the processor fails the request, during or between messages', async () => {
    const during = open({ message_timeout: LONG });
    await sentDuring(
      () => ({ fail: grpc.status.INTERNAL }),
      async () => {
        assertImmediate(await during.requestHeaders(REQUEST, true), 500, 'ext_proc_error_gRPC_error_13');
      },
    );
    const between = open({ message_timeout: LONG });
    await sentDuring(
      (r) => [echo(r), { fail: grpc.status.INTERNAL }],
      async () => {
        assertUnmodified(await between.requestHeaders(REQUEST, true), REQUEST);
        await proc.allClosed();
        assertImmediate(await between.responseHeaders(RESPONSE, true), 500, 'ext_proc_error_gRPC_error_13');
      },
    );
  });

  void it('a clean close by the processor means continue without it', async () => {
    const session = open({ message_timeout: LONG });
    const sent = await sentDuring(
      () => ({ endStream: true }),
      async () => {
        assertUnmodified(await session.requestHeaders(REQUEST, true), REQUEST);
        assertUnmodified(await session.responseHeaders(RESPONSE, true), RESPONSE);
      },
    );
    assert.deepEqual(sent, ['request_headers']);
  });

  void it('a response for the wrong phase is spurious: continue unmodified, stream closed', async () => {
    const session = open({ message_timeout: LONG });
    const sent = await sentDuring(
      () => ({ response_body: { response: { body_mutation: { clear_body: true } } } }),
      async () => {
        assertUnmodified(await session.requestHeaders(REQUEST, true), REQUEST);
        await proc.allClosed();
        assertUnmodified(await session.responseHeaders(RESPONSE, true), RESPONSE);
      },
    );
    assert.deepEqual(sent, ['request_headers']);
  });

  void it('close() ends the stream, is idempotent, and settles a call in flight', async () => {
    const done = open({ message_timeout: LONG });
    await sentDuring(echo, async () => {
      assertUnmodified(await done.requestHeaders(REQUEST, true), REQUEST);
      assert.equal(proc.openStreams(), 1);
      done.close();
      done.close();
      await proc.allClosed();
    });

    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const inFlight = open({ message_timeout: LONG });
    await sentDuring(
      () => {
        received();
        return { silent: true };
      },
      async () => {
        const pending = inFlight.requestHeaders(REQUEST, true);
        await arrived;
        inFlight.close();
        assertUnmodified(await pending, REQUEST);
        await proc.allClosed();
        assertUnmodified(await inFlight.responseHeaders(RESPONSE, true), RESPONSE);
      },
    );
    assert.equal(proc.openStreams(), 0);
  });
});
