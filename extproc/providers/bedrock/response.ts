// Bedrock Converse responses -> OpenAI shapes
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html and
// /CommonErrors.html): output.message content blocks become text and tool_calls, stopReason the
// finish_reason, usage (inputTokens excludes cache reads and writes) the OpenAI usage with
// cached_tokens, and an error body (`{"message"}`) an OpenAI error under the same status.
import { completionId, num, obj, providerErrorBody, type Json } from '../openai-chat';

const FINISH_REASON: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReason(stopReason: unknown): string {
  return typeof stopReason === 'string' ? (FINISH_REASON[stopReason] ?? 'stop') : 'stop';
}

/** OpenAI usage from Converse's: every input token Bedrock billed is a prompt token. */
export function openAIUsage(usage: unknown): Json {
  const u = obj(usage);
  const cacheRead = num(u?.cacheReadInputTokens);
  const prompt = num(u?.inputTokens) + cacheRead + num(u?.cacheWriteInputTokens);
  const completion = num(u?.outputTokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

export function toChatCompletion(doc: Json, created: number, model: string): Json {
  let text = '';
  const toolCalls: Json[] = [];
  const content = obj(obj(doc.output)?.message)?.content;
  for (const block of Array.isArray(content) ? (content as unknown[]) : []) {
    const b = obj(block);
    if (typeof b?.text === 'string') text += b.text;
    const use = obj(b?.toolUse);
    if (use)
      toolCalls.push({
        id: use.toolUseId,
        type: 'function',
        function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
      });
  }
  const message: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: completionId(),
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(doc.stopReason) }],
    usage: openAIUsage(doc.usage),
  };
}

/** Bedrock's exception name for a status (the body carries only the message). */
const EXCEPTION_BY_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** An OpenAI error body for a Bedrock error (`{"message": "..."}`, the type in a header). */
export function toOpenAIError(status: number, body: string): string {
  let message = '';
  try {
    const doc = obj(JSON.parse(body));
    message =
      typeof doc?.message === 'string' ? doc.message : typeof doc?.Message === 'string' ? doc.Message : '';
  } catch {
    message = '';
  }
  return providerErrorBody('Bedrock', status, message, EXCEPTION_BY_STATUS[status] ?? 'upstream_error');
}
