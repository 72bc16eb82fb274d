// AWS Bedrock backends through the Converse API: POST {prefix}/model/{modelId}/converse, or
// /converse-stream for streams (a binary application/vnd.amazon.eventstream answer). OpenAI chat
// requests are translated (request.ts) and signed with SigV4 over the final body (sign.ts);
// responses come back as OpenAI chat completions, chunks (stream.ts) or errors (response.ts).
// The model id goes in the path percent-encoded (ids and inference-profile ARNs hold ':' and
// '/'). Without IAM credentials, `auth` carries a Bedrock API key (Authorization: Bearer) and
// nothing is signed. Embeddings go to InvokeModel ({prefix}/model/{modelId}/invoke) with Titan or
// Cohere bodies (embeddings.ts), signed the same way; other endpoints are refused with a 400.
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import type { ParsedRequest } from '../../request';
import type { RequestTranslation, ResponseTranslator, Translator, UpstreamHeaders } from '../translator';
import { embeddingResponse, answerFormat } from '../openai-embeddings';
import { readInvokeModelEmbedding, toInvokeModelEmbedding } from './embeddings';
import { toConverseRequest } from './request';
import { toChatCompletion, toOpenAIError } from './response';
import { TranslatedResponse } from '../translated-response';
import type { UnsupportedParameters } from '../unsupported';
import { bedrockCredentials } from './credentials';
import { signBedrockRequest } from './sign';
import { BedrockStreamTranslator } from './stream';

const CONTENT_TYPE = 'application/json';

export function bedrockPath(backend: BackendConfig, model: string, stream: boolean): string {
  return modelPath(backend, model, stream ? 'converse-stream' : 'converse');
}

function modelPath(backend: BackendConfig, model: string, action: string): string {
  const prefix = backend.pathPrefix.replace(/\/+$/, '');
  return `${prefix}/model/${encodeURIComponent(model)}/${action}`;
}

/** Chat answers: the event stream chunk by chunk, JSON (or an error) buffered and translated at the end. */
function bedrockResponse(model: string): ResponseTranslator {
  const created = Math.floor(Date.now() / 1000);
  return new TranslatedResponse({
    streamType: 'application/vnd.amazon.eventstream',
    stream: () => new BedrockStreamTranslator(created, model),
    convert: (doc) => toChatCompletion(doc, created, model),
    toError: toOpenAIError,
  });
}

export const bedrockTranslator: Translator = {
  requestHeaders(_clientPath: string, backend: BackendConfig): UpstreamHeaders {
    // The model (and so the path) and the signature are only known with the body.
    const headers: Array<[string, string]> = [['content-type', CONTENT_TYPE]];
    if (backend.auth) headers.push([backend.auth.header.toLowerCase(), backend.auth.value]);
    return { path: bedrockPath(backend, '', false), headers };
  },

  async requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    backend: BackendConfig,
    unsupported?: UnsupportedParameters,
  ): Promise<RequestTranslation> {
    let body: Buffer;
    let path: string;
    if (req.endpoint === 'chat') {
      body = Buffer.from(JSON.stringify(toConverseRequest(req.body, unsupported)));
      path = bedrockPath(backend, model, req.stream);
    } else if (req.endpoint === 'embeddings') {
      body = Buffer.from(JSON.stringify(toInvokeModelEmbedding(req.body, model, unsupported)));
      path = modelPath(backend, model, 'invoke');
    } else {
      throw new GatewayError('invalid_request', `Bedrock backends do not serve ${clientPath}.`);
    }
    const credentials = await bedrockCredentials(backend);
    if (!credentials) return { body, path };
    const signed = await signBedrockRequest(
      backend,
      { host: backend.host, path, headers: { 'content-type': CONTENT_TYPE }, body },
      undefined,
      credentials,
    );
    return { body, path, headers: signed };
  },

  responseTranslator(req: ParsedRequest): ResponseTranslator {
    if (req.endpoint === 'embeddings')
      return embeddingResponse(req.model, answerFormat(req.body), readInvokeModelEmbedding, toOpenAIError);
    return bedrockResponse(req.model);
  },
};
