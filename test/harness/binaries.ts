// Builds the local control plane binaries (kube-apiserver, kubectl, etcd) from the Go
// wrapper modules in test/controlplane/ with the machine's Go toolchain, into an
// ignored cache folder: .cache/controlplane/<k8s version>-<etcd version>/bin/.
//
// A stamp file next to the binaries records the hash of the inputs they were built
// from (go.mod, go.sum, sources, build flags), so changing a pin rebuilds and an
// unchanged pin costs nothing (no Go needed at all once built).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashBuildInputs, readStamp, withBuildLock, type Stamp } from './go-build-cache.js';
import { fileURLToPath } from 'node:url';

export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
}

export interface ControlPlaneVersions {
  /** k8s.io/kubernetes version pinned in test/controlplane/kube/go.mod, e.g. "v1.34.4". */
  kubernetes: string;
  /** go.etcd.io/etcd/server/v3 version pinned in test/controlplane/etcd/go.mod, e.g. "v3.6.16". */
  etcd: string;
}

export interface EnsureBinariesOptions {
  /** Progress sink; defaults to stderr. */
  log?: (message: string) => void;
  /** Rebuild even when the stamp matches. */
  force?: boolean;
}

/** Absolute path of the repository root (computed from this file's location). */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

const kubeModuleDir = path.join(repoRoot, 'test', 'controlplane', 'kube');
const etcdModuleDir = path.join(repoRoot, 'test', 'controlplane', 'etcd');

function defaultLog(message: string): void {
  process.stderr.write(`[controlplane] ${message}\n`);
}

async function moduleVersion(goModPath: string, modulePath: string): Promise<string> {
  const text = await readFile(goModPath, 'utf8');
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(text);
  if (!match?.[1]) {
    throw new Error(`cannot find the version of ${modulePath} in ${path.relative(repoRoot, goModPath)}`);
  }
  return match[1];
}

/** Versions pinned by the wrapper modules. */
export async function controlPlaneVersions(): Promise<ControlPlaneVersions> {
  const [kubernetes, etcd] = await Promise.all([
    moduleVersion(path.join(kubeModuleDir, 'go.mod'), 'k8s.io/kubernetes'),
    moduleVersion(path.join(etcdModuleDir, 'go.mod'), 'go.etcd.io/etcd/server/v3'),
  ]);
  return { kubernetes, etcd };
}

/** Root of the binary cache; CLOUDPOSTURE_CONTROLPLANE_CACHE overrides `<repo>/.cache/controlplane`. */
export function cacheRoot(): string {
  return process.env.CLOUDPOSTURE_CONTROLPLANE_CACHE ?? path.join(repoRoot, '.cache', 'controlplane');
}

/** Folder holding the binaries for the pinned versions. */
export async function binDir(): Promise<string> {
  const v = await controlPlaneVersions();
  return path.join(cacheRoot(), `${v.kubernetes}-${v.etcd}`, 'bin');
}

/**
 * Linker flags that stamp the Kubernetes version into kube-apiserver and kubectl the
 * way hack/lib/version.sh does, so `/version` and `kubectl version` report it.
 * Only the link step depends on them: they do not invalidate the Go build cache.
 */
function kubeLdflags(kubernetes: string): string {
  const m = /^v(\d+)\.(\d+)/.exec(kubernetes);
  const values: Record<string, string> = {
    gitVersion: kubernetes,
    gitMajor: m?.[1] ?? '',
    gitMinor: m?.[2] ?? '',
    gitTreeState: 'clean',
    // The module zip carries no commit; an empty value beats the placeholder "$Format:%H$".
    gitCommit: '',
  };
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [key, value] of Object.entries(values)) flags.push(`-X ${pkg}.${key}=${value}`);
  }
  return flags.join(' ');
}

interface BuildGroup {
  name: 'kube' | 'etcd';
  moduleDir: string;
  /** Binary file names produced. */
  outputs: string[];
  /** Arguments after `go build`, with OUT standing for the output folder. */
  args: (outDir: string) => string[];
  /** Files (relative to moduleDir) whose content decides whether to rebuild. */
  inputs: string[];
  label: string;
}

// Note on -trimpath: it is deliberately not used. It changes the Go build cache key
// of every package, so a cache warmed by a plain `go build` of the same modules
// (the usual case on a developer machine or a CI cache) would be ignored and the
// whole dependency tree recompiled (several minutes on 2 cores). These binaries are
// local test tools, never shipped, so reproducible paths buy nothing here.
function buildGroups(v: ControlPlaneVersions): BuildGroup[] {
  return [
    {
      name: 'kube',
      moduleDir: kubeModuleDir,
      outputs: ['kube-apiserver', 'kubectl'],
      args: (out) => [
        'build',
        '-buildvcs=false',
        '-ldflags',
        kubeLdflags(v.kubernetes),
        '-o',
        out + path.sep,
        'k8s.io/kubernetes/cmd/kube-apiserver',
        'k8s.io/kubernetes/cmd/kubectl',
      ],
      inputs: ['go.mod', 'go.sum'],
      label: `kube-apiserver and kubectl ${v.kubernetes}`,
    },
    {
      name: 'etcd',
      moduleDir: etcdModuleDir,
      outputs: ['etcd'],
      args: (out) => ['build', '-buildvcs=false', '-o', path.join(out, 'etcd'), '.'],
      inputs: ['go.mod', 'go.sum', 'main.go'],
      label: `etcd ${v.etcd}`,
    },
  ];
}

function inputsHash(group: BuildGroup, outDirPlaceholder: string): Promise<string> {
  return hashBuildInputs(group.moduleDir, group.inputs, group.args(outDirPlaceholder));
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; onOutput?: (chunk: string) => void },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (b: Buffer): void => {
      const s = b.toString();
      output += s;
      if (output.length > 200_000) output = output.slice(-100_000);
      opts.onOutput?.(s);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function goVersion(): Promise<string> {
  try {
    const r = await run('go', ['env', 'GOVERSION'], { cwd: repoRoot });
    if (r.code === 0) return r.output.trim();
  } catch {
    // handled below
  }
  throw new Error(
    'the Go toolchain (`go`) is needed to build the local control plane (kube-apiserver, etcd, kubectl) ' +
      'but was not found on PATH; install Go 1.26 or newer',
  );
}

/**
 * Returns the paths of kube-apiserver, etcd and kubectl, building them first when
 * they are missing or were built from different go.mod / go.sum content.
 */
export async function ensureBinaries(opts: EnsureBinariesOptions = {}): Promise<ControlPlaneBinaries> {
  const log = opts.log ?? defaultLog;
  const versions = await controlPlaneVersions();
  const bin = await binDir();
  const result: ControlPlaneBinaries = {
    kubeApiserver: path.join(bin, 'kube-apiserver'),
    etcd: path.join(bin, 'etcd'),
    kubectl: path.join(bin, 'kubectl'),
  };
  const groups = buildGroups(versions);

  const stale = async (): Promise<BuildGroup[]> => {
    const out: BuildGroup[] = [];
    for (const g of groups) {
      const stamp = await readStamp(path.join(bin, `.${g.name}.stamp.json`));
      const present = g.outputs.every((o) => existsSync(path.join(bin, o)));
      if (opts.force || !present || stamp?.inputsHash !== (await inputsHash(g, 'OUT'))) out.push(g);
    }
    return out;
  };

  if ((await stale()).length === 0) return result;

  await mkdir(path.dirname(bin), { recursive: true });
  await withBuildLock(path.join(path.dirname(bin), '.build.lock'), 'the control plane binaries', log, async () => {
    // Another process may have finished the build while we waited for the lock.
    const todo = opts.force ? groups : await stale();
    if (todo.length === 0) return;
    const gover = await goVersion();
    await mkdir(bin, { recursive: true });
    for (const g of todo) {
      const tmp = path.join(path.dirname(bin), `.build-${g.name}-${process.pid}`);
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true });
      log(`building ${g.label} with ${gover} ... (first run takes several minutes)`);
      const started = Date.now();
      const env: NodeJS.ProcessEnv = { ...process.env, GOWORK: 'off' };
      const r = await run('go', g.args(tmp), { cwd: g.moduleDir, env });
      const seconds = (Date.now() - started) / 1000;
      if (r.code !== 0) {
        await rm(tmp, { recursive: true, force: true });
        throw new Error(
          `building ${g.label} failed (go build exit ${r.code}, in ${path.relative(repoRoot, g.moduleDir)}):\n` +
            r.output.slice(-4000),
        );
      }
      for (const o of g.outputs) await rename(path.join(tmp, o), path.join(bin, o));
      await rm(tmp, { recursive: true, force: true });
      const stamp: Stamp = {
        inputsHash: await inputsHash(g, 'OUT'),
        goVersion: gover,
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round(seconds),
      };
      await writeFile(path.join(bin, `.${g.name}.stamp.json`), JSON.stringify(stamp, null, 2) + '\n');
      log(`built ${g.label} in ${seconds.toFixed(0)} s`);
    }
  });
  return result;
}
