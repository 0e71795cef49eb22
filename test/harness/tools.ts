// Builds the test tools (helm 4, helm 3, promtool, prometheus and a gopher-lua runner for
// Argo CD health scripts) from the Go wrapper modules in test/tools/ with the machine's Go
// toolchain, into an ignored cache folder: .cache/tools/<tool>-<version>/bin/.
// Same pattern as binaries.ts (the control plane): a stamp next to each binary records
// the hash of its inputs (go.mod, go.sum, sources, build flags), so changing a pin
// rebuilds and an unchanged pin costs nothing (no Go needed at all once built).
//
//   const helm = await ensureHelm();          // first call builds (minutes), later calls return at once
//   node --import tsx test/harness/tools.ts build [helm|helm3|promtool|prometheus|lua ...]
//
// Builds run one at a time, behind a folder lock shared by every tool and process: the
// machines have 2 cores, and two concurrent Go builds of these trees only slow each other.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashBuildInputs, readStamp, withBuildLock, type Stamp } from './go-build-cache.js';
import { repoRoot } from './binaries.js';

export type ToolName = 'helm' | 'helm3' | 'promtool' | 'prometheus' | 'lua';

export interface EnsureToolOptions {
  /** Progress sink; defaults to stderr. */
  log?: (message: string) => void;
  /** Rebuild even when the stamp matches. */
  force?: boolean;
}

const toolsDir = path.join(repoRoot, 'test', 'tools');

interface ToolRecipe {
  name: ToolName;
  /** Wrapper module folder under test/tools/. */
  moduleDir: string;
  /** Module whose pinned version names the cache folder. */
  versionOf: string;
  /** Binary file name produced. */
  output: string;
  /** Arguments after `go`, given the output file, the pinned version and the version of
   *  any other module the wrapper's go.mod requires (for version ldflags). */
  args: (outFile: string, version: string, requiredVersion: (modulePath: string) => string) => string[];
  /** Files (relative to moduleDir) whose content decides whether to rebuild. */
  inputs: string[];
}

/** `v0.316.0` (the Go module version) -> `3.16.0` (the Prometheus release it is). */
function prometheusRelease(moduleVersion: string): string {
  const m = /^v0\.(\d)(\d\d)\.(\d+)/.exec(moduleVersion);
  return m ? `${m[1]}.${Number(m[2])}.${m[3]}` : moduleVersion.replace(/^v/, '');
}

/** `v0.36.2` (k8s.io/client-go) -> Kubernetes 1.36, as helm 3's Makefile derives it. */
function clientGoKubeVersion(clientGo: string): { major: string; minor: string } {
  const m = /^v(\d+)\.(\d+)\./.exec(clientGo);
  if (!m) throw new Error(`cannot read a Kubernetes version from k8s.io/client-go ${clientGo}`);
  return { major: String(Number(m[1]) + 1), minor: String(Number(m[2])) };
}

function prometheusLdflags(version: string): string {
  return ['Version', 'Branch', 'Revision'].map((k) => `-X github.com/prometheus/common/version.${k}=${k === 'Version' ? prometheusRelease(version) : k === 'Branch' ? 'module' : ''}`).join(' ');
}

// No -trimpath (see binaries.ts): it would change every package's build cache key.
// Prometheus is built with `remove_all_sd`: only static and file service discovery,
// which drops the cloud SDKs (AWS, Azure, GCE, ...) and most of the build time. Its
// web UI is not embedded (no `builtinassets` tag); the HTTP API works without it.
const RECIPES: Record<ToolName, ToolRecipe> = {
  helm: {
    name: 'helm',
    moduleDir: path.join(toolsDir, 'helm'),
    versionOf: 'helm.sh/helm/v4',
    output: 'helm',
    args: (out, v) => [
      'build',
      '-buildvcs=false',
      '-ldflags',
      `-X helm.sh/helm/v4/internal/version.version=${v} -X helm.sh/helm/v4/internal/version.gitTreeState=clean`,
      '-o',
      out,
      'helm.sh/helm/v4/cmd/helm',
    ],
    inputs: ['go.mod', 'go.sum'],
  },
  // Helm 3, as most clusters still run it. Besides its version, a release build stamps
  // the Kubernetes version helm 3 assumes without a cluster (`helm template`, `helm lint`:
  // .Capabilities.KubeVersion, Chart.yaml kubeVersion, the deprecated-API check) from
  // the client-go it is built with; without it that is v1.20.0 (helm 4 reads it itself).
  helm3: {
    name: 'helm3',
    moduleDir: path.join(toolsDir, 'helm3'),
    versionOf: 'helm.sh/helm/v3',
    output: 'helm',
    args: (out, v, requiredVersion) => {
      const kube = clientGoKubeVersion(requiredVersion('k8s.io/client-go'));
      const x = (pkg: string, name: string, value: string) => `-X helm.sh/helm/v3/${pkg}.${name}=${value}`;
      return [
        'build',
        '-buildvcs=false',
        '-ldflags',
        [
          x('internal/version', 'version', v),
          x('internal/version', 'gitTreeState', 'clean'),
          ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [x(pkg, 'k8sVersionMajor', kube.major), x(pkg, 'k8sVersionMinor', kube.minor)]),
        ].join(' '),
        '-o',
        out,
        'helm.sh/helm/v3/cmd/helm',
      ];
    },
    inputs: ['go.mod', 'go.sum'],
  },
  promtool: {
    name: 'promtool',
    moduleDir: path.join(toolsDir, 'prometheus'),
    versionOf: 'github.com/prometheus/prometheus',
    output: 'promtool',
    args: (out, v) => [
      'build',
      '-buildvcs=false',
      '-tags',
      'remove_all_sd',
      '-ldflags',
      prometheusLdflags(v),
      '-o',
      out,
      'github.com/prometheus/prometheus/cmd/promtool',
    ],
    inputs: ['go.mod', 'go.sum'],
  },
  prometheus: {
    name: 'prometheus',
    moduleDir: path.join(toolsDir, 'prometheus'),
    versionOf: 'github.com/prometheus/prometheus',
    output: 'prometheus',
    args: (out, v) => [
      'build',
      '-buildvcs=false',
      '-tags',
      'remove_all_sd',
      '-ldflags',
      prometheusLdflags(v),
      '-o',
      out,
      'github.com/prometheus/prometheus/cmd/prometheus',
    ],
    inputs: ['go.mod', 'go.sum'],
  },
  lua: {
    name: 'lua',
    moduleDir: path.join(toolsDir, 'lua'),
    versionOf: 'github.com/yuin/gopher-lua',
    output: 'luahealth',
    args: (out) => ['build', '-buildvcs=false', '-o', out, '.'],
    inputs: ['go.mod', 'go.sum', 'main.go'],
  },
};

function defaultLog(message: string): void {
  process.stderr.write(`[tools] ${message}\n`);
}

/** Root of the tool cache; CLOUDPOSTURE_TOOLS_CACHE overrides `<repo>/.cache/tools`. */
export function toolsCacheRoot(): string {
  return process.env.CLOUDPOSTURE_TOOLS_CACHE ?? path.join(repoRoot, '.cache', 'tools');
}

/** Reads a wrapper module's go.mod; the lookup gives the version it requires of a module. */
async function readGoMod(tool: ToolName): Promise<(modulePath: string) => string> {
  const goMod = path.join(RECIPES[tool].moduleDir, 'go.mod');
  const text = await readFile(goMod, 'utf8');
  return (modulePath) => {
    const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(text);
    if (!match?.[1]) throw new Error(`cannot find the version of ${modulePath} in ${path.relative(repoRoot, goMod)}`);
    return match[1];
  };
}

/** Version of the tool's module (`versionOf`) pinned in its wrapper module's go.mod. */
export async function pinnedVersion(tool: ToolName): Promise<string> {
  return (await readGoMod(tool))(RECIPES[tool].versionOf);
}

async function toolBinDir(tool: ToolName): Promise<string> {
  return path.join(toolsCacheRoot(), `${tool}-${await pinnedVersion(tool)}`, 'bin');
}

function inputsHash(recipe: ToolRecipe, version: string, requiredVersion: (modulePath: string) => string): Promise<string> {
  return hashBuildInputs(recipe.moduleDir, recipe.inputs, recipe.args('OUT', version, requiredVersion));
}

/** Runs a command, collecting stdout and stderr; never rejects on a non-zero exit. */
export function runTool(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (stdout.length > 4_000_000) stdout = stdout.slice(-2_000_000);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          stderr += `\n(killed after ${opts.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

async function goVersion(): Promise<string> {
  try {
    const r = await runTool('go', ['env', 'GOVERSION']);
    if (r.code === 0) return r.stdout.trim();
  } catch {
    // handled below
  }
  throw new Error('the Go toolchain (`go`) is needed to build the test tools (helm, helm3, promtool, prometheus, lua) but was not found on PATH');
}


/** In-process de-duplication: concurrent callers share one build. */
const inFlight = new Map<ToolName, Promise<string>>();

/** Returns the path of a tool, building it first when missing or built from other inputs. */
export function ensureTool(tool: ToolName, opts: EnsureToolOptions = {}): Promise<string> {
  const running = inFlight.get(tool);
  if (running && !opts.force) return running;
  const p = buildIfNeeded(tool, opts).finally(() => inFlight.delete(tool));
  inFlight.set(tool, p);
  return p;
}

async function buildIfNeeded(tool: ToolName, opts: EnsureToolOptions): Promise<string> {
  const log = opts.log ?? defaultLog;
  const recipe = RECIPES[tool];
  const requiredVersion = await readGoMod(tool);
  const version = requiredVersion(recipe.versionOf);
  const bin = await toolBinDir(tool);
  const out = path.join(bin, recipe.output);
  const stampFile = path.join(bin, `.${tool}.stamp.json`);
  const fresh = async () =>
    !opts.force && existsSync(out) && (await readStamp(stampFile))?.inputsHash === (await inputsHash(recipe, version, requiredVersion));
  if (await fresh()) return out;

  await mkdir(toolsCacheRoot(), { recursive: true });
  await withBuildLock(path.join(toolsCacheRoot(), '.build.lock'), 'a test tool', log, async () => {
    if (await fresh()) return; // another process built it while we waited
    const gover = await goVersion();
    await mkdir(bin, { recursive: true });
    const tmp = path.join(bin, `.build-${tool}-${process.pid}`);
    log(`building ${tool} (${recipe.versionOf} ${version}) with ${gover} ... (the first build takes minutes)`);
    const started = Date.now();
    const r = await runTool('go', recipe.args(tmp, version, requiredVersion), { cwd: recipe.moduleDir, env: { ...process.env, GOWORK: 'off' } });
    const seconds = (Date.now() - started) / 1000;
    if (r.code !== 0) {
      await rm(tmp, { force: true });
      throw new Error(
        `building ${tool} failed (go build exit ${r.code}, in ${path.relative(repoRoot, recipe.moduleDir)}):\n` +
          (r.stdout + r.stderr).slice(-4000),
      );
    }
    await rename(tmp, out);
    const stamp: Stamp = { inputsHash: await inputsHash(recipe, version, requiredVersion), goVersion: gover, builtAt: new Date().toISOString(), buildSeconds: Math.round(seconds) };
    await writeFile(stampFile, JSON.stringify(stamp, null, 2) + '\n');
    log(`built ${tool} in ${seconds.toFixed(0)} s`);
  });
  return out;
}

/** helm (v4, from helm.sh/helm/v4). */
export const ensureHelm = (opts?: EnsureToolOptions): Promise<string> => ensureTool('helm', opts);
/** helm 3 (from helm.sh/helm/v3), for the chart tests that run with both helms. */
export const ensureHelm3 = (opts?: EnsureToolOptions): Promise<string> => ensureTool('helm3', opts);
/** promtool (from github.com/prometheus/prometheus). */
export const ensurePromtool = (opts?: EnsureToolOptions): Promise<string> => ensureTool('promtool', opts);
/** prometheus server (same module as promtool; no embedded UI, static/file discovery only). */
export const ensurePrometheus = (opts?: EnsureToolOptions): Promise<string> => ensureTool('prometheus', opts);
/** luahealth: runs an Argo CD health.lua on gopher-lua (test/tools/lua/main.go). */
export const ensureLua = (opts?: EnsureToolOptions): Promise<string> => ensureTool('lua', opts);

// CLI: `node --import tsx test/harness/tools.ts build [tool ...]` builds (all by default).
const isEntryPoint = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(repoRoot, 'test', 'harness', 'tools.ts');
if (isEntryPoint) {
  const [command, ...names] = process.argv.slice(2);
  if (command !== 'build') {
    process.stderr.write('usage: node --import tsx test/harness/tools.ts build [helm|helm3|promtool|prometheus|lua ...]\n');
    process.exit(2);
  }
  const wanted = (names.length ? names : (Object.keys(RECIPES) as ToolName[])) as ToolName[];
  void (async () => {
    for (const name of wanted) {
      if (!(name in RECIPES)) throw new Error(`unknown tool "${name}"`);
      process.stdout.write(`${await ensureTool(name)}\n`);
    }
  })().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
