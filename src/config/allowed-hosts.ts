/**
 * Allow-list entries for hosts the server may reach although they are not public (webhook
 * targets): host names, IP addresses and CIDR ranges, validated once at start-up.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalidParam } from '../errors.js';

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Normalizes one entry (lower case, no IPv6 brackets); throws with a message naming it. */
export function parseAllowedHost(entry: string): string {
  const e = entry
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (!e) throw new Error('an empty entry');
  if (e.includes('/')) {
    try {
      ipaddr.parseCIDR(e);
    } catch {
      throw new Error(`'${entry}' is not a valid CIDR range`);
    }
    return e;
  }
  if (isIP(e) || HOST_NAME.test(e)) return e;
  throw new Error(`'${entry}' is neither a host name, an IP address nor a CIDR range`);
}

/** A comma-separated allow-list; undefined or empty gives []. */
export function parseAllowedHostList(raw: string | undefined, what: string): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      try {
        return parseAllowedHost(h);
      } catch (err) {
        throw invalidParam(`${what}: ${(err as Error).message}.`);
      }
    });
}
