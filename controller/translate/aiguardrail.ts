// AIGuardrails -> GuardrailConfig for extproc: each flat check becomes the GuardrailCheck of its
// type (only that type's fields; the processor schema supplies defaults), and webhook headers
// take their values from Secrets in the guardrail's namespace. A missing Secret does not drop
// the guardrail (that would fail open): the header is left out, ResolvedRefs=False says why, and
// the webhook's own refusal then meets the check's failMode.
import { secretValue, type AIGuardrail, type GuardrailCheckSpec } from '../api';
import { GuardrailCheck, type GuardrailConfig } from '../../extproc/config/schema';
import type { Resources } from '../provider/resources';
import type { AttachedPolicy, PolicyResult } from './aibudget';
import type { Problem } from './conditions';
import { ObjectIndex, namespaceOf } from './refs';
import { policyStatus, resolveTargets, type TargetWorld } from './policy-targets';
import { Reason } from './status';

export function translateGuardrails(
  guardrails: readonly AIGuardrail[],
  resources: Resources,
  world: TargetWorld,
  now: string,
): PolicyResult<GuardrailConfig> {
  const out: PolicyResult<GuardrailConfig> = { configs: {}, attached: [], statuses: [] };
  const secrets = new ObjectIndex(resources.secrets);
  for (const guardrail of guardrails) {
    const namespace = namespaceOf(guardrail);
    const key = `${namespace}/${guardrail.metadata.name}`;
    const resolution = resolveTargets(namespace, guardrail.spec.targetRefs, world);
    const problems: Problem[] = [];
    const checks = guardrail.spec.checks.map((c) => checkConfig(c, namespace, secrets, problems));
    out.statuses.push(policyStatus(guardrail, resolution, [], problems, now));
    if (resolution.targets.length === 0) continue;
    out.configs[key] = { key, checks };
    const attached: AttachedPolicy = { key, targets: resolution.targets };
    out.attached.push(attached);
  }
  return out;
}

function checkConfig(
  check: GuardrailCheckSpec,
  namespace: string,
  secrets: ObjectIndex<Resources['secrets'][number]>,
  problems: Problem[],
): GuardrailCheck {
  const { name, type, scope, action, failMode } = check;
  const base = { name, scope, action, failMode };
  const pick = <K extends keyof GuardrailCheckSpec>(...keys: K[]) =>
    Object.fromEntries(keys.filter((k) => check[k] !== undefined).map((k) => [k, check[k]]));
  switch (type) {
    case 'PII':
      return GuardrailCheck.parse({ ...base, type, ...pick('detectors', 'patterns', 'restore') });
    case 'PromptInjection':
      return GuardrailCheck.parse({ ...base, type, ...pick('threshold') });
    case 'Topics':
      return GuardrailCheck.parse({ ...base, type, ...pick('deny', 'allow') });
    case 'Limits':
      return GuardrailCheck.parse({
        ...base,
        type,
        ...pick('maxPromptTokens', 'maxMessages', 'maxRequestBytes', 'allowedModels'),
      });
    case 'Webhook': {
      const headers: { name: string; value: string }[] = [];
      for (const h of check.headers ?? []) {
        if (h.value !== undefined) {
          headers.push({ name: h.name, value: h.value });
          continue;
        }
        const ref = h.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = secrets.get(namespace, ref.name);
        const value = secret && secretValue(secret, ref.key);
        if (value === undefined)
          problems.push({
            reason: Reason.SecretNotFound,
            message: `check ${name}: Secret ${namespace}/${ref.name} ${secret ? `has no key ${ref.key}` : 'not found'}; header ${h.name} is not sent`,
          });
        else headers.push({ name: h.name, value });
      }
      return GuardrailCheck.parse({ ...base, type, ...pick('url', 'timeoutMs'), headers });
    }
  }
}
