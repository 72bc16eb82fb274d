// STS AssumeRoleWithWebIdentity (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html):
// an unsigned form POST (the web identity token is the proof) and its XML answer, read by a small
// strict reader: exactly one Credentials element with exactly one AccessKeyId, SecretAccessKey,
// SessionToken and Expiration each, entities decoded, anything else refused. An error answer
// yields only STS's error code (e.g. InvalidIdentityToken): its message text is not passed on.
// No AWS SDK is installed and none is needed for one call.

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface AssumeRoleInput {
  stsEndpoint: string;
  roleArn: string;
  sessionName: string;
  webIdentityToken: string;
  timeoutMs: number;
}

/** Why an STS call failed, without any secret: safe for logs and client errors. */
export class StsError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new StsError(`STS answered an unknown XML entity ${whole}`);
    return value;
  });
}

/** The text of the only <tag>...</tag> in xml (no attributes, no nesting); throws otherwise. */
function only(xml: string, tag: string): string {
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  const found = [...xml.matchAll(re)];
  if (found.length !== 1) throw new StsError(`STS answer has ${found.length} ${tag} elements, expected 1`);
  return decode(found[0]?.[1] ?? '').trim();
}

/** The Credentials of an AssumeRoleWithWebIdentityResponse document. */
export function parseAssumeRoleResponse(xml: string): TemporaryCredentials {
  if (!/<AssumeRoleWithWebIdentityResponse[\s>]/.test(xml))
    throw new StsError('STS answer is not an AssumeRoleWithWebIdentityResponse');
  const open = xml.indexOf('<Credentials>');
  const close = xml.indexOf('</Credentials>');
  if (open === -1 || close < open || xml.indexOf('<Credentials>', open + 1) !== -1)
    throw new StsError('STS answer has no single Credentials element');
  const block = xml.slice(open, close);
  const accessKeyId = only(block, 'AccessKeyId');
  const secretAccessKey = only(block, 'SecretAccessKey');
  const sessionToken = only(block, 'SessionToken');
  const expiration = only(block, 'Expiration');
  const expiresAt = Date.parse(expiration);
  if (!accessKeyId || !secretAccessKey || !sessionToken || !Number.isFinite(expiresAt))
    throw new StsError('STS answer has empty credentials or an unreadable Expiration');
  return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
}

/** STS's error code from an ErrorResponse body, when it is a plain identifier. */
function errorCode(xml: string): string | undefined {
  const m = /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(xml);
  return m?.[1];
}

export async function assumeRoleWithWebIdentity(input: AssumeRoleInput): Promise<TemporaryCredentials> {
  const form = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: input.roleArn,
    RoleSessionName: input.sessionName,
    WebIdentityToken: input.webIdentityToken,
  });
  let res: Response;
  try {
    res = await fetch(input.stsEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        accept: 'application/xml',
      },
      body: form.toString(),
      signal: AbortSignal.timeout(input.timeoutMs),
    });
  } catch {
    throw new StsError(`STS endpoint ${input.stsEndpoint} is unreachable`);
  }
  const text = await res.text().catch(() => '');
  if (res.status !== 200) {
    const code = errorCode(text);
    throw new StsError(`STS answered HTTP ${res.status}${code ? ` ${code}` : ''}`);
  }
  return parseAssumeRoleResponse(text);
}
