// Turning a ProcessorConfig document (JSON text from the controller, or a JSON/YAML file for
// local runs and tests) into a validated ProcessorConfig, with an error message that says
// exactly what is wrong: it becomes the NACK reason the controller logs.
import fs from 'node:fs';
import YAML from 'yaml';
import { ProcessorConfigDocument, type ProcessorConfig } from './schema';
import { processorConfigVersion } from './version';

/** Validates a parsed document; throws an Error listing every zod issue by path. */
export function validateProcessorConfig(raw: unknown, version: string): ProcessorConfig {
  const result = ProcessorConfigDocument.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid ProcessorConfig: ${issues.join('; ')}`);
  }
  return { ...result.data, version };
}

/** Parses and validates the JSON carried in a tollgate.config.v1.ProcessorConfig resource. */
export function parseProcessorConfigJson(json: string, version: string): ProcessorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`invalid ProcessorConfig: not JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateProcessorConfig(raw, version);
}

/** Reads a ProcessorConfig document from a JSON or YAML file; the version is its content hash. */
export function loadProcessorConfigFile(path: string): ProcessorConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const config = validateProcessorConfig(raw, '');
    const { version: _unset, ...doc } = config;
    return { ...doc, version: processorConfigVersion(doc) };
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
