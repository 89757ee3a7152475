"""The HTML report's stylesheet (inlined into every report; system fonts only)."""

CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#dde2ea; --good:#2a9d5c; --bad:#c0392b;
        --warn:#e08a00; --bg:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 24px 40px; }
header h1 { margin: 0 0 4px; font-size: 28px; }
.sub { margin: 0 0 18px; color: var(--muted); }
.people { margin: 0 0 4px; font-size: 16px; }
.people span { margin-right: 22px; }
.people b { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase;
            letter-spacing: .04em; margin-right: 4px; }
section.note { background:#fff; border:1px solid var(--line); border-radius: 10px; padding: 2px 14px 6px;
               margin-top: 14px; }
section.note h2 { border: 0; margin: 8px 0 2px; font-size: 15px; }
section.note p { margin: 4px 0; white-space: pre-wrap; }
.fine { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.rom td { vertical-align: top; }
table.rom td.num, table.reps td.num { text-align: left; }
.untrusted, tr.untrusted td { color: #9aa1ad; }
tr.untrusted b { color: #9aa1ad; }
td.rel { white-space: nowrap; }
td.rel .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px;
              background: var(--good); }
td.rel.fair .dot { background: var(--warn); }
td.rel.poor .dot { background: #b4bac4; }
td.rel.good { color: var(--good); font-weight: 600; }
td.rel.fair { color: var(--warn); font-weight: 600; }
ul.footnotes { margin: 6px 0 0; padding-left: 18px; color: var(--muted); font-size: 13px; }
th .subv { font-weight: 400; font-size: 12px; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 4px; }
.alert { padding: 12px 16px; border-radius: 8px; margin: 0 0 14px; border-left: 6px solid; }
.alert-bad { background:#fdecea; border-color: var(--bad); }
.alert-warn { background:#fff4e0; border-color: var(--warn); }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 700; margin: 2px 0; }
.card .value .dose { font-size: 17px; font-weight: 600; line-height: 1.3; display: block; }
.card .subv { color: var(--muted); font-size: 13px; min-height: 1em; }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
table { border-collapse: collapse; width: 100%; background:#fff; border:1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { background:#eef1f6; font-size: 13px; color: var(--muted); }
td.thumb { width: 1%; padding: 4px; }
td.thumb img { height: 140px; display: block; border-radius: 4px; }
figure { margin: 0 0 14px; background:#fff; border:1px solid var(--line); border-radius:10px;
         padding: 8px 10px; }
figcaption { font-size: 14px; margin-bottom: 2px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .grid { stroke: #e6e9ef; stroke-width: 1; }
svg .axis { stroke: #999; }
svg .frame { fill: none; stroke: #c8ced8; }
svg .tick { font-size: 11px; fill: #667; }
svg .thlabel { font-size: 11px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px;
               stroke-linejoin: round; }
svg .thlabel.gate { font-weight: 400; font-style: italic; }
svg .rep { stroke: #1d2330; stroke-opacity: .35; stroke-width: 1; stroke-dasharray: 2 3; }
svg .replabel { font-size: 10px; fill: #1d2330; }
.key { display: inline-flex; align-items: center; gap: 4px; margin-left: 12px; font-size: 13px;
       color: var(--muted); }
.key i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; }
.key i.dash { height: 0; border-top: 2px dashed #888; }
.key i.dots { height: 0; border-top: 2px dotted #8a93a3; }
.key i.repmark { width: 0; height: 12px; border-left: 1px dashed #1d2330; }
.keyline { margin: 0 0 8px -12px; }
.fault { background:#fff; border:1px solid var(--line); border-left: 6px solid var(--warn);
         border-radius: 8px; padding: 10px 14px; margin-bottom: 10px; }
.fault.stop { border-left-color: var(--bad); }
.fault.info { border-left-color: #3a7bd5; }
.fault p { margin: 4px 0; }
.fault .when { color: var(--muted); font-size: 13px; }
ul.notes { background:#fff; border:1px solid var(--line); border-radius: 8px; padding: 10px 14px 10px 32px; }
p.comparison { margin: 0 0 8px; font-size: 16px; }
table.trend tr.current td { font-weight: 600; background: #f3f7fd; }
.tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 12px;
       font-weight: 600; color: #1f6fd1; background: #e3edfb; text-transform: uppercase;
       letter-spacing: .03em; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px; }
@media print {
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  .card, figure, table, .fault, ul.notes { box-shadow: none; }
  figure, tr, .fault, .card, .alert { break-inside: avoid; }
  h2, p.keyline { break-after: avoid; }  /* a heading and the charts' key stay with the first chart */
  @page { size: A4; margin: 12mm; }
  main.chapter { break-before: page; }  /* a bound document's chapters (segments) each start a page */
  body { font-size: 9.5pt; line-height: 1.35; }
  header h1 { font-size: 20pt; }
  h2 { font-size: 12.5pt; margin: 12px 0 6px; }
  th, td { padding: 3px 7px; }
  td.thumb img { height: 13mm; }
  td.thumb { padding: 1px 4px; }
  .cards { grid-template-columns: repeat(6, 1fr); gap: 6px; }
  .card { padding: 6px 9px; }
  .card .value { font-size: 16pt; }
  .card .value .dose { font-size: 10pt; }
  figure { padding: 4px 6px; margin-bottom: 8px; }
  svg .tick { font-size: 13px; }
  svg .thlabel, svg .replabel { font-size: 13px; }
  .fault { padding: 6px 10px; margin-bottom: 6px; }
  section.trend { break-inside: avoid; }
  p.comparison { font-size: 10.5pt; margin-bottom: 4px; }
  table.trend tr.current td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .tag { font-size: 8pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
