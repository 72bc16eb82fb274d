// Golden fixtures for the Anthropic client edge. The Anthropic side is written from Anthropic's
// API reference: the Messages request and response ("Create a Message",
// https://docs.anthropic.com/en/api/messages; content blocks text/image/tool_use/tool_result,
// tools with input_schema, tool_choice) and the tool-use walkthrough
// (https://docs.anthropic.com/en/docs/build-with-claude/tool-use); the stream event sequence
// from "Streaming Messages" (https://docs.anthropic.com/en/api/messages-streaming). The OpenAI
// side is what the chat.completions API (https://platform.openai.com/docs/api-reference/chat)
// sends and receives for the same conversation.

/** A multi-turn tool conversation as an Anthropic client sends it. */
export const TOOL_REQUEST = {
  model: 'claude-sonnet-4-20250514',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You are a weather bot.', cache_control: { type: 'ephemeral' } }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is the weather like in San Francisco?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: '<thinking>I need to use get_weather.</thinking>' },
        {
          type: 'tool_use',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          input: { location: 'San Francisco, CA', unit: 'celsius' },
        },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
        { type: 'text', text: 'And tomorrow?' },
      ],
    },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Get the current weather in a given location',
      input_schema: {
        type: 'object',
        properties: {
          location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
        },
        required: ['location'],
      },
    },
  ],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  stop_sequences: ['\n\nHuman:'],
  temperature: 0.5,
  top_p: 0.9,
  metadata: { user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' },
  stream: true,
};

/** The chat.completions body the router level sends on for TOOL_REQUEST. */
export const TOOL_REQUEST_AS_OPENAI = {
  model: 'claude-sonnet-4-20250514',
  messages: [
    { role: 'system', content: 'You are a weather bot.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is the weather like in San Francisco?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
    },
    {
      role: 'assistant',
      content: '<thinking>I need to use get_weather.</thinking>',
      tool_calls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
    { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
  ],
  max_tokens: 1024,
  stop: ['\n\nHuman:'],
  temperature: 0.5,
  top_p: 0.9,
  stream: true,
  user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: {
          type: 'object',
          properties: {
            location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
          },
          required: ['location'],
        },
        description: 'Get the current weather in a given location',
      },
    },
  ],
  tool_choice: 'required',
  parallel_tool_calls: false,
};

/** An OpenAI chat.completion with text and a tool call, cached prompt tokens included. */
export const OPENAI_TOOL_COMPLETION = {
  id: 'chatcmpl-abc123',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          {
            id: 'call_abc',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
          },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 2095,
    completion_tokens: 503,
    total_tokens: 2598,
    prompt_tokens_details: { cached_tokens: 95 },
  },
};

/** The Anthropic message (as in the reference's "Response" example) for OPENAI_TOOL_COMPLETION. */
export const OPENAI_TOOL_COMPLETION_AS_ANTHROPIC = {
  id: 'msg_abc123',
  type: 'message',
  role: 'assistant',
  model: 'gpt-4o-2024-08-06',
  content: [
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { location: 'San Francisco, CA' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 2000,
    output_tokens: 503,
    cache_read_input_tokens: 95,
    cache_creation_input_tokens: null,
  },
};

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const doc = {
    id: 'chatcmpl-s1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(doc)}\n\n`;
}

/** An OpenAI stream: text, then one tool call whose arguments arrive in four fragments, usage. */
export const OPENAI_TOOL_STREAM =
  chunk({ role: 'assistant', content: '' }) +
  chunk({ content: 'Okay' }) +
  chunk({ content: ', checking.' }) +
  chunk({
    tool_calls: [
      { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ],
  }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"loc' } }] }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ation": "San' } }] }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: ' Francisco, CA"' } }] }) +
  chunk({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }) +
  chunk({}, 'tool_calls') +
  `data: ${JSON.stringify({ id: 'chatcmpl-s1', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 } })}\n\n` +
  'data: [DONE]\n\n';

/** The Anthropic events for OPENAI_TOOL_STREAM, in the order "Streaming Messages" documents. */
export const OPENAI_TOOL_STREAM_AS_ANTHROPIC: Array<Record<string, unknown>> = [
  {
    type: 'message_start',
    message: {
      id: 'msg_s1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Okay' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ', checking.' } },
  { type: 'content_block_stop', index: 0 },
  {
    type: 'content_block_start',
    index: 1,
    content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
  },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"loc' } },
  {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: 'ation": "San' },
  },
  {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: ' Francisco, CA"' },
  },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '}' } },
  { type: 'content_block_stop', index: 1 },
  {
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: {
      input_tokens: 472,
      output_tokens: 89,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: null,
    },
  },
  { type: 'message_stop' },
];
