// `tollgate usage --budget ns/name [--subject S] [--top N] [-o table|json]`: what a budget has used,
// reserved and left, per subject and limit. Two sources:
//   --admin URL (default http://127.0.0.1:9102): asks a running extproc (GET /usage), which knows
//     the budget from its current configuration;
//   --redis-url URL -f DIR: reads the counters in Redis directly, taking the budget definition
//     from a folder of manifests (the same folder `tollgate run` / `translate` reads).
// Without --subject it lists the most recently active subjects, fullest first.
import { parseFlags, requireFlag, stringFlag } from '../args';
import { loadResources } from '../../controller/provider/files';
import { translate } from '../../controller/translate';
import { createLogger } from '../../lib/log';
import { Registry } from 'prom-client';
import { createBudgetService } from '../../extproc/budgets/service';
import type { UsageReport } from '../../extproc/budgets/usage-report';
import { describeWindow } from '../../extproc/budgets/windows';
import { extprocTarget } from './translate';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    budget: { type: 'string' },
    subject: { type: 'string' },
    top: { type: 'string', default: '10' },
    admin: { type: 'string', default: 'http://127.0.0.1:9102' },
    'redis-url': { type: 'string' },
    file: { type: 'string', alias: 'f' },
    output: { type: 'string', alias: 'o', default: 'table' },
  });
  const budget = requireFlag(flags, 'budget');
  const subject = stringFlag(flags, 'subject');
  const top = Number(stringFlag(flags, 'top'));
  if (!Number.isInteger(top) || top < 1) throw new Error('--top must be a positive integer');
  const redisUrl = stringFlag(flags, 'redis-url');
  const reports = redisUrl
    ? await fromRedis(redisUrl, requireFlag(flags, 'file'), budget, subject, top)
    : await fromAdmin(stringFlag(flags, 'admin') ?? '', budget, subject, top);
  if (stringFlag(flags, 'output') === 'json')
    process.stdout.write(`${JSON.stringify({ budget, subjects: reports }, null, 2)}\n`);
  else process.stdout.write(table(reports));
  return 0;
}

async function fromAdmin(admin: string, budget: string, subject: string | undefined, top: number) {
  const url = new URL('/usage', admin);
  url.searchParams.set('budget', budget);
  url.searchParams.set('top', String(top));
  if (subject !== undefined) url.searchParams.set('subject', subject);
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `cannot reach extproc's admin server at ${url.origin} (${why}); see --admin, or use --redis-url with -f`,
    );
  });
  const body = (await res.json()) as { error?: string; subjects?: UsageReport[] };
  if (!res.ok) throw new Error(`${url.origin}: ${res.status} ${body.error ?? ''}`);
  return body.subjects ?? [];
}

async function fromRedis(
  redisUrl: string,
  dir: string,
  key: string,
  subject: string | undefined,
  top: number,
) {
  const { resources, errors } = loadResources(dir);
  for (const e of errors) process.stderr.write(`warning: ${e}\n`);
  const { ir } = translate(resources, { extproc: extprocTarget(), now: new Date(0).toISOString() });
  const budget = ir.processor.budgets[key];
  if (!budget) throw new Error(`no AIBudget ${key} in ${dir}`);
  const service = createBudgetService({
    redisUrl,
    logger: createLogger('usage', 'warn'),
    registry: new Registry(),
    commandTimeoutMs: 5000,
  });
  try {
    return await service.usage(budget, subject, top);
  } finally {
    await service.close();
  }
}

function table(reports: UsageReport[]): string {
  const rows = [['SUBJECT', 'METRIC', 'WINDOW', 'USED', 'RESERVED', 'LIMIT', 'REMAINING', 'RESETS AT']];
  for (const r of reports) {
    for (const l of r.limits) {
      const n = (v: number) => (l.metric === 'Cost' ? `$${v.toFixed(4)}` : String(v));
      rows.push([
        r.subject,
        l.metric,
        describeWindow(l.window),
        n(l.used),
        n(l.reserved),
        n(l.limit),
        n(l.remaining),
        l.resetsAt,
      ]);
    }
  }
  if (rows.length === 1) return 'no usage recorded\n';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return (
    rows
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
