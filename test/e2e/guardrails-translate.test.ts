// `tollgate translate -f examples/guardrails` as a user runs it (the real CLI process): the
// policies section lists, per AIRoute rule, the guardrails that apply in the order they run
// (Gateway-attached first) with each check's type, action and scope; the processor document
// carries the same keys; webhook header values are redacted unless --show-secrets is given.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../golden';

function translate(dir: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(
    process.execPath,
    [path.join(repoRoot(), 'dist/cli/main.js'), 'translate', '-f', dir, ...args],
    {
      encoding: 'utf8',
    },
  );
  return parse(out) as Record<string, unknown>;
}

interface RoutePolicies {
  guardrails: Array<{ guardrail: string; checks: string[] }>;
}

test('translate lists the guardrails of each route, Gateway-attached first', () => {
  const doc = translate(path.join(repoRoot(), 'examples/guardrails'));
  const policies = doc.policies as Record<string, RoutePolicies>;
  assert.deepEqual(Object.keys(policies), ['default/guardrails-chat/chat']);
  assert.deepEqual(policies['default/guardrails-chat/chat']?.guardrails, [
    {
      guardrail: 'default/gateway-baseline',
      checks: [
        'pii: PII Redact (Both)',
        'secrets: PII Redact (Both)',
        'injection: PromptInjection Block (Request)',
      ],
    },
    {
      guardrail: 'default/chat-policy',
      checks: ['size: Limits Block (Both)', 'no-weapons: Topics Block (Request)'],
    },
  ]);
  const processor = doc.processor as {
    routes: Record<string, { guardrails: string[] }>;
    guardrails: Record<string, { checks: Array<{ name: string }> }>;
  };
  assert.deepEqual(processor.routes['default/guardrails-chat/chat']?.guardrails, [
    'default/gateway-baseline',
    'default/chat-policy',
  ]);
  assert.deepEqual(
    processor.guardrails['default/chat-policy']?.checks.map((c) => c.name),
    ['size', 'no-weapons'],
  );
});

test('translate redacts webhook header values unless --show-secrets', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-translate-guardrails-'));
  try {
    for (const f of fs.readdirSync(path.join(repoRoot(), 'examples/guardrails')))
      fs.copyFileSync(path.join(repoRoot(), 'examples/guardrails', f), path.join(dir, f));
    fs.appendFileSync(
      path.join(dir, 'guardrails.yaml'),
      `
---
apiVersion: tollgate.dev/v1alpha1
kind: AIGuardrail
metadata: { name: moderation, namespace: default }
spec:
  targetRefs: [{ kind: AIRoute, name: guardrails-chat }]
  checks:
    - name: classifier
      type: Webhook
      action: Block
      failMode: Open
      url: http://127.0.0.1:9/check
      headers: [{ name: authorization, value: Bearer webhook-secret-123 }]
`,
    );
    const doc = translate(dir);
    const route = (doc.policies as Record<string, RoutePolicies>)['default/guardrails-chat/chat'];
    assert.deepEqual(
      route?.guardrails.map((g) => g.guardrail),
      ['default/gateway-baseline', 'default/chat-policy', 'default/moderation'],
    );
    assert.deepEqual(route?.guardrails[2]?.checks, ['classifier: Webhook Block (Both)']);
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('webhook-secret-123'), 'the header value is redacted');
    assert.ok(text.includes('[redacted]'));
    assert.ok(JSON.stringify(translate(dir, '--show-secrets')).includes('Bearer webhook-secret-123'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
