// YAML output in one style for goldens, `tollgate translate` and generated manifests.
import YAML from 'yaml';

export function toYaml(value: unknown): string {
  return YAML.stringify(value, { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false });
}
