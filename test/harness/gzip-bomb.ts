// A gzip that is small on the wire and huge unzipped (zeros compress about 1000:1), for
// the tests and the benchmark of the readers' decompression bounds. Compressed chunk
// by chunk, so making one never holds the unzipped bytes.

import { createGzip } from 'node:zlib';

const MIB = 1024 * 1024;

/** gzip of `mib` MiB of zero bytes. */
export async function zeroBomb(mib: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  const chunk = Buffer.alloc(MIB);
  for (let i = 0; i < mib; i++) if (!gzip.write(chunk)) await new Promise((r) => gzip.once('drain', r));
  gzip.end();
  await done;
  return Buffer.concat(out);
}
