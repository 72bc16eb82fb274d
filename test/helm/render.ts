// Renders charts/tollgate offline as `helm template` does: builds the Go renderer in
// test/helm/render (Go's text/template + sprig + Helm's functions, from Debian's packages,
// installed by ensure-go.sh when missing — never skipped), then checks the coalesced values
// against values.schema.json with ajv before rendering, as Helm refuses values that fail it.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { repoRoot } from '../golden';

export const CHART_DIR = path.join(repoRoot(), 'charts', 'tollgate');
const RENDER_SRC = path.join(repoRoot(), 'test', 'helm', 'render');
const GOPATH = '/usr/share/gocode';

let binary: string | undefined;

/**
 * Installs Go and the Debian Go sources if needed and builds the renderer once per source hash
 * (the binary is cached in the temp dir; a concurrent build by another test file is harmless:
 * each writes its own file and renames it into place).
 */
export function rendererBinary(): string {
  if (binary) return binary;
  execFileSync('bash', [path.join(repoRoot(), 'test', 'helm', 'ensure-go.sh')], { stdio: 'inherit' });
  const hash = crypto.createHash('sha256');
  for (const f of fs.readdirSync(RENDER_SRC).sort())
    hash.update(f).update(fs.readFileSync(path.join(RENDER_SRC, f)));
  const out = path.join(os.tmpdir(), `tollgate-helm-render-${hash.digest('hex').slice(0, 16)}`);
  if (!fs.existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('go', ['build', '-o', tmp, '.'], {
      cwd: RENDER_SRC,
      // GOPATH mode against /usr/share/gocode: Debian's sources, no module proxy, no network.
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH,
        GOFLAGS: '',
        GOCACHE: path.join(os.tmpdir(), 'tollgate-go-cache'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    fs.renameSync(tmp, out);
  }
  binary = out;
  return out;
}

export interface RenderOptions {
  valuesFiles?: string[];
  releaseName?: string;
  namespace?: string;
  /** Extra API versions the cluster "has" (e.g. monitoring.coreos.com/v1). */
  apiVersions?: string[];
  chartDir?: string;
  /** Check the values against the chart's values.schema.json first (default true). */
  schema?: boolean;
}

export class ValuesSchemaError extends Error {}

function args(options: RenderOptions): string[] {
  const out = ['--chart', options.chartDir ?? CHART_DIR];
  out.push(
    '--name',
    options.releaseName ?? 'tollgate',
    '--namespace',
    options.namespace ?? 'tollgate-system',
  );
  if (options.apiVersions?.length) out.push('--api-versions', options.apiVersions.join(','));
  for (const f of options.valuesFiles ?? []) out.push('-f', f);
  return out;
}

function run(argv: string[]): string {
  try {
    return execFileSync(rendererBinary(), argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`render failed: ${stderr.trim() || String(err)}`);
  }
}

const validators = new Map<string, ReturnType<Ajv['compile']>>();

/** The coalesced values checked against values.schema.json; throws ValuesSchemaError. */
export function checkValues(options: RenderOptions): Record<string, unknown> {
  const values = JSON.parse(run([...args(options), '--values-json'])) as Record<string, unknown>;
  const file = path.join(options.chartDir ?? CHART_DIR, 'values.schema.json');
  let validator = validators.get(file);
  if (!validator) {
    const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strictTypes: false }).compile(schema);
    validators.set(file, validator);
  }
  if (!validator(values)) {
    const problems = (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    throw new ValuesSchemaError(`values don't meet the specifications of the schema: ${problems.join('; ')}`);
  }
  return values;
}

/** Renders the chart: the manifest stream as text (with "# Source:" comments). */
export function renderChart(options: RenderOptions = {}): string {
  if (options.schema !== false) checkValues(options);
  return run(args(options));
}

/** Parses a YAML stream into its non-empty documents; a YAML error throws. */
export function parseManifests(text: string): Record<string, unknown>[] {
  return YAML.parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as unknown;
    return value === null || value === undefined ? [] : [value as Record<string, unknown>];
  });
}
