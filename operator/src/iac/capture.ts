// Runs a Pulumi TypeScript program without the Pulumi engine or a cloud: the runtime is
// switched to mocks (`pulumi.runtime.setMocks(mocks, project, stack, false)`), the
// program is loaded with tsx, and every resource registration (type token + inputs) is
// recorded. What the mocks return decides what dependent inputs see, so each resource
// gets its inputs back plus a name, an id and (AWS) an ARN: `bucket: data.id` or
// `kmsMasterKeyId: key.arn` then resolve to values instead of vanishing.
//
// Known behaviour of the SDK under mocks (measured): default providers are not
// registered (the stack config supplies their region / default tags), and non-string
// provider inputs arrive as strings (`defaultTags` is JSON text).
//
// Side effects: this changes process-global state (the Pulumi runtime settings, the
// working directory while the program loads, tsx's require hook) and is meant for a
// one-shot process such as `cloudposture iac-check`.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type * as PulumiSdk from '@pulumi/pulumi';
import type { CapturedProgram, CapturedResource } from './gate-types.js';
import { providerUrnOf } from './urn.js';
import { AWS_BUCKET_TYPES, asString, cloudOfType, isProviderType, isRecord, moduleOfType } from './resource-types.js';

/** Why a capture failed: `usage` (bad directory / stack / project) or `program` (the program threw). */
export class CaptureError extends Error {
  constructor(
    readonly kind: 'usage' | 'program',
    message: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

export interface CaptureOptions {
  /** Stack whose Pulumi.<stack>.yaml supplies config; default: the only stack file, else "ci". */
  stack?: string;
  /** Give up on a program that never settles (default 60 s). */
  timeoutMs?: number;
}

export interface CaptureResult extends CapturedProgram {
  /** Entry module that was loaded. */
  entry: string;
  /** Wall time of the capture (SDK load, program, settling), in ms. */
  durationMs: number;
}

/** Placeholder handed to the program for `secure:` config values (never decrypted). */
export const SECRET_PLACEHOLDER = 'cloudposture-iac-check-secret';
const MOCK_ACCOUNT = '123456789012';
const MOCK_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

interface ProjectFile {
  name: string;
  main?: string;
  config: Record<string, unknown>;
}

function readYaml(path: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CaptureError('usage', `Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readProject(dir: string): ProjectFile {
  const file = ['Pulumi.yaml', 'Pulumi.yml'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new CaptureError('usage', `${dir} is not a Pulumi project (no Pulumi.yaml)`);
  const doc = readYaml(file);
  if (!isRecord(doc) || typeof doc.name !== 'string') throw new CaptureError('usage', `${file} has no project name`);
  const runtime = isRecord(doc.runtime) ? doc.runtime.name : doc.runtime;
  if (runtime !== 'nodejs') {
    throw new CaptureError('usage', `${file}: runtime ${String(runtime)} is not supported (iac-check runs nodejs / TypeScript programs)`);
  }
  const project: ProjectFile = { name: doc.name, config: {} };
  if (typeof doc.main === 'string') project.main = doc.main;
  // Project-level config: `key: value`, or `key: { default: value }` / `{ value: value }`.
  if (isRecord(doc.config)) {
    for (const [key, spec] of Object.entries(doc.config)) {
      const value = isRecord(spec) ? (spec.value ?? spec.default) : spec;
      if (value !== undefined) project.config[key.includes(':') ? key : `${doc.name}:${key}`] = value;
    }
  }
  return project;
}

/** The stack to use: the one asked for, the only Pulumi.<stack>.yaml, or "ci" when there is none. */
function chooseStack(dir: string, asked: string | undefined): string {
  if (asked) return asked;
  const stacks = readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
  if (stacks.length === 1 && stacks[0]) return stacks[0];
  if (stacks.length > 1) throw new CaptureError('usage', `${dir} has several stacks (${stacks.sort().join(', ')}): choose one with --stack`);
  return 'ci';
}

function readStackConfig(dir: string, stack: string): Record<string, unknown> {
  const file = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) return {};
  const doc = readYaml(file);
  return isRecord(doc) && isRecord(doc.config) ? doc.config : {};
}

/** The module Pulumi would run: Pulumi.yaml `main`, package.json `main`, else index.ts / index.js. */
function findEntry(dir: string, main: string | undefined): string {
  const base = main ? resolve(dir, main) : dir;
  if (existsSync(base) && statSync(base).isFile()) return base;
  if (existsSync(base) && statSync(base).isDirectory()) {
    const pkg = join(base, 'package.json');
    if (existsSync(pkg)) {
      const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as unknown;
      const pkgMain = isRecord(parsed) ? asString(parsed.main) : undefined;
      if (pkgMain && existsSync(resolve(base, pkgMain))) return resolve(base, pkgMain);
    }
    for (const f of ['index.ts', 'index.mts', 'index.cts', 'index.js', 'index.mjs', 'index.cjs']) {
      if (existsSync(join(base, f))) return join(base, f);
    }
  }
  throw new CaptureError('usage', `No program entry in ${base} (index.ts, index.js or a package.json main)`);
}

/** ESM or CommonJS, as Node would decide for the entry file. */
function isEsm(entry: string): boolean {
  const ext = extname(entry);
  if (ext === '.mts' || ext === '.mjs') return true;
  if (ext === '.cts' || ext === '.cjs') return false;
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as unknown;
      return isRecord(parsed) && parsed.type === 'module';
    }
    if (dirname(dir) === dir) return false;
  }
}

/** Config values as the runtime holds them: strings (objects JSON-encoded); `secure:` values replaced. */
function runtimeConfig(config: Record<string, unknown>): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (isRecord(value) && typeof value.secure === 'string' && Object.keys(value).length === 1) {
      values[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else if (typeof value === 'string') values[key] = value;
    else values[key] = JSON.stringify(value);
  }
  return { values, secretKeys };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The physical name a real deployment would give the resource (what `.name` / `.id` read). */
function physicalName(type: string, name: string, inputs: Record<string, unknown>): string {
  const cloud = cloudOfType(type);
  const typeName = type.split(':')[2] ?? '';
  if (cloud === 'aws') return asString(inputs.bucket) ?? asString(inputs.identifier) ?? asString(inputs.name) ?? name;
  if (cloud === 'azure') {
    for (const key of [`${lowerFirst(typeName)}Name`, 'accountName', 'vmName', 'serverName', 'databaseName', 'containerName']) {
      const value = asString(inputs[key]);
      if (value) return value;
    }
  }
  return asString(inputs.name) ?? name;
}

function mockState(type: string, id: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const state: Record<string, unknown> = { ...inputs, name: physicalName(type, name, inputs) };
  const cloud = cloudOfType(type);
  if (cloud === 'aws') {
    if (AWS_BUCKET_TYPES.includes(type)) {
      state.bucket = id;
      state.arn = `arn:aws:s3:::${id}`;
    } else if (state.arn === undefined) {
      state.arn = `arn:aws:${moduleOfType(type)}::${MOCK_ACCOUNT}:${id}`;
    }
  } else if (cloud === 'azure') {
    state.id = id;
  }
  return state;
}

function mockId(type: string, name: string, inputs: Record<string, unknown>, seq: number): string {
  if (isProviderType(type)) return `provider-${seq}`;
  const physical = physicalName(type, name, inputs);
  if (AWS_BUCKET_TYPES.includes(type)) return physical;
  if (cloudOfType(type) === 'azure') {
    const group = asString(inputs.resourceGroupName) ?? 'rg';
    const typeName = type.split(':')[2] ?? 'resource';
    return `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${group}/providers/${type.split(':')[1] ?? 'mock'}/${lowerFirst(typeName)}s/${physical}`;
  }
  return `${physical}-id`;
}

/** Plausible answers for the invokes programs commonly make; anything else echoes its inputs. */
function mockCall(token: string, inputs: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  const region = asString(inputs.region) ?? asString(config['aws:region']) ?? 'us-east-1';
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/iac-check`, userId: 'AIDAMOCK', id: MOCK_ACCOUNT };
    case 'aws:index/getRegion:getRegion':
      return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: [`${region}a`, `${region}b`, `${region}c`], zoneIds: [], id: region };
    case 'azure-native:authorization:getClientConfig':
      return { subscriptionId: MOCK_SUBSCRIPTION, tenantId: MOCK_SUBSCRIPTION, clientId: MOCK_SUBSCRIPTION, objectId: MOCK_SUBSCRIPTION };
    default:
      return { ...inputs };
  }
}

type PulumiModule = typeof PulumiSdk;

/** The program's own @pulumi/pulumi when it has one (its SDK version), else ours. */
function loadPulumi(entry: string): { pulumi: PulumiModule; require: NodeJS.Require } {
  for (const from of [entry, import.meta.url]) {
    const req = createRequire(from);
    try {
      const path = req.resolve('@pulumi/pulumi');
      return { pulumi: req(path) as PulumiModule, require: createRequire(path) };
    } catch {
      // try the next
    }
  }
  throw new CaptureError('usage', 'Cannot load @pulumi/pulumi (install the program dependencies: npm ci)');
}

/** Waits until the runtime's RPC queue (registrations, applies that register more) has drained. */
async function settle(pulumi: PulumiModule, req: NodeJS.Require): Promise<void> {
  let settings: unknown;
  try {
    settings = req('./runtime/settings');
  } catch {
    settings = undefined;
  }
  const wait = isRecord(settings) ? settings.waitForRPCs : undefined;
  if (typeof wait === 'function') {
    await (wait as () => Promise<void>)();
    return;
  }
  await pulumi.runtime.disconnect();
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaptureError('program', `${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function loadProgram(entry: string): Promise<unknown> {
  if (isEsm(entry)) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(pathToFileURL(entry).href, { parentURL: import.meta.url });
  }
  const { register } = await import('tsx/cjs/api');
  const unregister = register();
  try {
    return createRequire(entry)(entry) as unknown;
  } finally {
    unregister();
  }
}

/** A program exporting a function (`export = async () => …`) is run, as the Pulumi language host does. */
async function runExport(exported: unknown): Promise<void> {
  const candidates = [exported, isRecord(exported) ? exported.default : undefined];
  for (const c of candidates) {
    if (typeof c === 'function') {
      await (c as () => unknown)();
      return;
    }
  }
}

export async function captureProgram(programDir: string, options: CaptureOptions = {}): Promise<CaptureResult> {
  const started = performance.now();
  const dir = resolve(programDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CaptureError('usage', `${programDir} is not a directory`);
  const project = readProject(dir);
  const stack = chooseStack(dir, options.stack);
  const config = { ...project.config, ...readStackConfig(dir, stack) };
  const entry = findEntry(dir, project.main);
  const { pulumi, require: sdkRequire } = loadPulumi(entry);

  const recorded: Array<{ type: string; name: string; custom: boolean; id: string; inputs: Record<string, unknown>; providerRef?: string }> = [];
  let seq = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = isRecord(args.inputs) ? { ...args.inputs } : {};
        const id = mockId(args.type, args.name, inputs, seq++);
        const entryRecord: (typeof recorded)[number] = { type: args.type, name: args.name, custom: args.custom !== false, id, inputs };
        if (args.provider) entryRecord.providerRef = args.provider;
        recorded.push(entryRecord);
        return { id, state: mockState(args.type, id, args.name, inputs) };
      },
      call(args) {
        return mockCall(args.token, isRecord(args.inputs) ? args.inputs : {}, config);
      },
    },
    project.name,
    stack,
    false,
  );
  const { values, secretKeys } = runtimeConfig(config);
  pulumi.runtime.setAllConfig(values, secretKeys);

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on('unhandledRejection', onRejection);
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    const work = (async () => {
      let exported: unknown;
      try {
        exported = await loadProgram(entry);
        await runExport(exported);
      } catch (error) {
        throw new CaptureError('program', `The program failed: ${errorText(error)}`);
      }
      await settle(pulumi, sdkRequire);
    })();
    await withTimeout(work, options.timeoutMs ?? 60_000, 'The program');
  } finally {
    process.chdir(cwd);
    process.off('unhandledRejection', onRejection);
  }
  if (failures.length > 0) throw new CaptureError('program', `The program failed: ${errorText(failures[0])}`);

  const urnOf = (type: string, name: string) => `urn:pulumi:${stack}::${project.name}::${type}::${name}`;
  const providerById = new Map(recorded.filter((r) => isProviderType(r.type)).map((r) => [r.id, urnOf(r.type, r.name)]));
  const resources: CapturedResource[] = recorded.map((r) => {
    const captured: CapturedResource = { urn: urnOf(r.type, r.name), type: r.type, name: r.name, custom: r.custom, id: r.id, inputs: r.inputs };
    const providerUrn = providerUrnOf(r.providerRef);
    const providerId = r.providerRef && providerUrn ? r.providerRef.slice(providerUrn.length + 2) : undefined;
    const provider = providerId ? providerById.get(providerId) : undefined;
    if (provider) captured.provider = provider;
    return captured;
  });
  return { project: project.name, stack, config, resources, entry, durationMs: performance.now() - started };
}
