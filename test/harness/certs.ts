// Test PKI made with the `openssl` CLI: a CA, serving certificates, client
// certificates and the service-account key pair of the local control plane.
// Generic enough for any local HTTPS test server (the Azure mock needs one too).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';

export interface CertificateFiles {
  /** PEM certificate. */
  certPath: string;
  /** PEM private key (unencrypted). */
  keyPath: string;
}

export interface CertificateAuthority extends CertificateFiles {
  /** Distinguished name of the CA, e.g. "/CN=cloudposture-test-ca". */
  subject: string;
}

export interface KeyPairFiles {
  privateKeyPath: string;
  publicKeyPath: string;
}

export interface ControlPlaneCerts {
  ca: CertificateAuthority;
  /** kube-apiserver serving certificate. */
  apiserver: CertificateFiles;
  /** Admin client certificate (CN=cloudposture-admin, O=system:masters). */
  admin: CertificateFiles;
  /** RSA key pair that signs and verifies service-account tokens. */
  serviceAccount: KeyPairFiles;
}

export interface CertOptions {
  /** File name stem; defaults depend on the function. */
  name?: string;
  commonName?: string;
  /** Validity in days. */
  days?: number;
}

function openssl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const hint = code === 'ENOENT' ? ' (the openssl CLI is not installed)' : '';
        reject(new Error(`openssl ${args[0] ?? ''} failed${hint}: ${stderr || err.message}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** A positive 127-bit serial: Go rejects negative serials, and a random one needs no serial file. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return `0x${b.toString('hex')}`;
}

/** EC P-256 keys: fast to generate and accepted by Go, Node and the Azure / AWS SDKs. */
async function newKey(keyPath: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
}

function subjectOf(commonName: string, organizations: string[] = []): string {
  const esc = (s: string): string => s.replace(/[/\\=+,]/g, (c) => `\\${c}`);
  return [...organizations.map((o) => `/O=${esc(o)}`), `/CN=${esc(commonName)}`].join('');
}

/** Creates a self-signed CA (ca.crt / ca.key unless `name` says otherwise) in `dir`. */
export async function generateCA(dir: string, opts: CertOptions = {}): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true });
  const name = opts.name ?? 'ca';
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  const subject = subjectOf(opts.commonName ?? 'cloudposture-test-ca');
  await newKey(keyPath);
  await openssl([
    'req', '-x509', '-new', '-key', keyPath, '-sha256',
    '-days', String(opts.days ?? 3650),
    '-subj', subject,
    '-set_serial', serial(),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-addext', 'subjectKeyIdentifier=hash',
    '-out', certPath,
  ]);
  return { certPath, keyPath, subject };
}

async function issue(
  ca: CertificateFiles,
  dir: string,
  name: string,
  subject: string,
  extensions: string[],
  days: number,
): Promise<CertificateFiles> {
  await mkdir(dir, { recursive: true });
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  const csrPath = path.join(dir, `${name}.csr`);
  const extPath = path.join(dir, `${name}.ext`);
  await newKey(keyPath);
  await openssl(['req', '-new', '-key', keyPath, '-subj', subject, '-out', csrPath]);
  await writeFile(extPath, ['[ext]', ...extensions, ''].join('\n'));
  await openssl([
    'x509', '-req', '-in', csrPath, '-CA', ca.certPath, '-CAkey', ca.keyPath,
    '-set_serial', serial(), '-sha256', '-days', String(days),
    '-extfile', extPath, '-extensions', 'ext',
    '-out', certPath,
  ]);
  await rm(csrPath, { force: true });
  await rm(extPath, { force: true });
  return { certPath, keyPath };
}

/**
 * Issues a TLS server certificate signed by `ca` for the given SANs (IP addresses
 * and DNS names, told apart automatically). Files: `<name>.crt` / `<name>.key`
 * (name defaults to "server").
 */
export async function issueServingCert(
  ca: CertificateFiles,
  dir: string,
  sans: string[],
  opts: CertOptions = {},
): Promise<CertificateFiles> {
  if (sans.length === 0) throw new Error('issueServingCert needs at least one subject alternative name');
  const altNames = sans.map((s) => (isIP(s) ? `IP:${s}` : `DNS:${s}`)).join(',');
  return issue(
    ca,
    dir,
    opts.name ?? 'server',
    subjectOf(opts.commonName ?? sans[0] ?? 'localhost'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${altNames}`,
      'authorityKeyIdentifier=keyid',
    ],
    opts.days ?? 365,
  );
}

/**
 * Issues a TLS client certificate; Kubernetes reads the user from CN and the
 * groups from O.
 */
export async function issueClientCert(
  ca: CertificateFiles,
  dir: string,
  user: { commonName: string; organizations?: string[] },
  opts: Omit<CertOptions, 'commonName'> = {},
): Promise<CertificateFiles> {
  return issue(
    ca,
    dir,
    opts.name ?? 'client',
    subjectOf(user.commonName, user.organizations),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
      'authorityKeyIdentifier=keyid',
    ],
    opts.days ?? 365,
  );
}

/** An RSA key pair (PKCS#8 private key, SPKI public key), `<name>.key` / `<name>.pub`. */
export async function generateRSAKeyPair(dir: string, name = 'sa', bits = 2048): Promise<KeyPairFiles> {
  await mkdir(dir, { recursive: true });
  const privateKeyPath = path.join(dir, `${name}.key`);
  const publicKeyPath = path.join(dir, `${name}.pub`);
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', privateKeyPath]);
  await openssl(['pkey', '-in', privateKeyPath, '-pubout', '-out', publicKeyPath]);
  return { privateKeyPath, publicKeyPath };
}

/** Host names the API server answers to, in-cluster and on loopback. */
export const apiServerSANs = [
  '127.0.0.1',
  'localhost',
  '10.0.0.1',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

/** Everything the local kube-apiserver needs, written into `dir`. */
export async function generateControlPlaneCerts(dir: string): Promise<ControlPlaneCerts> {
  const ca = await generateCA(dir, { commonName: 'cloudposture-test-ca' });
  const [apiserver, admin, serviceAccount] = await Promise.all([
    issueServingCert(ca, dir, apiServerSANs, { name: 'apiserver', commonName: 'kube-apiserver' }),
    issueClientCert(ca, dir, { commonName: 'cloudposture-admin', organizations: ['system:masters'] }, { name: 'admin' }),
    generateRSAKeyPair(dir, 'sa'),
  ]);
  return { ca, apiserver, admin, serviceAccount };
}

/** Reads a PEM file as a string (handy for `https.Agent` / SDK options). */
export function readPem(file: string): Promise<string> {
  return readFile(file, 'utf8');
}
