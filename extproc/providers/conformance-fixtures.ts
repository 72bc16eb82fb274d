// Provider payloads for the translator conformance suite, written from each provider's API
// reference: OpenAI's (https://platform.openai.com/docs/api-reference/chat, used as is by OpenAI
// and Azure OpenAI backends) and Anthropic's Messages API
// (https://docs.anthropic.com/en/api/messages, /messages-streaming and /errors). Every provider
// answers the same conversation: "Hello!" for text, a get_weather({"city":"Paris"}) tool call for
// tools, with 25 input tokens (10 of them cached), 12 output tokens.

export interface ProviderFixtures {
  /** A non-streamed text answer. */
  json: unknown;
  /** A streamed answer: text "Hi", then a tool call whose arguments come in pieces (binary for event-stream backends). */
  sse: string | Buffer;
  /** A rate-limit error body (status 429) and an overload one (5xx status given). */
  rateLimited: unknown;
  overloaded: { status: number; body: unknown };
}

const openAIChunk = (delta: unknown, finish: string | null = null): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;

export const OPENAI: ProviderFixtures = {
  json: {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello!', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 25,
      completion_tokens: 12,
      total_tokens: 37,
      prompt_tokens_details: { cached_tokens: 10, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    },
    service_tier: 'default',
  },
  sse:
    openAIChunk({ role: 'assistant', content: '', refusal: null }) +
    openAIChunk({ content: 'Hi' }) +
    openAIChunk({
      tool_calls: [
        {
          index: 0,
          id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
      ],
    }) +
    openAIChunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }) +
    openAIChunk({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Par' } }] }) +
    openAIChunk({ tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] }) +
    openAIChunk({}, 'tool_calls') +
    `data: ${JSON.stringify({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'chat.completion.chunk',
      created: 1741569952,
      model: 'gpt-4o-2024-08-06',
      choices: [],
      usage: {
        prompt_tokens: 25,
        completion_tokens: 12,
        total_tokens: 37,
        prompt_tokens_details: { cached_tokens: 10 },
      },
    })}\n\n` +
    'data: [DONE]\n\n',
  rateLimited: {
    error: {
      message: 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM).',
      type: 'tokens',
      param: null,
      code: 'rate_limit_exceeded',
    },
  },
  overloaded: {
    status: 503,
    body: { error: { message: 'The server is overloaded.', type: 'server_error', param: null, code: null } },
  },
};

const anthropicEvent = (type: string, data: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

export const ANTHROPIC: ProviderFixtures = {
  json: {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-20250514',
    content: [{ type: 'text', text: 'Hello!' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 10,
      output_tokens: 12,
    },
  },
  sse:
    anthropicEvent('message_start', {
      message: {
        id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-20250514',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 5,
          cache_read_input_tokens: 10,
          output_tokens: 1,
        },
      },
    }) +
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
    'event: ping\ndata: {"type": "ping"}\n\n' +
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }) +
    anthropicEvent('content_block_stop', { index: 0 }) +
    anthropicEvent('content_block_start', {
      index: 1,
      content_block: {
        type: 'tool_use',
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        input: {},
      },
    }) +
    anthropicEvent('content_block_delta', {
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '' },
    }) +
    anthropicEvent('content_block_delta', {
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"ci' },
    }) +
    anthropicEvent('content_block_delta', {
      index: 1,
      delta: { type: 'input_json_delta', partial_json: 'ty": "Par' },
    }) +
    anthropicEvent('content_block_delta', {
      index: 1,
      delta: { type: 'input_json_delta', partial_json: 'is"}' },
    }) +
    anthropicEvent('content_block_stop', { index: 1 }) +
    anthropicEvent('message_delta', {
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 12 },
    }) +
    anthropicEvent('message_stop', {}),
  rateLimited: {
    type: 'error',
    error: {
      type: 'rate_limit_error',
      message: 'Number of request tokens has exceeded your per-minute rate limit.',
    },
  },
  overloaded: {
    status: 529,
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  },
};
