// End to end for the per-route policy on parameters a backend cannot honour (README
// "Unsupported parameters"), through `tollgate run` on examples/bedrock with the official `openai`
// SDK as the client: the example's rule keeps the default (Reject: 400 naming the parameter,
// nothing reaches Bedrock), and a rule added here says `unsupportedParameters: Drop` (the
// request succeeds without the parameters, and the tollgate-warning response header names them,
// streamed or not).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockBedrock, type MockBedrock } from '../fakes/mock-bedrock';
import { startMockLlm } from '../fakes/mock-llm';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;

/** The keys in examples/bedrock/backends.yaml. */
const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLENOTREAL01', secretAccessKey: 'not-a-real-secret-access-key' };

/** A rule in front of the example's, same backend, with the Drop policy. */
const LENIENT_RULE = `  rules:
    - name: claude-haiku-lenient
      matches:
        - model: { type: Exact, value: claude-haiku-lenient }
      backendRefs:
        - name: bedrock
          modelOverride: anthropic.claude-3-5-haiku-20241022-v1:0
      unsupportedParameters: Drop
`;

const DROPPED =
  'dropped parameter logprobs (not supported by Bedrock), dropped parameter seed (not supported by Bedrock)';

describe('unsupported parameters end to end', () => {
  let bedrock: MockBedrock;
  let openai: Mock;
  let tollgate: LocalTollgate;
  let client: OpenAI;

  before(async () => {
    bedrock = await startMockBedrock(CREDENTIALS, 'us-east-1');
    openai = await startMockLlm({ name: 'mock-openai', host: '127.0.0.1' });
    tollgate = await startLocalTollgate('bedrock', {
      gatewayPort: 8080,
      upstreamPorts: { 9301: bedrock.port, 9302: openai.port },
      transform: (file, text) => {
        if (file !== 'routes.yaml') return text;
        const out = text.replace(/^ {2}rules:\n/m, LENIENT_RULE);
        assert.notEqual(out, text, 'the example route has a rules list to extend');
        return out;
      },
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await bedrock?.close();
    await openai?.close();
  });

  test('Reject (the default): 400 naming the parameter, nothing sent to Bedrock', async () => {
    const before = bedrock.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude-haiku',
        logprobs: true,
        messages: [{ role: 'user', content: 'Hello' }],
      }),
      (err: unknown) =>
        err instanceof OpenAI.APIError &&
        err.status === 400 &&
        err.param === 'logprobs' &&
        /logprobs/.test(err.message) &&
        /Bedrock/.test(err.message),
    );
    assert.equal(bedrock.requests.length, before, 'a rejected request never reaches the provider');
  });

  test('Drop: success without the parameters, named in tollgate-warning', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude-haiku-lenient',
        logprobs: true,
        seed: 7,
        temperature: 0.3,
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .withResponse();
    assert.equal(response.status, 200);
    assert.match(data.choices[0]?.message.content ?? '', /mock-bedrock/);
    assert.equal(response.headers.get('tollgate-warning'), DROPPED);
    const seen = bedrock.requests.at(-1);
    assert.equal(seen?.signatureValid, true, 'signed over the body without the dropped parameters');
    const sent = JSON.stringify(seen?.body);
    assert.doesNotMatch(sent, /logprobs|seed/);
    assert.deepEqual((seen?.body as { inferenceConfig?: unknown }).inferenceConfig, { temperature: 0.3 });
  });

  test('Drop, streamed: the warning arrives with the stream headers', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'claude-haiku-lenient',
        stream: true,
        logprobs: true,
        seed: 7,
        messages: [{ role: 'user', content: 'Hi' }],
      })
      .withResponse();
    assert.equal(response.headers.get('tollgate-warning'), DROPPED);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.match(text, /mock-bedrock/);
  });

  test('a request with nothing to drop carries no warning', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'claude-haiku-lenient', messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    assert.equal(response.headers.get('tollgate-warning'), null);
  });
});
