// How the core drives an ExtProcSession on the response path (router level and upstream
// level alike): headers first, then the body as the session's current body mode asks. BUFFERED
// holds the headers until the whole body was processed, so the body answer can still replace
// the response; STREAMED forwards each processed chunk as it comes.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_proc_filter
import type { Decision, ExtProcSession, HeaderList } from '../ext-proc/types';
import { LOCAL_REPLY, localReply, type ResponseSource } from './response';

export function decisionReply(d: Extract<Decision, { kind: 'immediate' }>): ResponseSource {
  return localReply(d.status, d.body, d.details || 'ext_proc_immediate_response', d.headers);
}

/** Headers of a continue decision; an empty list means "unchanged". */
export function continuedHeaders(d: Extract<Decision, { kind: 'continue' }>, before: HeaderList): HeaderList {
  return d.headers.length > 0 ? d.headers : before;
}

export type RequestOutcome =
  | { kind: 'continue'; headers: HeaderList; body: Buffer; clearRouteCache: boolean }
  | { kind: 'immediate'; reply: ResponseSource };

/**
 * The request path: headers, then the whole (buffered) body unless the session needs none. A
 * headers decision carrying a body is CONTINUE_AND_REPLACE: that body replaces the original.
 * BUFFERED holds the body in the connection buffer: past `bufferLimitBytes` (the listener's or
 * cluster's per_connection_buffer_limit_bytes) Envoy answers 413 instead of sending it.
 */
export async function filterRequest(
  session: ExtProcSession,
  headers: HeaderList,
  body: Buffer,
  bufferLimitBytes: number,
): Promise<RequestOutcome> {
  let d = await session.requestHeaders(headers, body.length === 0);
  if (d.kind === 'immediate') return { kind: 'immediate', reply: decisionReply(d) };
  let current = continuedHeaders(d, headers);
  let clearRouteCache = d.clearRouteCache;
  if (d.body !== undefined) return { kind: 'continue', headers: current, body: d.body, clearRouteCache };
  let currentBody = body;
  if (session.requestBodyMode() === 'BUFFERED' && body.length > bufferLimitBytes)
    return { kind: 'immediate', reply: LOCAL_REPLY.bodyTooLarge() };
  if (body.length > 0 && session.requestBodyMode() !== 'NONE') {
    d = await session.requestBody(body);
    if (d.kind === 'immediate') return { kind: 'immediate', reply: decisionReply(d) };
    current = continuedHeaders(d, current);
    currentBody = d.body ?? body;
    clearRouteCache ||= d.clearRouteCache;
  }
  return { kind: 'continue', headers: current, body: currentBody, clearRouteCache };
}

export async function filterResponse(
  session: ExtProcSession,
  source: ResponseSource,
): Promise<ResponseSource> {
  let decision: Decision;
  try {
    decision = await session.responseHeaders(source.headers, source.endOfStream);
  } catch (err) {
    source.abort();
    session.close();
    throw err;
  }
  if (decision.kind === 'immediate') {
    source.abort();
    session.close();
    return decisionReply(decision);
  }
  let headers = continuedHeaders(decision, source.headers);
  if (decision.body !== undefined) {
    // CONTINUE_AND_REPLACE: the decision's body is the response; the upstream's is dropped.
    source.abort();
    session.close();
    const replaced = decision.body;
    const rest = headers.filter(([n]) => n !== 'content-length');
    return {
      ...source,
      headers: [...rest, ['content-length', String(replaced.length)]],
      body: [replaced],
      endOfStream: replaced.length === 0,
    };
  }
  const mode = session.responseBodyMode();
  if (source.endOfStream || mode === 'NONE') {
    session.close();
    return { ...source, headers };
  }
  const withoutLength = headers.filter(([n]) => n !== 'content-length');
  if (mode === 'BUFFERED') {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of source.body) chunks.push(chunk);
      decision = await session.responseChunk(Buffer.concat(chunks), true);
    } catch (err) {
      source.abort();
      session.close();
      throw err;
    }
    session.close();
    if (decision.kind === 'immediate') return decisionReply(decision);
    headers = continuedHeaders(decision, withoutLength).filter(([n]) => n !== 'content-length');
    const body = decision.body ?? Buffer.concat(chunks);
    return {
      ...source,
      headers: [...headers, ['content-length', String(body.length)]],
      body: [body],
      bodyComplete: () => true,
    };
  }
  const state = { complete: false };
  return {
    ...source,
    headers: withoutLength,
    body: streamThrough(session, source, state),
    bodyComplete: () => state.complete,
  };
}

/**
 * STREAMED (and BUFFERED_PARTIAL, sent chunk by chunk): each chunk, the last one with
 * end_of_stream when the source knows it is the last; otherwise an empty end_of_stream message
 * after the source ended. `state.complete` turns true just before the last chunk is yielded.
 */
async function* streamThrough(
  session: ExtProcSession,
  source: ResponseSource,
  state: { complete: boolean },
): AsyncGenerator<Buffer> {
  let done = false;
  try {
    let endSent = false;
    for await (const chunk of source.body) {
      // A chunk after end_of_stream was sent cannot happen for a source that said "complete".
      if (endSent) throw new Error('response body continued after its last chunk');
      endSent = source.bodyComplete?.() ?? false;
      const out = bodyOf(await session.responseChunk(chunk, endSent), chunk);
      state.complete = endSent;
      yield out;
    }
    if (!endSent) {
      const last = bodyOf(await session.responseChunk(Buffer.alloc(0), true), Buffer.alloc(0));
      state.complete = true;
      if (last.length > 0) yield last;
    }
    done = true;
  } finally {
    session.close();
    if (!done) source.abort();
  }
}

function bodyOf(d: Decision, original: Buffer): Buffer {
  // Headers are already on the wire: an immediate response now can only reset the stream.
  if (d.kind === 'immediate') throw new Error(`ext_proc immediate response after headers: ${d.details}`);
  return d.body ?? original;
}
