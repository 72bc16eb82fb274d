// Envoy ends every ext_proc exchange by half-closing the stream and then resetting it
// (RST_STREAM CANCEL). Thousands of such streams on one channel must not make the server tear
// the connection down (nghttp2's reset rate limit: GOAWAY INTERNAL_ERROR), which fails every
// stream in flight on it; the server must instead retire busy connections gracefully.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GATEWAY, chatHeaders, startExtproc, type Running } from '../test/envoy-harness/fixtures';
import { headerMap, type ExtProcClient } from '../test/envoy-harness/ext-proc-client';

// Past the 1,000-reset burst nghttp2 allows before it answers with GOAWAY INTERNAL_ERROR.
const STREAMS = 1500;
const CONCURRENCY = 4;

/** One Envoy-like exchange: request headers, the answer, then half-close and reset. */
async function exchangeAndReset(client: ExtProcClient): Promise<grpc.StatusObject> {
  const stream = client.open('router', GATEWAY);
  const answer = await stream.send({ request_headers: headerMap(new Map(Object.entries(chatHeaders()))) });
  assert.ok(answer.request_headers, 'expected a request_headers answer');
  stream.end();
  stream.cancel();
  return stream.done;
}

describe('extproc server under Envoy-style stream resets', () => {
  let x: Running;
  before(async () => {
    x = await startExtproc();
  });
  after(async () => {
    await x.stop();
  });

  it('keeps the connection up across many half-closed and reset streams', async () => {
    const unexpected: grpc.StatusObject[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < STREAMS) {
        next++;
        const status = await exchangeAndReset(x.client).catch(
          (err: grpc.ServiceError): grpc.StatusObject => ({
            code: err.code ?? grpc.status.UNKNOWN,
            details: err.details ?? String(err),
            metadata: new grpc.Metadata(),
          }),
        );
        // CANCELLED is our own reset; OK if the server's trailers won the race.
        if (status.code !== grpc.status.CANCELLED && status.code !== grpc.status.OK) unexpected.push(status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(
      unexpected.slice(0, 3).map((s) => `${s.code} ${s.details}`),
      [],
      `${unexpected.length} of ${STREAMS} streams failed`,
    );

    // The channel still serves a whole exchange to its normal end.
    const stream = x.client.open('router', GATEWAY);
    const answer = await stream.send({ request_headers: headerMap(new Map(Object.entries(chatHeaders()))) });
    assert.ok(answer.request_headers);
    stream.end();
    assert.equal((await stream.done).code, grpc.status.OK);
    assert.equal(x.server.activeStreams, 0);
  });
});
