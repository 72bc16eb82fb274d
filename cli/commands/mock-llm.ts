// `tollgate mock-llm [--port 9001] [--host 127.0.0.1] [--name mock-a]`: a fake OpenAI-compatible
// upstream for demos and benchmarks (test/fakes/mock-llm.ts), driven by x-mock-* request headers.
import { parseFlags, stringFlag } from '../args';
import { startMockLlm } from '../../test/fakes/mock-llm';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    port: { type: 'string', alias: 'p', default: '9001' },
    host: { type: 'string', default: '127.0.0.1' },
    name: { type: 'string', default: 'mock' },
    models: { type: 'string' },
  });
  const port = Number(stringFlag(flags, 'port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const models = stringFlag(flags, 'models')
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const mock = await startMockLlm({
    port,
    host: stringFlag(flags, 'host'),
    name: stringFlag(flags, 'name'),
    ...(models ? { models } : {}),
  });
  process.stdout.write(`mock LLM ${mock.name} listening on ${mock.url} (OpenAI base URL ${mock.url}/v1)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await mock.close();
  return 0;
}
