// Google Gemini backends, two ways in, one body: the Gemini API
// ({prefix}/models/{model}:generateContent, x-goog-api-key) and Vertex AI
// ({prefix}/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent, a Bearer
// token from a service account, fetched and cached in token.ts, or a static one from `auth`).
// Streams use :streamGenerateContent?alt=sse. OpenAI chat requests are translated (request.ts),
// responses come back as chat completions, chunks (stream.ts) or errors (response.ts).
// Embeddings (embeddings.ts) go to :batchEmbedContents (Gemini API) or :predict (Vertex AI);
// other endpoints are refused with a 400.
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import type { ParsedRequest } from '../../request';
import { obj } from '../openai-chat';
import { answerFormat, EmbeddingResponseTranslator } from '../openai-embeddings';
import type { RequestTranslation, ResponseTranslator, Translator, UpstreamHeaders } from '../translator';
import type { UnsupportedParameters } from '../unsupported';
import { readBatchEmbed, readVertexEmbed, toBatchEmbedRequest, toVertexEmbedRequest } from './embeddings';
import { toGeminiRequest } from './request';
import { toChatCompletion, toOpenAIError } from './response';
import { GeminiStreamTranslator } from './stream';
import { tokenSourceFor } from './token';

function method(stream: boolean): string {
  return stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
}

export function geminiPath(backend: BackendConfig, model: string, stream: boolean | string): string {
  const prefix = backend.pathPrefix.replace(/\/+$/, '');
  const action = typeof stream === 'string' ? stream : method(stream);
  return `${prefix}/models/${encodeURIComponent(model)}:${action}`;
}

/** `stream` picks the chat method; a string is the method itself (`predict`). */
export function vertexPath(backend: BackendConfig, model: string, stream: boolean | string): string {
  const prefix = backend.pathPrefix.replace(/\/+$/, '');
  const vertex = backend.vertex;
  if (!vertex) throw new GatewayError('internal_error', `Vertex AI backend ${backend.key} has no project.`);
  const where = `projects/${encodeURIComponent(vertex.project)}/locations/${encodeURIComponent(vertex.location)}`;
  const action = typeof stream === 'string' ? stream : method(stream);
  return `${prefix}/${where}/publishers/google/models/${encodeURIComponent(model)}:${action}`;
}

/** Buffers a JSON body (success or error) and answers it translated at end of stream. */
class GeminiResponseTranslator implements ResponseTranslator {
  private status = 200;
  private stream: GeminiStreamTranslator | undefined;
  private chunks: Buffer[] = [];
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly model: string) {}

  headers(status: number, contentType: string): string {
    this.status = status;
    if (status < 300 && contentType.startsWith('text/event-stream')) {
      this.stream = new GeminiStreamTranslator(this.created, this.model);
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

function checkEndpoint(req: ParsedRequest, clientPath: string): void {
  if (req.endpoint !== 'chat' && req.endpoint !== 'embeddings')
    throw new GatewayError('invalid_request', `Gemini and Vertex AI backends do not serve ${clientPath}.`);
}

function staticAuth(backend: BackendConfig): Array<[string, string]> {
  return backend.auth ? [[backend.auth.header.toLowerCase(), backend.auth.value]] : [];
}

function responseTranslator(req: ParsedRequest): ResponseTranslator {
  return new GeminiResponseTranslator(req.model);
}

function embeddingTranslator(vertex: boolean) {
  return (req: ParsedRequest): ResponseTranslator =>
    req.endpoint === 'embeddings'
      ? new EmbeddingResponseTranslator(
          req.model,
          answerFormat(req.body),
          vertex ? readVertexEmbed : readBatchEmbed,
          toOpenAIError,
        )
      : responseTranslator(req);
}

export const geminiTranslator: Translator = {
  requestHeaders(_clientPath: string, backend: BackendConfig): UpstreamHeaders {
    // The model (and so the path) is only known with the body.
    return { path: geminiPath(backend, '', false), headers: staticAuth(backend) };
  },

  requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    backend: BackendConfig,
    unsupported?: UnsupportedParameters,
  ): RequestTranslation {
    checkEndpoint(req, clientPath);
    if (req.endpoint === 'embeddings')
      return {
        body: Buffer.from(JSON.stringify(toBatchEmbedRequest(req.body, model, unsupported))),
        path: geminiPath(backend, model, 'batchEmbedContents'),
      };
    const body = Buffer.from(JSON.stringify(toGeminiRequest(req.body, unsupported)));
    return { body, path: geminiPath(backend, model, req.stream) };
  },

  responseTranslator: embeddingTranslator(false),
};

export const vertexTranslator: Translator = {
  requestHeaders(_clientPath: string, backend: BackendConfig): UpstreamHeaders {
    return { path: vertexPath(backend, '', false), headers: staticAuth(backend) };
  },

  requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    backend: BackendConfig,
    unsupported?: UnsupportedParameters,
  ): RequestTranslation | Promise<RequestTranslation> {
    checkEndpoint(req, clientPath);
    const embeddings = req.endpoint === 'embeddings';
    const translated = {
      body: Buffer.from(
        JSON.stringify(
          embeddings ? toVertexEmbedRequest(req.body, unsupported) : toGeminiRequest(req.body, unsupported),
        ),
      ),
      path: vertexPath(backend, model, embeddings ? 'predict' : req.stream),
    };
    const account = backend.vertex?.serviceAccount;
    if (!account) return translated;
    return tokenSourceFor(account)
      .token()
      .then((token): RequestTranslation => ({
        ...translated,
        headers: [['authorization', `Bearer ${token}`]],
      }));
  },

  responseTranslator: embeddingTranslator(true),
};
