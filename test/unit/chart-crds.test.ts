// The Helm chart ships the CRDs in charts/cloud-posture-operator/crds/ (Helm installs that
// folder before the templates). They must be byte-identical copies of the repository's
// crds/cloudposture.io_*.yaml, the source of truth: after changing a CRD, run
//
//   bash charts/sync-crds.sh

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sourceDir = path.join(repoRoot, 'crds');
const chartDir = path.join(repoRoot, 'charts', 'cloud-posture-operator', 'crds');
const crdFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => /^cloudposture\.io_.*\.yaml$/.test(f))
    .sort();

describe('chart CRDs', () => {
  it('ships the same set of CRD files as crds/', () => {
    expect(crdFiles(sourceDir).length).toBeGreaterThan(0);
    expect(crdFiles(chartDir)).toEqual(crdFiles(sourceDir));
  });

  it.each(crdFiles(sourceDir))('%s is a byte-identical copy (run `bash charts/sync-crds.sh` if not)', (file) => {
    const source = readFileSync(path.join(sourceDir, file));
    const copy = readFileSync(path.join(chartDir, file));
    expect(copy.equals(source)).toBe(true);
  });
});
