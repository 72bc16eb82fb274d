// Readers of the conformance suite for Bedrock Converse and Gemini generateContent requests:
// each turns its schema's upstream request (body and path) into the suite's common view.
import { arr, o, type CommonRequest, type Json, type Turn } from './conformance-harness';

const BEDROCK_BLOCK: Record<string, string> = {
  text: 'text',
  image: 'image',
  toolUse: 'tool_use',
  toolResult: 'tool_result',
};

export function readBedrock(body: Json, path: string): CommonRequest {
  const messages = arr(body.messages).map(o);
  const image = o(
    messages
      .flatMap((m) => arr(m.content))
      .map(o)
      .find((b) => b.image)?.image,
  );
  const toolConfig = o(body.toolConfig);
  const choice = o(toolConfig.toolChoice);
  const inference = o(body.inferenceConfig);
  return {
    model: decodeURIComponent(/\/model\/([^/]+)\/converse/.exec(path)?.[1] ?? ''),
    system: arr(body.system)
      .map((b) => String(o(b).text))
      .join(''),
    turns: messages.map((m): Turn => ({
      role: String(m.role),
      kinds: arr(m.content).map((b) => BEDROCK_BLOCK[Object.keys(o(b))[0] ?? ''] ?? 'unknown'),
    })),
    tools: arr(toolConfig.tools).map((t) => {
      const spec = o(o(t).toolSpec);
      return `${String(spec.name)}${o(spec.inputSchema).json ? '' : ' (no inputSchema.json)'}`;
    }),
    toolChoice: choice.auto ? 'auto' : choice.any ? 'required' : String(o(choice.tool).name),
    maxTokens: inference.maxTokens,
    stop: inference.stopSequences,
    temperature: inference.temperature,
    image: `data:image/${String(image.format)};base64,${String(o(image.source).bytes)}`,
  };
}

const GEMINI_PART: Record<string, string> = {
  text: 'text',
  inlineData: 'image',
  functionCall: 'tool_use',
  functionResponse: 'tool_result',
};

export function readGemini(body: Json, path: string): CommonRequest {
  const contents = arr(body.contents).map(o);
  const image = o(
    contents
      .flatMap((c) => arr(c.parts))
      .map(o)
      .find((p) => p.inlineData)?.inlineData,
  );
  const calling = o(o(body.toolConfig).functionCallingConfig);
  const named = arr(calling.allowedFunctionNames);
  const modes: Record<string, string> = { AUTO: 'auto', ANY: 'required', NONE: 'none' };
  const generation = o(body.generationConfig);
  return {
    model: decodeURIComponent(/\/models\/([^/:]+):/.exec(path)?.[1] ?? ''),
    system: arr(o(body.systemInstruction).parts)
      .map((p) => String(o(p).text))
      .join(''),
    turns: contents.map((c): Turn => ({
      role: c.role === 'model' ? 'assistant' : String(c.role),
      kinds: arr(c.parts).map((p) => GEMINI_PART[Object.keys(o(p))[0] ?? ''] ?? 'unknown'),
    })),
    tools: arr(body.tools)
      .flatMap((t) => arr(o(t).functionDeclarations))
      .map((d) => String(o(d).name)),
    toolChoice: named.length === 1 ? String(named[0]) : (modes[String(calling.mode)] ?? ''),
    maxTokens: generation.maxOutputTokens,
    stop: generation.stopSequences,
    temperature: generation.temperature,
    image: `data:${String(image.mimeType)};base64,${String(image.data)}`,
  };
}
