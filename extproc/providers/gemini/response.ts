// Gemini generateContent responses -> OpenAI shapes (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
// and https://ai.google.dev/gemini-api/docs/troubleshooting for errors): the first candidate's
// parts become text and tool_calls (Gemini sends each functionCall whole; ids are ours when it
// gives none), finishReason the finish_reason (tool_calls when the turn holds calls),
// usageMetadata the usage (promptTokenCount already includes cached tokens; thinking tokens
// count as completion and reasoning tokens), and `{"error":{code,message,status}}` an OpenAI
// error under the same status.
import { completionId, num, obj, providerErrorBody, type Json } from '../openai-chat';

const FINISH_REASON: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

export function finishReason(reason: unknown, hasCalls: boolean): string {
  const mapped = typeof reason === 'string' ? (FINISH_REASON[reason] ?? 'stop') : 'stop';
  return hasCalls && mapped === 'stop' ? 'tool_calls' : mapped;
}

export function openAIUsage(metadata: unknown): Json {
  const u = obj(metadata);
  const prompt = num(u?.promptTokenCount);
  const thoughts = num(u?.thoughtsTokenCount);
  const completion = num(u?.candidatesTokenCount) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: num(u?.cachedContentTokenCount) },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

/** A function call part as an OpenAI tool call (arguments as one JSON string). */
export function toolCall(part: Json, fallbackId: string): Json | undefined {
  const call = obj(part.functionCall);
  if (!call || typeof call.name !== 'string') return undefined;
  return {
    id: typeof call.id === 'string' && call.id !== '' ? call.id : fallbackId,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  };
}

/** The first candidate's parts (OpenAI's n is 1 for Gemini backends). */
export function candidateParts(doc: Json): { parts: Json[]; finish: unknown } {
  const candidate = obj(Array.isArray(doc.candidates) ? (doc.candidates as unknown[])[0] : undefined);
  const parts = obj(candidate?.content)?.parts;
  return {
    parts: Array.isArray(parts) ? (parts as unknown[]).map((p) => obj(p) ?? {}) : [],
    finish: candidate?.finishReason,
  };
}

export function toChatCompletion(doc: Json, created: number, model: string): Json {
  const responseId = typeof doc.responseId === 'string' ? doc.responseId : undefined;
  const id = responseId === undefined ? completionId() : `chatcmpl-${responseId}`;
  const { parts, finish } = candidateParts(doc);
  let text = '';
  const toolCalls: Json[] = [];
  for (const part of parts) {
    // Thought summaries (thought: true) are not part of the answer.
    if (typeof part.text === 'string' && part.thought !== true) text += part.text;
    const call = toolCall(part, `call_${id.slice(9)}_${toolCalls.length}`);
    if (call) toolCalls.push(call);
  }
  const message: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id,
    object: 'chat.completion',
    created,
    model: typeof doc.modelVersion === 'string' ? doc.modelVersion : model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: finishReason(finish, toolCalls.length > 0) },
    ],
    usage: openAIUsage(doc.usageMetadata),
  };
}

/** Google's error body (`{"error":{"code","message","status"}}`; a list of them on some paths). */
export function readError(body: unknown): { message: string; status: string } {
  const first = Array.isArray(body) ? (body as unknown[])[0] : body;
  const error = obj(obj(first)?.error);
  return {
    message: typeof error?.message === 'string' ? error.message : '',
    status: typeof error?.status === 'string' ? error.status : 'upstream_error',
  };
}

export function toOpenAIError(status: number, body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const { message, status: code } = readError(parsed);
  return providerErrorBody('Gemini', status, message, code);
}
