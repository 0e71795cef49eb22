// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace UUID and a name) for the
// OSCAL export, so the same report always gives the same document. node:crypto only.

import { createHash } from 'node:crypto';

/** RFC 9562's namespace for URLs. */
const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

function bytesOf(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/** The version 5 UUID of `name` in `namespace` (lower case, 8-4-4-4-12). */
export function uuidV5(name: string, namespace: string): string {
  const digest = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest();
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The namespace of every UUID in the export: the v5 UUID of the operator's OSCAL URL. */
export const OSCAL_UUID_NAMESPACE = uuidV5('https://cloudposture.io/oscal', NAMESPACE_URL);

/** A stable UUID for one thing the export names (`kind` and the parts that identify it). */
export function oscalUuid(kind: string, ...parts: readonly string[]): string {
  // A separator no name part contains unescaped, so ("a|b","c") and ("a","b|c") differ.
  return uuidV5([kind, ...parts.map((p) => p.replace(/\\/g, '\\\\').replace(/\|/g, '\\|'))].join('|'), OSCAL_UUID_NAMESPACE);
}
