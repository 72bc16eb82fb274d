// `tollgate crds [--out DIR]`: prints Tollgate's CRDs (generated from the zod schemas in
// controller/api) as one multi-document YAML stream, or writes DIR/<group>_<plural>.yaml.
import fs from 'node:fs';
import path from 'node:path';
import { generateCrds } from '../../controller/crdgen/generate';
import { parseFlags, stringFlag } from '../args';

export async function run(argv: string[]): Promise<number> {
  const outDir = stringFlag(parseFlags(argv, { out: { type: 'string', alias: 'o' } }), 'out');
  const crds = generateCrds();
  if (outDir === undefined) {
    process.stdout.write(crds.map((c) => c.yaml).join('---\n'));
    return 0;
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const crd of crds) {
    const file = path.join(outDir, crd.fileName);
    const unchanged = fs.existsSync(file) && fs.readFileSync(file, 'utf8') === crd.yaml;
    if (!unchanged) fs.writeFileSync(file, crd.yaml);
    process.stderr.write(`${unchanged ? 'unchanged' : 'wrote'} ${file}\n`);
  }
  return 0;
}
