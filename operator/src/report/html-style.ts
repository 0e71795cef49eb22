// The HTML report's stylesheet, inlined into the document (no external fonts or files):
// screen layout, status and severity colours shared with the SVG charts, and A4 print
// rules with one page break per service.

import { COLORS } from './svg.js';

export const CSS = `
:root { --pass:${COLORS.pass}; --fail:${COLORS.fail}; --unknown:${COLORS.unknown}; --na:${COLORS.notEvaluated}; --accent:${COLORS.accent}; }
* { box-sizing: border-box; }
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; color: #222; margin: 0; background: #f4f5f7; font-size: 13px; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; background: #fff; padding: 28px 36px 48px; }
header.report { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 22px; margin: 0 0 6px; color: var(--accent); }
h2 { font-size: 18px; margin: 28px 0 10px; color: var(--accent); border-bottom: 1px solid #d9dee5; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: #555; display: flex; flex-wrap: wrap; gap: 4px 22px; }
.muted { color: #666; }
.missing { color: var(--fail); font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #d9dee5; border-radius: 6px; padding: 10px 14px; min-width: 150px; background: #fafbfc; }
.card .value { font-size: 22px; font-weight: bold; }
.card .label { color: #555; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; margin: 10px 0; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #444; font-weight: bold; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12px; }
th, td { border: 1px solid #d9dee5; padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: bold; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; border-radius: 3px; padding: 1px 7px; font-size: 11px; font-weight: bold; color: #fff; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.unknown { background: var(--unknown); } .badge.na { background: var(--na); color: #333; }
.sev { display: inline-block; border-radius: 3px; padding: 1px 6px; font-size: 11px; font-weight: bold; color: #fff; text-transform: uppercase; }
.sev.critical { background: ${COLORS.critical}; } .sev.high { background: ${COLORS.high}; } .sev.medium { background: ${COLORS.medium}; color: #222; } .sev.low { background: ${COLORS.low}; }
.cond { display: block; white-space: nowrap; margin-bottom: 2px; }
.ev { white-space: nowrap; font-size: 11.5px; }
.note { font-size: 11.5px; color: #555; margin-top: 3px; }
section.service { margin-top: 30px; border-top: 2px solid #d9dee5; padding-top: 6px; }
.service-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 8px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 10px; }
.kv dt { color: #555; } .kv dd { margin: 0; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 28px; }
.warn { background: #fff4e5; border-left: 4px solid ${COLORS.high}; padding: 6px 10px; margin: 8px 0; }
.owner-provider { color: #1565c0; font-weight: bold; } .owner-customer { color: #6a1b9a; font-weight: bold; } .owner-shared { color: #00695c; font-weight: bold; }
.mark { text-align: center; font-weight: bold; font-size: 15px; }
table.checklist td:nth-child(2) { width: 22%; } table.checklist td:nth-child(3) { width: 30%; } table.checklist td:nth-child(4) { width: 16%; }
table.findings td:nth-child(3) { width: 15%; } table.findings td:nth-child(4) { width: 16%; } table.findings td:nth-child(6) { width: 30%; }
footer { margin-top: 36px; color: #777; font-size: 11px; border-top: 1px solid #d9dee5; padding-top: 8px; }
.nowrap { white-space: nowrap; }
code { font-family: 'DejaVu Sans Mono', monospace; font-size: 11.5px; word-break: break-all; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  section.service { break-before: page; border-top: none; }
  table, figure, .card { break-inside: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
