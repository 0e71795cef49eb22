// The HTML evidence report in a real browser engine: headless Chromium (Debian's
// `chromium` package) parses the page (--dump-dom), every inline SVG goes through an XML
// parser, and the page is rendered to test-output/report.png and test-output/report.pdf
// (gitignored) for a person to look at. Needs `chromium` on PATH (or $CLOUDPOSTURE_CHROMIUM).

import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { buildReportModel } from '../../operator/src/report/build-model.js';
import { CHROMIUM_ENV, dumpDom, htmlToPdf, screenshotHtml } from '../../operator/src/report/pdf.js';
import { renderHtml } from '../../operator/src/report/render-html.js';
import { renderMarkdown } from '../../operator/src/report/render-markdown.js';
import { sampleOrganizations, sampleServices } from '../../operator/src/report/sample.js';
import { repoRoot } from '../harness/binaries.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const OUT = join(repoRoot, 'test-output');
const chromium = process.env[CHROMIUM_ENV] ?? 'chromium';

let html: string;

beforeAll(async () => {
  const probe = spawnSync(chromium, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${chromium} is not installed: apt-get install -y chromium (or set ${CHROMIUM_ENV})`);
  }
  const model = buildReportModel({ services: sampleServices(NOW), organizations: sampleOrganizations(NOW), generatedAt: NOW });
  html = renderHtml(model);
  await mkdir(OUT, { recursive: true });
  await writeFile(join(OUT, 'report.html'), html);
  await writeFile(join(OUT, 'report.md'), renderMarkdown(model));
});

/** Visible text of a serialized DOM (tags, style and attribute values removed). */
function visibleText(dom: string): string {
  return dom
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('the HTML report in headless Chromium', () => {
  it('parses into the expected structure with nothing broken', async () => {
    const dom = await dumpDom(html);
    expect(dom).toContain('<h1>ISO/IEC 27001:2022 Annex A 5.23 - evidence report</h1>');
    // One section per service plus the appendix; the checklist table has 10 steps in each.
    expect(dom.match(/<section [^>]*class="service"/g)).toHaveLength(6);
    expect(dom.match(/<table class="checklist">/g)).toHaveLength(5);
    for (const table of dom.match(/<table class="checklist">[\s\S]*?<\/table>/g) ?? []) {
      expect(table.match(/<tr>/g)).toHaveLength(11);
    }
    // No external or broken element: images only as data: URIs, no scripts, every link absolute http(s) or in-page.
    for (const img of dom.match(/<img\b[^>]*>/g) ?? []) expect(img).toMatch(/src="data:/);
    expect(dom).not.toMatch(/<script|<iframe|<object|<embed/);
    for (const href of dom.match(/href="[^"]*"/g) ?? []) expect(href).toMatch(/^href="(https?:\/\/|#svc-)/);
    const anchors = new Set([...dom.matchAll(/id="(svc-[^"]+)"/g)].map((m) => m[1]));
    for (const m of dom.matchAll(/href="#(svc-[^"]+)"/g)) expect(anchors).toContain(m[1]);
    // Same number of charts in the parsed DOM as rendered, each with its accessible title.
    const rendered = html.match(/<svg\b/g)?.length ?? 0;
    expect(rendered).toBe(12); // 5 overview charts, 5 MFA gauges, 2 drill estimates
    expect(dom.match(/<svg\b/g)).toHaveLength(rendered);
    const text = visibleText(dom);
    expect(text).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]|Infinity/);
    expect(text).toContain('marketing/aws-marketing-sandbox');
    expect(text).toContain('Out-of-band');
    // Shadow IT after the checklist; the provider's own access in each service.
    expect(text).toContain('Shadow IT: undeclared services');
    expect(text).toContain('growth-experiments');
    expect(text).toContain('QuickSurvey Pro');
    expect(text.match(/Provider's own access/g)).toHaveLength(5);
    expect(text).toContain('Not controlled');
  });

  it('every inline SVG passes a strict XML parser', async () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    // As XHTML the page goes through Chromium's XML parser, which stops at the first error.
    const xhtml = `<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>svg</title></head><body>${svgs.join('\n')}</body></html>`;
    const dir = join(OUT, 'svg-check');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'charts.xhtml');
    await writeFile(file, xhtml);
    const result = spawnSync(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${file}`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('parsererror');
    expect(result.stdout.match(/<svg\b/g)).toHaveLength(svgs.length);
  });

  it('renders a screenshot and a PDF', async () => {
    const png = join(OUT, 'report.png');
    const pdf = join(OUT, 'report.pdf');
    await screenshotHtml(html, png, { width: 1280, height: 2400 });
    await htmlToPdf(html, pdf);
    const pngBytes = await readFile(png);
    expect(pngBytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pngBytes.readUInt32BE(16)).toBe(1280); // IHDR width
    const pdfBytes = await readFile(pdf);
    expect(pdfBytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // A4 pages, one or more per service (print CSS breaks before each service).
    const pages = pdfBytes.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(7);
    const boxes = [...pdfBytes.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)];
    expect(boxes.length).toBe(pages);
    for (const [, w, h] of boxes) expect([Math.round(Number(w)), Math.round(Number(h))]).toEqual([595, 842]); // A4 in points
    console.info(`report: ${png} (${(await stat(png)).size} bytes), ${pdf} (${pages} pages)`);
  });
});
