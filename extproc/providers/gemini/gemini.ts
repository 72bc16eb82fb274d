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
import { answerFormat, embeddingResponse } from '../openai-embeddings';
import type { RequestTranslation, ResponseTranslator, Translator, UpstreamHeaders } from '../translator';
import { TranslatedResponse } from '../translated-response';
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

/** Chat answers: SSE chunk by chunk, JSON (or an error) buffered and translated at the end. */
function geminiResponse(model: string): ResponseTranslator {
  const created = Math.floor(Date.now() / 1000);
  return new TranslatedResponse({
    streamType: 'text/event-stream',
    stream: () => new GeminiStreamTranslator(created, model),
    convert: (doc) => toChatCompletion(doc, created, model),
    toError: toOpenAIError,
  });
}

function checkEndpoint(req: ParsedRequest, clientPath: string): void {
  if (req.endpoint !== 'chat' && req.endpoint !== 'embeddings')
    throw new GatewayError('invalid_request', `Gemini and Vertex AI backends do not serve ${clientPath}.`);
}

function staticAuth(backend: BackendConfig): Array<[string, string]> {
  return backend.auth ? [[backend.auth.header.toLowerCase(), backend.auth.value]] : [];
}

function responseTranslator(req: ParsedRequest): ResponseTranslator {
  return geminiResponse(req.model);
}

function embeddingTranslator(vertex: boolean) {
  return (req: ParsedRequest): ResponseTranslator =>
    req.endpoint === 'embeddings'
      ? embeddingResponse(
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
