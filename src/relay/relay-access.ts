/**
 * Who may publish or play what, decided before a caller is accepted (SrtServer's 'request'): source
 * addresses (deny, then allow), the stream's rule (users allowed to publish or play), the user's
 * password when it gives one, and the passphrase to accept with. Refusals carry libsrt's reject
 * codes, so a libsrt caller prints the reason.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { RejectCodeName } from '../protocol/reject-reason';
import type { RelayConfig, StreamRule } from './relay-config';
import type { Route } from './stream-route';

export type AccessDecision = { passphrase?: string; rule?: StreamRule } | { reject: RejectCodeName; why: string };

/** A BlockList from addresses and CIDR ranges ('10.0.0.0/8', '::1', '192.168.1.7'). */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split('/');
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    if (!type || (bits !== undefined && !/^\d+$/.test(bits))) throw new Error(`not an address or CIDR range: ${JSON.stringify(e)}`);
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export class RelayAccess {
  private readonly allow: BlockList;
  private readonly deny: BlockList;

  constructor(private readonly config: RelayConfig) {
    this.allow = addressList(config.allow);
    this.deny = addressList(config.deny);
  }

  /** The decision for a caller from `address` asking for `route`. */
  decide(route: Route, address: string): AccessDecision {
    const c = this.config;
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (this.deny.check(address, family)) return { reject: 'SRT_REJX_FORBIDDEN', why: `address ${address} is denied` };
    if (c.allow.length > 0 && !this.allow.check(address, family)) return { reject: 'SRT_REJX_FORBIDDEN', why: `address ${address} is not allowed` };
    // Own keys only (the maps have no prototype): a stream named 'constructor' finds no rule it did not set.
    const rule = c.streams[route.name] ?? c.streams['*'];
    if (!rule && Object.keys(c.streams).length > 0) return { reject: 'SRT_REJX_NOTFOUND', why: `no stream ${JSON.stringify(route.name)} is configured` };
    if (route.password !== undefined && (route.user === undefined || c.users[route.user] !== route.password)) {
      return { reject: 'SRT_REJX_UNAUTHORIZED', why: `wrong password for user ${JSON.stringify(route.user ?? '')}` };
    }
    const users = route.mode === 'publish' ? rule?.publish : rule?.play;
    // "*" lets anyone, named or not.
    if (users && !users.includes('*')) {
      if (route.user === undefined) return { reject: 'SRT_REJX_UNAUTHORIZED', why: `${route.mode} ${JSON.stringify(route.name)} needs a user` };
      // A user with a password in the config must give it (a u= alone would let anyone claim the name).
      if (c.users[route.user] !== undefined && route.password === undefined) {
        return { reject: 'SRT_REJX_UNAUTHORIZED', why: `user ${JSON.stringify(route.user)} must give its password` };
      }
      if (!users.includes(route.user)) {
        return { reject: 'SRT_REJX_FORBIDDEN', why: `user ${JSON.stringify(route.user)} may not ${route.mode} ${JSON.stringify(route.name)}` };
      }
    }
    const passphrase = rule?.passphrase ?? c.passphrase;
    return passphrase !== undefined ? { passphrase, rule } : { rule };
  }
}
