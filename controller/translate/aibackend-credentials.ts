// The credentials of an AIBackend, read from its Secrets into the processor config: an API key
// in the header its schema expects, Bedrock IAM keys (accessKeyId, secretAccessKey,
// sessionToken) for SigV4 or the web identity role extproc assumes, Azure Entra ID client
// credentials (a client secret, or workload identity's federated token file), a Vertex AI service-account key file (client_email, private_key,
// token_uri). Every Secret reference goes through ReferenceGrant and existence checks; a
// missing or unusable Secret leaves the backend out of every route (ResolvedRefs false), and a
// schema without what it needs (Bedrock without region, Vertex without project) is not Accepted.
import { GROUP, secretValue, type AIBackend, type BackendSchema } from '../api';
import type { BackendConfig } from '../../extproc/config/schema';
import type { Resources } from '../provider/resources';
import { referenceAllowed, type ObjectIndex } from './refs';
import { Reason } from './status';

export type Failure = { ok: false; accepted: boolean; reason: Reason; message: string };
type AzureEntra = NonNullable<NonNullable<BackendConfig['azure']>['entra']>;
/** What the Secrets and references give; `entra` goes into the backend's `azure` settings. */
export type Credentials = { ok: true; entra?: AzureEntra } & Pick<
  BackendConfig,
  'auth' | 'bedrock' | 'vertex'
>;

/** The header each schema's provider expects an API key in, when the AIBackend names none. */
const DEFAULT_AUTH_HEADER: Record<BackendSchema, string> = {
  OpenAI: 'authorization',
  AzureOpenAI: 'api-key',
  Anthropic: 'x-api-key',
  Bedrock: 'authorization',
  Gemini: 'x-goog-api-key',
  VertexAI: 'authorization',
};

type SecretIndex = ObjectIndex<Resources['secrets'][number]>;

/** The values of `keys` in a referenced Secret (optional keys may be absent). */
function readSecret(
  resources: Resources,
  secrets: SecretIndex,
  namespace: string,
  ref: { name: string; namespace?: string | undefined },
  keys: Array<{ key: string; optional?: boolean }>,
): { ok: true; values: Record<string, string | undefined> } | Failure {
  const secretNamespace = ref.namespace ?? namespace;
  const where = `Secret ${secretNamespace}/${ref.name}`;
  const from = { group: GROUP, kind: 'AIBackend', namespace };
  const to = { group: '', kind: 'Secret', namespace: secretNamespace, name: ref.name };
  if (!referenceAllowed(resources.referenceGrants, from, to))
    return {
      ok: false,
      accepted: true,
      reason: Reason.RefNotPermitted,
      message: `${where} is in another namespace and no ReferenceGrant allows it`,
    };
  const secret = secrets.get(secretNamespace, ref.name);
  if (!secret)
    return { ok: false, accepted: true, reason: Reason.SecretNotFound, message: `${where} not found` };
  const values: Record<string, string | undefined> = {};
  for (const { key, optional } of keys) {
    const value = secretValue(secret, key) || undefined;
    if (value === undefined && optional !== true)
      return {
        ok: false,
        accepted: true,
        reason: Reason.SecretNotFound,
        message: `${where} has no key ${key}`,
      };
    values[key] = value;
  }
  return { ok: true, values };
}

function invalid(message: string): Failure {
  return { ok: false, accepted: false, reason: Reason.Invalid, message };
}

export function resolveCredentials(
  backend: AIBackend,
  namespace: string,
  resources: Resources,
  secrets: SecretIndex,
): Credentials | Failure {
  const spec = backend.spec;
  const out: Credentials = { ok: true };
  if (spec.auth?.apiKey) {
    const apiKey = spec.auth.apiKey;
    const read = readSecret(resources, secrets, namespace, apiKey.secretRef, [{ key: apiKey.secretRef.key }]);
    if (!read.ok) return read;
    const header = apiKey.header ?? DEFAULT_AUTH_HEADER[spec.schema];
    const prefix = apiKey.prefix ?? (header.toLowerCase() === 'authorization' ? 'Bearer ' : '');
    out.auth = { header, value: prefix + (read.values[apiKey.secretRef.key] ?? '') };
  }
  if (spec.schema === 'Bedrock') {
    if (!spec.bedrock) return invalid('schema Bedrock needs bedrock.region');
    out.bedrock = { region: spec.bedrock.region };
    const creds = spec.bedrock.credentials;
    const ref = creds?.secretRef;
    if (!creds && !out.auth) return invalid('schema Bedrock needs bedrock.credentials or auth.apiKey');
    if (creds?.webIdentity) {
      const { roleArn, tokenFile, sessionName, stsEndpoint } = creds.webIdentity;
      out.bedrock.webIdentity = {
        roleArn,
        ...(tokenFile !== undefined ? { tokenFile } : {}),
        ...(sessionName !== undefined ? { sessionName } : {}),
        ...(stsEndpoint !== undefined ? { stsEndpoint } : {}),
      };
    }
    // fromEnvironment: extproc reads AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE of its own pod.
    if (creds?.fromEnvironment) out.bedrock.webIdentity = {};
    if (ref) {
      const read = readSecret(resources, secrets, namespace, ref, [
        { key: 'accessKeyId' },
        { key: 'secretAccessKey' },
        { key: 'sessionToken', optional: true },
      ]);
      if (!read.ok) return read;
      const { accessKeyId = '', secretAccessKey = '', sessionToken } = read.values;
      out.bedrock.credentials = sessionToken
        ? { accessKeyId, secretAccessKey, sessionToken }
        : { accessKeyId, secretAccessKey };
    }
  }
  if (spec.schema === 'AzureOpenAI' && spec.azure?.entra) {
    const entra = spec.azure.entra;
    const settings: AzureEntra = {
      tenantId: entra.tenantId,
      clientId: entra.clientId,
      authorityHost: entra.authorityHost,
      scope: entra.scope,
    };
    if (entra.clientSecretRef) {
      const secretRef = entra.clientSecretRef;
      const read = readSecret(resources, secrets, namespace, secretRef, [{ key: secretRef.key }]);
      if (!read.ok) return read;
      settings.clientSecret = read.values[secretRef.key] ?? '';
    } else {
      // Workload identity: "" means $AZURE_FEDERATED_TOKEN_FILE of the extproc pod.
      settings.federatedTokenFile = entra.workloadIdentity?.tokenFile ?? '';
    }
    out.entra = settings;
  }
  if (spec.schema === 'VertexAI') {
    if (!spec.vertex) return invalid('schema VertexAI needs vertex.project and vertex.location');
    out.vertex = { project: spec.vertex.project, location: spec.vertex.location };
    const ref = spec.vertex.serviceAccount?.secretRef;
    if (!ref && !out.auth) return invalid('schema VertexAI needs vertex.serviceAccount or auth.apiKey');
    if (ref) {
      const read = readSecret(resources, secrets, namespace, ref, [{ key: ref.key }]);
      if (!read.ok) return read;
      const account = parseServiceAccount(read.values[ref.key] ?? '');
      if (!account)
        return {
          ok: false,
          accepted: true,
          reason: Reason.InvalidSecret,
          message: `Secret ${ref.namespace ?? namespace}/${ref.name} key ${ref.key} is not a service-account JSON key (client_email, private_key)`,
        };
      out.vertex.serviceAccount = account;
    }
  }
  return out;
}

function parseServiceAccount(text: string): NonNullable<BackendConfig['vertex']>['serviceAccount'] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (typeof d.client_email !== 'string' || typeof d.private_key !== 'string') return undefined;
  return typeof d.token_uri === 'string'
    ? { clientEmail: d.client_email, privateKey: d.private_key, tokenUri: d.token_uri }
    : { clientEmail: d.client_email, privateKey: d.private_key };
}
