// Whether the downstream peer (source.address) is a trusted hop, for the trustedHeaders identity
// source. CIDRs are compiled once per policy object into a node:net BlockList, which matches
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) against IPv4 ranges and the reverse. An entry
// that is not a valid CIDR (or bare address) is skipped: it trusts nothing, which fails closed.
import { BlockList, isIP } from 'node:net';
import type { ClientPolicyConfig } from '../config/schema';

const lists = new WeakMap<ClientPolicyConfig, BlockList>();

export function trustedSources(policy: ClientPolicyConfig): BlockList {
  let list = lists.get(policy);
  if (!list) {
    list = new BlockList();
    for (const cidr of policy.trustedHeaders?.sourceCIDRs ?? []) addCidr(list, cidr.trim());
    lists.set(policy, list);
  }
  return list;
}

function addCidr(list: BlockList, cidr: string): void {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return;
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return;
  const prefix = Number(prefixText);
  if (prefix > max) return;
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/** The IP of "ip:port", "[v6]:port", a bare IPv4/IPv6 address; undefined if it is none of these. */
export function ipOf(sourceAddress: string): string | undefined {
  const s = sourceAddress.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    const ip = end < 0 ? '' : s.slice(1, end);
    return isIP(ip) === 6 ? ip : undefined;
  }
  if (isIP(s) !== 0) return s;
  const colon = s.lastIndexOf(':');
  const ip = colon < 0 ? '' : s.slice(0, colon);
  return isIP(ip) === 4 ? ip : undefined;
}

export function isTrustedSource(policy: ClientPolicyConfig, sourceAddress: string | undefined): boolean {
  if (sourceAddress === undefined) return false;
  const ip = ipOf(sourceAddress);
  if (ip === undefined) return false;
  return trustedSources(policy).check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
}
