// `tollgate translate -f DIR`: runs the controller's pipeline once over a folder of manifests
// and prints the statuses, which policies apply to each AIRoute rule, the extproc document and
// the xDS per Gateway as YAML: the debugging tool a platform engineer reaches for. Secrets
// (upstream API keys, webhook headers, inline JWKS, TLS private keys) are redacted unless
// --show-secrets is given.
import { parseFlags, parseAddress, requireFlag, stringFlag } from '../args';
import { loadResources } from '../../controller/provider/files';
import { translate } from '../../controller/translate';
import { policySummary } from '../../controller/translate/policy-summary';
import { toXds } from '../../controller/xds';
import { toYaml } from '../../lib/yaml';
import type { ExtprocTarget } from '../../controller/ir/types';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    file: { type: 'string', alias: 'f' },
    extproc: { type: 'string', default: 'tcp:127.0.0.1:50051' },
    'show-secrets': { type: 'boolean' },
    output: { type: 'string', alias: 'o', default: 'all' },
  });
  const { resources, errors } = loadResources(requireFlag(flags, 'file'));
  for (const e of errors) process.stderr.write(`warning: ${e}\n`);
  const { ir, statuses } = translate(resources, {
    extproc: extprocTarget(stringFlag(flags, 'extproc')),
    now: new Date(0).toISOString(),
  });
  const processor = structuredClone(ir.processor);
  const xds = Object.fromEntries([...toXds(ir)].map(([key, r]) => [key, r]));
  if (flags['show-secrets'] !== true) {
    for (const b of Object.values(processor.backends)) if (b.auth) b.auth.value = '[redacted]';
    for (const g of Object.values(processor.guardrails))
      for (const c of g.checks) if (c.type === 'Webhook') for (const h of c.headers) h.value = '[redacted]';
    redactPrivateKeys(xds);
  }
  const sections: Record<string, unknown> = {
    statuses,
    policies: policySummary(ir.processor),
    processor,
    xds,
  };
  const which = stringFlag(flags, 'output') ?? 'all';
  const out = which === 'all' ? sections : { [which]: sections[which] };
  process.stdout.write(toYaml(out));
  return 0;
}

export function extprocTarget(value = 'tcp:127.0.0.1:50051', messageTimeoutMs = 1000): ExtprocTarget {
  const a = parseAddress(value);
  return a.kind === 'uds' ? { ...a, messageTimeoutMs } : { ...a, messageTimeoutMs };
}

function redactPrivateKeys(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) redactPrivateKeys(v);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // TLS private keys; inline JWKS (may hold symmetric "oct" keys)
      if ((k === 'private_key' || k === 'local_jwks') && v && typeof v === 'object')
        (value as Record<string, unknown>)[k] = { inline_string: '[redacted]' };
      else redactPrivateKeys(v);
    }
  }
}
