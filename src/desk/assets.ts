// The desk's stylesheet and script, served as files (/desk.css, /desk.js): the pages carry
// no inline script or style, so the Content-Security-Policy can forbid both.

export const CSS = `*,*::before,*::after{box-sizing:border-box}
html{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;background:#f3f4f6}
body{margin:0}
header{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#1f2937;color:#fff;flex-wrap:wrap}
header .brand{font-weight:700;letter-spacing:.02em}
header nav{display:flex;gap:4px;flex:1;flex-wrap:wrap}
header nav a{color:#e5e7eb;text-decoration:none;padding:6px 12px;border-radius:6px}
header nav a[aria-current=page]{background:#374151;color:#fff}
header .who{display:flex;align-items:center;gap:8px}
header .role{font-size:12px;background:#374151;border-radius:10px;padding:1px 8px}
header button{background:transparent;color:#e5e7eb;border:1px solid #6b7280}
main{max-width:1200px;margin:0 auto;padding:16px 24px;display:flex;flex-direction:column;gap:16px}
main.login{max-width:420px;margin-top:10vh}
.panel{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 20px;min-width:0}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:16px 0 8px}h3{font-size:15px}
table{width:100%;border-collapse:collapse;table-layout:fixed}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef0f2;vertical-align:top;overflow-wrap:anywhere}
th{font-size:13px;color:#4b5563}
.path,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;overflow-wrap:anywhere}
.counts{display:flex;gap:12px;list-style:none;padding:0;flex-wrap:wrap}
.notify{list-style:none;padding:0;margin:0;overflow-wrap:anywhere}.notify li{padding:4px 0}.notify li.failed{color:#b91c1c;font-weight:600}
.counts li{background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;padding:6px 12px}
.recent-list,.cards,.evidence{list-style:none;padding:0;margin:0}
.recent{padding:8px 0;border-bottom:1px solid #eef0f2}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.card{display:flex;gap:12px;border:1px solid #e5e7eb;border-radius:6px;padding:10px;min-width:0}
.card>div{min-width:0}
.thumb{width:128px;height:128px;object-fit:contain;background:#e5e7eb;border-radius:4px;flex:none}
.thumb.big{width:256px;height:256px}.thumb.small{width:64px;height:64px}
.tag{font-size:12px;border-radius:10px;padding:1px 8px;background:#e5e7eb}
.tag.blocked{background:#fee2e2;color:#991b1b}.tag.held{background:#fef3c7;color:#92400e}
.why{color:#374151}.time,.hint{color:#6b7280;font-size:13px}
.entry{display:flex;gap:20px;flex-wrap:wrap}.entry dl{flex:1;min-width:280px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}dt{color:#6b7280}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.evidence li{padding:4px 0;border-bottom:1px solid #f3f4f6;overflow-wrap:anywhere}
.pair{display:flex;gap:20px;align-items:flex-start;flex-wrap:wrap}.pair figure{margin:0}.pair img{width:256px;height:256px;object-fit:contain;background:#e5e7eb}
.pair .distance{flex-basis:100%}.pair+.pair{margin-top:12px}
.thumb.missing{display:flex;align-items:center;justify-content:center;color:#6b7280;font-size:13px}
form.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px 16px;align-items:end}
form.row{display:flex;gap:12px;align-items:end;flex-wrap:wrap;margin-top:12px}
form.inline{display:inline}
label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#374151;min-width:0}
label.check{flex-direction:row;align-items:center}
fieldset{border:1px solid #e5e7eb;border-radius:6px;display:flex;gap:10px;flex-wrap:wrap}
input,select,textarea,button{font:inherit;max-width:100%}
input,select,textarea{border:1px solid #d1d5db;border-radius:6px;padding:5px 8px}
button{border:1px solid #2563eb;background:#2563eb;color:#fff;border-radius:6px;padding:6px 14px;cursor:pointer}
button[disabled]{opacity:.5;cursor:not-allowed}
#release-form{margin-top:12px}
.drop{border:2px dashed #9ca3af;border-radius:8px;padding:32px;text-align:center;font-size:15px}
.drop.over{border-color:#2563eb;background:#eff6ff}
.notice{padding:8px 12px;border-radius:6px;margin:0}.notice.ok{background:#dcfce7}.notice.error{background:#fee2e2}
.verdict.ok{color:#166534}.verdict.bad{color:#991b1b}
tr.flagged td:first-child{color:#991b1b;font-weight:600}
col.w-when{width:15%}col.w-mode{width:7%}col.w-files{width:7%}col.w-formats{width:14%}
col.w-report{width:22%}col.w-size{width:10%}col.w-sha{width:14%}col.w-state{width:22%}
td.state.ok{color:#166534}td.state.bad{color:#991b1b;font-weight:600}
col.w-flag{width:12%}col.w-track{width:6%}col.w-ev{width:6%}col.w-rec{width:16%}col.w-thumb{width:80px}
`;

export const JS = `"use strict";
(function () {
  var live = document.getElementById("now-live");
  if (live && window.EventSource) {
    var es = new EventSource(live.getAttribute("data-live"));
    es.onmessage = function (e) {
      var d = JSON.parse(e.data);
      if (typeof d.html === "string") live.innerHTML = d.html;
    };
  }
  var zones = document.querySelectorAll(".drop");
  Array.prototype.forEach.call(zones, function (zone) {
    var input = zone.querySelector("input[type=file]");
    var form = zone.closest("form");
    var go = function () { if (zone.getAttribute("data-autosubmit") && input.files && input.files.length) form.submit(); };
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) { e.preventDefault(); zone.classList.remove("over"); input.files = e.dataTransfer.files; go(); });
    input.addEventListener("change", go);
  });
})();
`;
