// Reading a body someone else controls (an S3 object, an HTTP response) with a byte cap:
// the bytes are counted as they stream in and the read stops at the cap, so an
// oversized object costs at most the cap in memory, never its own size. Used by the
// CloudTrail log reader and the Pulumi state readers.

/** A body that can be read chunk by chunk and, where it can, cancelled (web streams) or destroyed (Node streams). */
export type ByteSource = AsyncIterable<Uint8Array> & { cancel?: () => Promise<void>; destroy?: () => void };

/** A stream stage that passes chunks through and throws `tooLarge()` once more than `max` bytes went by. */
export function capBytes(max: number, tooLarge: () => Error): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* cap(source) {
    let seen = 0;
    for await (const chunk of source) {
      seen += chunk.length;
      if (seen > max) throw tooLarge();
      yield chunk;
    }
  };
}

/**
 * All of `source`, at most `max` bytes: throws `tooLarge()` as soon as more arrive (the
 * source is then released: leaving the loop cancels a web stream and destroys a Node one).
 */
export async function readCapped(source: AsyncIterable<Uint8Array>, max: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > max) throw tooLarge();
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, seen);
}

/** Releases a body that will not be read (e.g. its announced length is already past the cap). */
export async function discard(source: ByteSource | null | undefined): Promise<void> {
  try {
    if (source?.cancel) await source.cancel();
    else source?.destroy?.();
  } catch {
    // already closed or errored: nothing is held
  }
}
