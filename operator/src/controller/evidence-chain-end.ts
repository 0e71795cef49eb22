// A service's chain end as the store holds it, for the evidence writer: the highest
// sequence under the chain's prefix, read back and checked before anything is linked to
// it. A store that cannot be read, or an end that is not a sound record, is an attempt
// that failed (EvidenceAttemptError), never a reason to start a new chain at sequence 0.

import { recordShapeError } from '../evidence/chain.js';
import type { EvidenceStore } from '../evidence/object-lock-store.js';
import { parseRecordKey, recordHash, recordKey, type EvidenceRecord, type EvidenceService } from '../evidence/record.js';

export type EvidenceFailureReason = 'append' | 'exists' | 'read-previous' | 'invalid-previous' | 'build';

/** A failed step of one attempt, with the reason the metric and the log line carry. */
export class EvidenceAttemptError extends Error {
  constructor(
    readonly reason: EvidenceFailureReason,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'EvidenceAttemptError';
  }
}

/** The service's last record in the store (null: none yet); throws EvidenceAttemptError. */
export async function readChainEnd(store: EvidenceStore, prefix: string, service: EvidenceService): Promise<EvidenceRecord | null> {
  const first = recordKey({ service, sequence: 0 }, prefix);
  const chainPrefix = first.slice(0, first.lastIndexOf('/') + 1);
  let key: string | undefined;
  let bytes: Buffer;
  try {
    let highest = -1;
    for (const k of await store.list(chainPrefix)) {
      const parsed = parseRecordKey(k);
      if (parsed && parsed.uid === service.uid && parsed.sequence > highest) {
        highest = parsed.sequence;
        key = k;
      }
    }
    if (key === undefined) return null;
    bytes = (await store.read(key)).bytes;
  } catch (error) {
    throw new EvidenceAttemptError('read-previous', error);
  }
  // A chain's end that is not a sound record cannot be linked to; it needs a person
  // (`cloudposture evidence verify`), and a new chain beside it would hide it.
  let record: unknown;
  try {
    record = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new EvidenceAttemptError('invalid-previous', new Error(`${key}: not JSON`));
  }
  const shape = recordShapeError(record);
  if (shape) throw new EvidenceAttemptError('invalid-previous', new Error(`${key}: ${shape}`));
  const found = record as EvidenceRecord;
  if (recordHash(found) !== found.hash) throw new EvidenceAttemptError('invalid-previous', new Error(`${key}: content does not match its hash`));
  if (found.service.uid !== service.uid || found.sequence !== parseRecordKey(key)?.sequence) {
    throw new EvidenceAttemptError('invalid-previous', new Error(`${key}: record does not match its key`));
  }
  return found;
}
