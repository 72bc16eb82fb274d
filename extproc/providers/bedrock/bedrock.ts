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
import { obj } from '../openai-chat';
import { EmbeddingResponseTranslator, answerFormat } from '../openai-embeddings';
import { readInvokeModelEmbedding, toInvokeModelEmbedding } from './embeddings';
import { toConverseRequest } from './request';
import { toChatCompletion, toOpenAIError } from './response';
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

/** Buffers a JSON body (success or error) and answers it translated at end of stream. */
class BedrockResponseTranslator implements ResponseTranslator {
  private status = 200;
  private stream: BedrockStreamTranslator | undefined;
  private chunks: Buffer[] = [];
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly model: string) {}

  headers(status: number, contentType: string): string {
    this.status = status;
    if (status < 300 && contentType.startsWith('application/vnd.amazon.eventstream')) {
      this.stream = new BedrockStreamTranslator(this.created, this.model);
      return 'text/event-stream';
    }
    return 'application/json';
  }

  body(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream) return this.stream.push(chunk, endOfStream);
    if (chunk.length > 0) this.chunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const text = Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    if (this.status >= 300) return Buffer.from(toOpenAIError(this.status, text));
    let doc: Record<string, unknown> | undefined;
    try {
      doc = obj(JSON.parse(text));
    } catch {
      doc = undefined;
    }
    if (!doc) return Buffer.from(toOpenAIError(502, ''));
    return Buffer.from(JSON.stringify(toChatCompletion(doc, this.created, this.model)));
  }
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
      return new EmbeddingResponseTranslator(
        req.model,
        answerFormat(req.body),
        readInvokeModelEmbedding,
        toOpenAIError,
      );
    return new BedrockResponseTranslator(req.model);
  },
};
