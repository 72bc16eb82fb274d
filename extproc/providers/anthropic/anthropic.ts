// Anthropic Messages API backends: /v1/messages with x-api-key (by default) and
// anthropic-version; OpenAI chat requests are translated (request.ts), and responses come back
// as OpenAI chat completions, chunks (stream.ts) or errors (response.ts). Only chat is served.
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import type { ParsedRequest } from '../../request';
import type { RequestTranslation, ResponseTranslator, Translator, UpstreamHeaders } from '../translator';
import { TranslatedResponse } from '../translated-response';
import type { UnsupportedParameters } from '../unsupported';
import { toAnthropicRequest } from './request';
import { toChatCompletion, toOpenAIError } from './response';
import { AnthropicStreamTranslator } from './stream';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Chat answers: SSE chunk by chunk, JSON (or an error) buffered and translated at the end. */
function anthropicResponse(): ResponseTranslator {
  const created = Math.floor(Date.now() / 1000);
  return new TranslatedResponse({
    streamType: 'text/event-stream',
    stream: () => new AnthropicStreamTranslator(created),
    convert: (doc) => toChatCompletion(doc, created),
    toError: toOpenAIError,
  });
}

export const anthropicTranslator: Translator = {
  requestHeaders(_clientPath: string, backend: BackendConfig): UpstreamHeaders {
    const headers: Array<[string, string]> = [['anthropic-version', ANTHROPIC_VERSION]];
    if (backend.auth) headers.push([backend.auth.header.toLowerCase(), backend.auth.value]);
    return { path: `${backend.pathPrefix.replace(/\/+$/, '')}/messages`, headers };
  },

  requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    _backend: BackendConfig,
    unsupported?: UnsupportedParameters,
  ): RequestTranslation {
    if (req.endpoint !== 'chat')
      throw new GatewayError('invalid_request', `Anthropic backends do not serve ${clientPath}.`);
    return { body: Buffer.from(JSON.stringify(toAnthropicRequest(req.body, model, unsupported))) };
  },

  responseTranslator(): ResponseTranslator {
    return anthropicResponse();
  },
};
