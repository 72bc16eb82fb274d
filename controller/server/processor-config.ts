// extproc's configuration as an xDS resource: the document (extproc/config/schema.ts) travels
// as JSON inside tollgate.config.v1.ProcessorConfig, named PROCESSOR_CONFIG_NAME, versioned by
// a hash of its canonical JSON so an unchanged document is never re-pushed.
import type { ProtoObject } from '../../lib/protos';
import { PROCESSOR_CONFIG_NAME, type ProcessorConfigDocument } from '../../extproc/config/schema';
import { canonicalJson, contentVersion } from '../../extproc/config/version';

export function processorConfigResource(doc: ProcessorConfigDocument): {
  name: string;
  resource: ProtoObject;
} {
  const json = canonicalJson(doc);
  return { name: PROCESSOR_CONFIG_NAME, resource: { version: contentVersion(json), json } };
}
