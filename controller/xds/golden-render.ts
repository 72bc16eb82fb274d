// How a golden input becomes its output: toXds() on the IR (first YAML document), printed as
// resources per type per Gateway; an IR that breaks an invariant prints the problems instead.
// Shared by the golden test and the fidelity test so both read the same cases.
import path from 'node:path';
import fs from 'node:fs';
import YAML from 'yaml';
import type { IR } from '../ir/types';
import { toXds, XdsInvariantError, type XdsResources } from './index';

export type GoldenOutput = Record<string, Record<keyof XdsResources, unknown[]>> | { error: string[] };

export function renderGolden(docs: unknown[]): GoldenOutput {
  try {
    const out: Record<string, Record<keyof XdsResources, unknown[]>> = {};
    for (const [key, res] of toXds(docs[0] as IR)) {
      out[key] = {
        listeners: res.listeners.map((r) => r.resource),
        routes: res.routes.map((r) => r.resource),
        clusters: res.clusters.map((r) => r.resource),
        endpoints: res.endpoints.map((r) => r.resource),
        secrets: res.secrets.map((r) => r.resource),
      };
    }
    return out;
  } catch (err) {
    if (err instanceof XdsInvariantError) return { error: err.problems };
    throw err;
  }
}

/** The IR of every golden input in `dir` (a source testdata folder), by case name. */
export function goldenInputs(dir: string): Map<string, IR> {
  const out = new Map<string, IR>();
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.in.yaml')) continue;
    out.set(file.replace(/\.in\.yaml$/, ''), YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as IR);
  }
  return out;
}
