// Byte sizes written as Kubernetes resource quantities ("1Gi", "896Mi", "500M", "1048576"),
// the format of an emptyDir's sizeLimit, so a setting reads like the volume it guards.

const FACTOR: Record<string, number> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
  T: 1000 ** 4,
};
const QUANTITY = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** Bytes for a whole-number quantity; throws on anything else so config errors surface early. */
export function parseByteQuantity(text: string): number {
  const match = QUANTITY.exec(text.trim());
  const bytes = match ? Number(match[1]) * (FACTOR[match[2] ?? ''] as number) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new Error(`invalid size "${text}": expected a whole number of bytes, optionally with Ki, Mi, Gi, Ti (or k, M, G, T), e.g. "1Gi"`);
  }
  return bytes;
}
