// PDF, screenshot and DOM dump of the HTML report through headless Chromium (Debian's
// `chromium` package: `apt-get install -y chromium`). The HTML is self-contained, so
// Chromium runs with networking features off and a throw-away profile; nothing is
// fetched. Override the binary with $CLOUDPOSTURE_CHROMIUM.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_ENV = 'CLOUDPOSTURE_CHROMIUM';

export interface ChromiumOptions {
  /** Chromium binary (default $CLOUDPOSTURE_CHROMIUM, else `chromium`). */
  binary?: string;
  /** Kill Chromium after this long (default 60 s). */
  timeoutMs?: number;
}

/** The fixed flags: headless, no sandbox (containers), no GPU, nothing that phones home. */
export function chromiumArgs(userDataDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${userDataDir}`,
  ];
}

interface Run {
  stdout: string;
  stderr: string;
}

/** Headless Chromium occasionally dies at start-up on a loaded machine: one more try. */
async function runChromium(extra: string[], options: ChromiumOptions): Promise<Run> {
  try {
    return await runChromiumOnce(extra, options);
  } catch (error) {
    if ((error as Error).message.startsWith('cannot run')) throw error;
    return runChromiumOnce(extra, options);
  }
}

async function runChromiumOnce(extra: string[], options: ChromiumOptions): Promise<Run> {
  const binary = options.binary ?? process.env[CHROMIUM_ENV] ?? 'chromium';
  const profile = await mkdtemp(join(tmpdir(), 'cloudposture-chromium-'));
  try {
    return await new Promise<Run>((resolvePromise, reject) => {
      const child = spawn(binary, [...chromiumArgs(profile), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr = (stderr + c).slice(-20_000);
      });
      const timeoutMs = options.timeoutMs ?? 60_000;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${binary}: ${error.message} (install it with: apt-get install -y chromium, or set ${CHROMIUM_ENV})`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolvePromise({ stdout, stderr });
        else reject(new Error(`${binary} exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

async function withHtmlFile<T>(html: string, fn: (url: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudposture-report-'));
  try {
    const file = join(dir, 'report.html');
    await writeFile(file, html, 'utf8');
    return await fn(pathToFileURL(file).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function nonEmpty(path: string, what: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info || info.size === 0) throw new Error(`Chromium wrote no ${what} to ${path}`);
}

/** Prints the HTML to a PDF file (A4, from the report's print CSS, without header and footer). */
export async function htmlToPdf(html: string, outPath: string, options: ChromiumOptions = {}): Promise<void> {
  const target = resolve(outPath);
  await withHtmlFile(html, (url) => runChromium(['--no-pdf-header-footer', `--print-to-pdf=${target}`, url], options));
  await nonEmpty(target, 'PDF');
}

/** The HTML as a PDF in memory. */
export async function renderPdf(html: string, options: ChromiumOptions = {}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudposture-pdf-'));
  try {
    const out = join(dir, 'report.pdf');
    await htmlToPdf(html, out, options);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PNG of the first `height` pixels of the page at `width` CSS pixels. */
export async function screenshotHtml(
  html: string,
  outPath: string,
  size: { width: number; height: number } = { width: 1280, height: 2400 },
  options: ChromiumOptions = {},
): Promise<void> {
  const target = resolve(outPath);
  await withHtmlFile(html, (url) =>
    runChromium(['--hide-scrollbars', `--window-size=${size.width},${size.height}`, `--screenshot=${target}`, url], options),
  );
  await nonEmpty(target, 'screenshot');
}

/** The DOM after Chromium parsed and laid out the page (`--dump-dom`). */
export async function dumpDom(html: string, options: ChromiumOptions = {}): Promise<string> {
  return withHtmlFile(html, async (url) => (await runChromium(['--dump-dom', url], options)).stdout);
}
