// GET /usage?budget=ns/name[&subject=S][&top=N] on extproc's admin server: the usage reports of
// one budget as JSON, for `tollgate usage` and for people with curl. Pure apart from the store
// read: (service, config, query) -> { status, body }; extproc/admin.ts mounts it. The admin
// server listens on loopback by default: usage names subjects, so keep it off public networks.
import type { BudgetConfig, ProcessorConfigDocument } from '../config/schema';
import type { UsageReport } from './usage-report';

export interface UsageSource {
  usage(budget: BudgetConfig, subject?: string, limit?: number): Promise<UsageReport[]>;
}

export interface UsageResponse {
  status: number;
  /** JSON text (content-type application/json). */
  body: string;
}

const reply = (status: number, value: unknown): UsageResponse => ({
  status,
  body: `${JSON.stringify(value)}\n`,
});

export async function handleUsageRequest(
  service: UsageSource | undefined,
  config: Pick<ProcessorConfigDocument, 'budgets'> | undefined,
  query: URLSearchParams,
): Promise<UsageResponse> {
  if (!service) return reply(404, { error: 'budgets are not enabled on this extproc' });
  if (!config) return reply(503, { error: 'no configuration yet' });
  const key = query.get('budget');
  if (!key) return reply(400, { error: 'the budget query parameter (namespace/name) is required' });
  const budget = config.budgets[key];
  if (!budget) return reply(404, { error: `no AIBudget ${key} in the current configuration` });
  const topText = query.get('top') ?? '10';
  const top = Number(topText);
  if (!Number.isInteger(top) || top < 1 || top > 1000)
    return reply(400, { error: 'top must be an integer from 1 to 1000' });
  const subject = query.get('subject') ?? undefined;
  try {
    return reply(200, { budget: key, subjects: await service.usage(budget, subject, top) });
  } catch (err) {
    return reply(503, {
      error: `budget store unavailable: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
}
