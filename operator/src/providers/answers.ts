// The answers behind one collection, as evidence (Inventory.answers): for every HTTP
// answer of a cloud API, the operation, account, region, time, status and the SHA-256 of
// the answer. The answer itself is never kept: only its digest, computed as it passes
// (AWS: a client middleware, aws/clients.ts; Azure: a pipeline policy, azure/clients.ts,
// and the Graph reader, azure/graph.ts).
//
// The digest is of the canonical JSON (RFC 8785, inventory/canonical-json.ts) of the
// parsed answer, so that anyone who makes the same call and gets the same answer gets the
// same digest whatever the key order or whitespace on the wire; of the raw bytes for a
// document that is not JSON (the IAM credential report CSV).

import type { Provider } from '../api/types.js';
import { canonicalJson, sha256Hex } from '../inventory/canonical-json.js';
import type { ApiAnswer, InventoryArea } from '../inventory/types.js';

/**
 * Answers kept per collection. A large account answers a few hundred calls (a fixed set
 * of list calls per region and their pages, a few reads per bucket); beyond the bound
 * answers are counted (Inventory.answersOmitted), not kept, so a record stays bounded.
 */
export const MAX_ANSWERS = 2_000;

/** One answer as the capture sees it; the log adds provider, account and time. */
export interface AnswerSeen {
  operation: string;
  area?: InventoryArea | undefined;
  region?: string | undefined;
  status: number | string;
  sha256: string;
}

/** The answers of one collection, bounded. */
export class AnswerLog {
  private readonly kept: ApiAnswer[] = [];
  /** Answers not kept: beyond MAX_ANSWERS, or without a canonical form. */
  omitted = 0;

  constructor(
    readonly provider: Provider,
    readonly account: string,
    private readonly now: () => Date = () => new Date(),
    private readonly max: number = MAX_ANSWERS,
  ) {}

  record(seen: AnswerSeen): void {
    if (this.kept.length >= this.max) {
      this.omitted++;
      return;
    }
    this.kept.push({
      provider: this.provider,
      operation: seen.operation,
      ...(seen.area ? { area: seen.area } : {}),
      account: this.account,
      ...(seen.region ? { region: seen.region } : {}),
      at: this.now().toISOString(),
      status: seen.status,
      sha256: seen.sha256,
    });
  }

  /** The answers kept, in arrival order (copies). */
  list(): ApiAnswer[] {
    return this.kept.map((a) => ({ ...a }));
  }
}

/** SHA-256 of the canonical JSON of a parsed answer; undefined when it has no canonical form (e.g. a lone surrogate). */
export function jsonAnswerDigest(parsed: unknown): string | undefined {
  try {
    return sha256Hex(canonicalJson(parsed));
  } catch {
    return undefined;
  }
}

/**
 * The digest of an answer's text: of its canonical JSON when it parses as JSON, else of
 * the text's bytes (UTF-8; an empty body hashes the empty string).
 */
export function textAnswerDigest(text: string): string {
  if (text.trim() !== '') {
    let parsed: unknown;
    let isJson = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      isJson = false;
    }
    if (isJson) {
      const digest = jsonAnswerDigest(parsed);
      if (digest !== undefined) return digest;
    }
  }
  return sha256Hex(text);
}
