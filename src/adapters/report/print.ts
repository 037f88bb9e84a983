// How the HTML report prints (a browser's Print, and `--format pdf`, which is Chromium
// printing it): the paper (A4 or Letter), the summary pages upright and the pages with
// wide tables in landscape (a named page), page numbers in the bottom margin ("Page 3 of
// 12": CSS margin boxes, which Chromium 131 and later draw), table headers repeated on
// every page, rows never split across pages.

export const PAPERS = ["a4", "letter"] as const;
export type Paper = (typeof PAPERS)[number];

/** A CSS string literal of any text. */
function cssString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f\u2028\u2029]/g, " ")}"`;
}

export function printCss(paper: Paper, footer: string): string {
  const size = paper === "letter" ? "letter" : "A4";
  const box = `font:7.5pt system-ui,sans-serif;color:#57606a`;
  return `
@page{size:${size} portrait;margin:12mm 11mm 14mm 11mm;
  @bottom-left{content:${cssString(footer)};${box};overflow:hidden}
  @bottom-right{content:"Page " counter(page) " of " counter(pages);${box}}}
@page wide{size:${size} landscape}
#violations,#errors,#disclosures,#warnings,#files{page:wide}
@media print{
  /* A gutter of blank paper before the right margin: a page that is cut off (content clipped at the margin) inks it. */
  body{padding:0 2.5mm 0 0;max-width:none;font-size:8.5pt}
  nav,#filter,noscript{display:none!important}
  a{color:inherit;text-decoration:none}
  thead{display:table-header-group}
  tfoot{display:table-footer-group}
  thead th{position:static}
  tr,img.thumb,.nopic,dl.meta div,#plain li{break-inside:avoid}
  h2,h3,p.intro{break-after:avoid}
  #violations table,#errors table,#disclosures table,#warnings table,#files table{font-size:7.5pt}
  td.h code,code.h{display:inline;max-width:none;white-space:normal;word-break:break-all;overflow:visible}
  td.h{min-width:17ch}
  img.thumb{max-width:22mm;height:auto}
  .nopic{width:22mm}
  #signoff{break-inside:avoid}
  .verdict,.f,.cc,.verdict .tag,#files-table td,.nopic{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;
}
