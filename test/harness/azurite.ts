// Azurite (Microsoft's Azure Storage emulator, npm `azurite`) Blob service on a free
// loopback port, for anything that reads Azure Storage: the activity-log vault's
// `insights-activity-logs` container in tests and the demo.
//
//   const azurite = await startAzurite({ dir, accounts: ['auditvault'] });
//   trustCaInProcess(azurite.caPem);                 // HTTPS with a test CA
//   env CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT = azurite.endpointTemplate
//   await azurite.putActivityLog('auditvault', subscriptionId, new Date());
//   await azurite.stop();
//
// It runs HTTPS with OAuth (`--oauth basic`: bearer tokens are accepted when their
// audience, issuer and lifetime are right, as Azure Storage checks them; Azurite has no
// RBAC) and in-memory persistence. Like moto's server, it exits within a second of its
// parent process dying (SIGKILL included).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

import { repoRoot } from './binaries.js';
import { generateCA, issueServingCert } from './certs.js';
import { freeLoopbackPort } from './moto.js';
import { killGroup, outputTail } from './emulator-process.js';

export interface AzuriteServer {
  /** `https://127.0.0.1:PORT/{account}`: the operator's blob endpoint template. */
  endpointTemplate: string;
  port: number;
  pid: number;
  /** The test CA's PEM (trust it in-process, or NODE_EXTRA_CA_CERTS = caPath for a child). */
  caPem: string;
  caPath: string;
  /**
   * One hour's activity-log blob of `subscriptionId` in `account`, at the path Azure
   * writes (resourceId=/SUBSCRIPTIONS/<ID>/y=/m=/d=/h=/m=00/PT1H.json). Its Last-Modified
   * is the emulator's clock (now), whatever `hour` says.
   */
  putActivityLog(account: string, subscriptionId: string, hour: Date): Promise<string>;
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Certificates go here. */
  dir: string;
  /** Storage account names the emulator serves (3-24 lower-case letters and digits). */
  accounts: string[];
  /** How long to wait for it to answer (default 30 s). */
  timeoutMs?: number;
  log?: boolean;
}

const MAIN = path.join(repoRoot, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');

/** Runs Azurite's Blob main in this node, ending when the parent is gone. */
const WITH_PARENT_WATCH = [
  'const parent = process.ppid;',
  'setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();',
  `process.argv = [process.argv[0], ${JSON.stringify(MAIN)}, ...process.argv.slice(1)];`,
  `require(${JSON.stringify(MAIN)});`,
].join('\n');

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Azure's activity-log blob name for one hour of one subscription. */
export function activityLogBlobName(subscriptionId: string, hour: Date): string {
  return `resourceId=/SUBSCRIPTIONS/${subscriptionId.toUpperCase()}/y=${hour.getUTCFullYear()}/m=${pad(hour.getUTCMonth() + 1)}/d=${pad(hour.getUTCDate())}/h=${pad(hour.getUTCHours())}/m=00/PT1H.json`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status > 0;
  } catch {
    return false;
  }
}

export async function startAzurite(opts: StartAzuriteOptions): Promise<AzuriteServer> {
  await mkdir(opts.dir, { recursive: true });
  const ca = await generateCA(opts.dir, { name: 'azurite-ca', commonName: 'cloudposture-azurite-test-ca' });
  const serving = await issueServingCert(ca, opts.dir, ['127.0.0.1', 'localhost'], { name: 'azurite' });
  const caPem = await readFile(ca.certPath, 'utf8');
  const keys = new Map(opts.accounts.map((a) => [a, randomBytes(64).toString('base64')]));
  const port = await freeLoopbackPort();
  const child = spawn(
    process.execPath,
    ['-e', WITH_PARENT_WATCH, '--', '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--oauth', 'basic',
      '--cert', serving.certPath, '--key', serving.keyPath, '--disableTelemetry', '--skipApiVersionCheck', '--loose', ...(opts.log ? [] : ['--silent'])],
    {
      cwd: opts.dir,
      env: { ...process.env, AZURITE_ACCOUNTS: [...keys].map(([a, k]) => `${a}:${k}`).join(';'), NODE_EXTRA_CA_CERTS: ca.certPath },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const tail = outputTail(child, Boolean(opts.log));
  const onExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await gone;
      clearTimeout(t);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
  };

  // Plain fetch trusts only the default store: probe the TCP/TLS listener with the CA added via a request that may fail auth.
  const { trustCaInProcess } = await import('./azure-mock/trust.js');
  trustCaInProcess(caPem);
  const base = `https://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!(await answers(`${base}/${opts.accounts[0] ?? 'devstoreaccount1'}?comp=list`))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`azurite on ${base} did not start: ${tail.slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  const service = (account: string): BlobServiceClient => {
    const key = keys.get(account);
    if (!key) throw new Error(`azurite serves no account ${account}`);
    return new BlobServiceClient(`${base}/${account}`, new StorageSharedKeyCredential(account, key));
  };

  return {
    endpointTemplate: `${base}/{account}`,
    port,
    pid: child.pid as number,
    caPem,
    caPath: ca.certPath,
    async putActivityLog(account, subscriptionId, hour) {
      const container = service(account).getContainerClient('insights-activity-logs');
      await container.createIfNotExists();
      const name = activityLogBlobName(subscriptionId, hour);
      const blob = container.getAppendBlobClient(name);
      await blob.createIfNotExists();
      const record = `${JSON.stringify({ time: hour.toISOString(), resourceId: `/SUBSCRIPTIONS/${subscriptionId.toUpperCase()}`, operationName: 'MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE', category: 'Administrative', resultType: 'Success' })}\n`;
      await blob.appendBlock(record, Buffer.byteLength(record));
      return name;
    },
    stop,
  };
}
