/**
 * The timeline page's style sheet, inlined into the page (no network, no scripts). Bars are coloured by
 * days left; the days are also written out, so the page reads without colour (and in print).
 */
export const TIMELINE_CSS = `
:root { --expired: #b3261e; --within-30: #e8710a; --within-90: #d4a600; --later: #2e7d32; --never: #8a8a8a; --line: #d0d0d0; --muted: #5f6368; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1f1f1f; margin: 0; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0; overflow-wrap: anywhere; }
.muted, small { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; min-width: 8rem; }
.card b { display: block; font-size: 1.5rem; }
.card.expired b { color: var(--expired); } .card.within-30 b { color: var(--within-30); } .card.within-90 b { color: #8a6d00; }
.legend { display: flex; flex-wrap: wrap; gap: .75rem; margin: .5rem 0 1rem; }
.legend span::before { content: ""; display: inline-block; width: .9em; height: .9em; border-radius: 2px; margin-right: .3em; vertical-align: -.1em; background: var(--c); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; }
.bad { color: var(--expired); font-weight: 600; }
section.deployment { border-top: 2px solid #444; margin-top: 1.5rem; padding-top: .5rem; }
.deployment-head { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline; margin-bottom: .5rem; }
.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; user-select: all; }
.axis, .row { display: grid; grid-template-columns: minmax(9rem, 15rem) 1fr 8.5rem; gap: .5rem; align-items: center; }
.axis .ticks { position: relative; height: 1.2rem; font-size: .75rem; color: var(--muted); }
.axis .ticks span { position: absolute; top: 0; transform: translateX(-50%); white-space: nowrap; }
.axis .ticks span:first-child { transform: none; }
.axis .ticks span:last-child { transform: translateX(-100%); }
.row { border-bottom: 1px solid #f0f0f0; min-height: 1.6rem; }
.label { overflow-wrap: anywhere; }
.label small { display: block; font-size: .75rem; }
.track { position: relative; height: 1rem; border-radius: 3px;
  background: linear-gradient(to right, transparent calc(var(--today) - 2px), #222 calc(var(--today) - 2px) var(--today), transparent var(--today)),
    linear-gradient(to right, #f4f4f4 0 var(--today), transparent var(--today)); }
.bar { position: absolute; top: .15rem; height: .7rem; border-radius: 2px; min-width: 3px; background: var(--c); }
.bar.beyond { border-top-right-radius: 0; border-bottom-right-radius: 0; }
.expired { --c: var(--expired); } .within-30 { --c: var(--within-30); } .within-90 { --c: var(--within-90); } .later { --c: var(--later); }
.never { --c: repeating-linear-gradient(45deg, var(--never) 0 4px, #c8c8c8 4px 8px); }
.renewal { position: absolute; top: -.05rem; width: .7rem; height: .7rem; margin-left: -.35rem; transform: rotate(45deg); background: #1a73e8; border: 1px solid #fff; }
.days { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.days.expired, .days.within-30 { color: var(--c); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
@media (max-width: 640px) {
  body { padding: .5rem; }
  .axis, .row { grid-template-columns: 1fr auto; }
  .axis .ticks { grid-column: 1 / -1; }
  .row .days { grid-row: 1; grid-column: 2; }
  .row .track { grid-row: 2; grid-column: 1 / -1; margin-bottom: .3rem; }
  .axis > div:first-child, .axis > div:last-child { display: none; }
  .axis .ticks span:nth-child(even) { display: none; }
}
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { padding: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.deployment { break-inside: avoid-page; }
  .row { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
