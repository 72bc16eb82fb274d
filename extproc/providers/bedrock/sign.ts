// SigV4 for Bedrock requests (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html)
// with @smithy/signature-v4, over the final translated body, service "bedrock", the region and
// credentials of the AIBackend (static, or temporary ones from credentials.ts). Signed headers: host, content-type, x-amz-date,
// x-amz-content-sha256 (and x-amz-security-token with temporary credentials); Envoy's own
// headers (x-request-id...) are
// added later and are not part of the signature, which SigV4 allows.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import type { AwsCredentials } from './credentials';

export const BEDROCK_SIGNING_SERVICE = 'bedrock';

export interface SignInput {
  host: string;
  /** The path as sent (already percent-encoded once; SigV4 encodes it again, as AWS expects). */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** The headers to add to the request: authorization, x-amz-date and friends (never host). */
export async function signBedrockRequest(
  backend: BackendConfig,
  input: SignInput,
  signingDate?: Date,
  credentials: AwsCredentials | undefined = backend.bedrock?.credentials,
): Promise<Array<[string, string]>> {
  const bedrock = backend.bedrock;
  if (!bedrock || !credentials)
    throw new GatewayError('internal_error', `Bedrock backend ${backend.key} has no region or credentials.`);
  const signer = new SignatureV4({
    service: BEDROCK_SIGNING_SERVICE,
    region: bedrock.region,
    credentials,
    sha256: Sha256,
  });
  const q = input.path.indexOf('?');
  const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : input.path.slice(q + 1)));
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: input.host,
      path: q === -1 ? input.path : input.path.slice(0, q),
      query,
      headers: { ...input.headers, host: input.host },
      body: input.body,
    },
    signingDate ? { signingDate } : {},
  );
  return Object.entries(signed.headers)
    .filter(([name]) => name.toLowerCase() !== 'host')
    .map(([name, value]) => [name.toLowerCase(), value]);
}
