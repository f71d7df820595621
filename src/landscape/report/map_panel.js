// The side panel of landscape's standalone map (landscape.report.standalone):
// the topic tree, the filters (a year histogram with a brush, a source list)
// and the list of the current selection with its CSV download. Corpus strings
// reach the document through textContent only.
function landscapePanel(app) {
  "use strict";
  var MAX_LISTED = app.listed;
  var n = app.n;
  var data = app.data;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // ------------------------------------------------------------------ topic tree
  var treeEl = document.getElementById("landscape-tree");
  var nodes = [];
  function papersOf(t) {
    var rows = app.levels[t.level], out = new Int32Array(t.size), m = 0;
    for (var k = 0; k < n; k++) { if (rows[k] === t.row) { out[m++] = k; } }
    return out.subarray(0, m);
  }
  function toggle(t) {
    var h = app.highlight;
    if (h && h.kind === "topic" && h.row === t.row) {
      app.setHighlight(null);
    } else {
      app.setHighlight({ kind: "topic", name: t.label, row: t.row, docs: papersOf(t) });
    }
  }
  function node(t) {
    var li = el("li", "tree-item");
    li.setAttribute("role", "treeitem");
    li.dataset.row = String(t.row);
    li.dataset.level = String(t.level);
    var row = el("div", "tree-row");
    var twist = el("button", "twist");
    twist.type = "button";
    var name = el("button", "topic-name", t.label);
    name.type = "button";
    name.dataset.row = String(t.row);
    name.title = "Highlight on the map (click again to clear)";
    var swatch = el("span", "swatch");
    swatch.style.background = t.color;
    var size = el("span", "size", app.fmt(t.size));
    row.append(twist, swatch, name, size);
    li.appendChild(row);
    nodes[t.row] = { li: li, size: size, name: name };
    if (t.children.length) {
      var group = el("ul", "tree-group");
      group.setAttribute("role", "group");
      group.hidden = true;
      twist.textContent = "\u25b8";
      twist.setAttribute("aria-expanded", "false");
      twist.setAttribute("aria-label", "Show topics");
      twist.addEventListener("click", function () {
        var open = group.hidden;
        group.hidden = !open;
        twist.textContent = open ? "\u25be" : "\u25b8";
        twist.setAttribute("aria-expanded", open ? "true" : "false");
      });
      t.children.forEach(function (r) { group.appendChild(node(app.topics[r])); });
      li.appendChild(group);
    } else {
      twist.disabled = true;
      twist.setAttribute("aria-hidden", "true");
    }
    name.addEventListener("click", function () { toggle(t); });
    name.addEventListener("mouseenter", function () { app.labels.outline(t.row); });
    name.addEventListener("mouseleave", function () { app.labels.outline(null); });
    name.addEventListener("focus", function () { app.labels.outline(t.row); });
    name.addEventListener("blur", function () { app.labels.outline(null); });
    return li;
  }
  app.topics.forEach(function (t) {
    if (t.parent < 0) { treeEl.appendChild(node(t)); }
  });
  function treeCounts() {
    app.topics.forEach(function (t) {
      var shown = app.counts[t.row];
      nodes[t.row].size.textContent =
        shown === t.size ? app.fmt(t.size) : app.fmt(shown) + " / " + app.fmt(t.size);
      nodes[t.row].li.classList.toggle("empty", shown === 0);
    });
  }
  function treeActive(h) {
    app.topics.forEach(function (t) {
      var on = !!(h && h.kind === "topic" && h.row === t.row);
      nodes[t.row].li.classList.toggle("active", on);
      nodes[t.row].name.setAttribute("aria-pressed", on ? "true" : "false");
    });
    treeEl.classList.toggle("has-active", !!(h && h.kind === "topic"));
  }

  // ------------------------------------------------------------------ filters
  var combos = data.source_combos;
  function sourceOk() {
    var allowed = app.filters.sources;
    if (!allowed) { return null; }
    return combos.map(function (c) {
      return c.some(function (s) { return allowed[s]; }) ? 1 : 0;
    });
  }
  function applyFilters() {
    var yr = app.filters.years, ok = sourceOk(), year = app.year;
    for (var k = 0; k < n; k++) {
      var pass = !ok || ok[app.source[k]];
      if (pass && yr) { pass = year[k] >= yr[0] && year[k] <= yr[1]; }
      app.keep[k] = pass ? 1 : 0;
    }
    app.refresh();
    drawFilters();
  }

  // Years: a histogram (papers per year that pass the source filter) with a brush.
  var years = document.getElementById("filter-years");
  var hist = document.getElementById("year-histogram");
  var fromEl = document.getElementById("year-from"), toEl = document.getElementById("year-to");
  var yMin = Infinity, yMax = -Infinity;
  if (app.year) {
    for (var k = 0; k < n; k++) {
      var yv = app.year[k];
      if (yv) { yMin = Math.min(yMin, yv); yMax = Math.max(yMax, yv); }
    }
  }
  var hasYears = yMax >= yMin;
  years.hidden = !hasYears;
  document.getElementById("no-years").hidden = hasYears;
  var W = 320, H = 84, BASE = 70;
  var SVG = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    return e;
  }
  function xOf(y) { return ((y - yMin) / (yMax - yMin + 1)) * W; }
  function yearAt(ev) {
    var box = hist.getBoundingClientRect();
    var f = Math.min(Math.max((ev.clientX - box.left) / box.width, 0), 0.9999);
    return yMin + Math.floor(f * (yMax - yMin + 1));
  }
  var brush = null; // [from, to] while dragging
  function drawYears() {
    if (!hasYears) { return; }
    var ok = sourceOk(), counts = new Int32Array(yMax - yMin + 1), unknown = 0;
    for (var k = 0; k < n; k++) {
      if (ok && !ok[app.source[k]]) { continue; }
      if (app.year[k]) { counts[app.year[k] - yMin]++; } else { unknown++; }
    }
    var top = Math.max.apply(null, counts) || 1;
    var range = brush || app.filters.years;
    hist.replaceChildren();
    var bw = W / counts.length;
    for (var i = 0; i < counts.length; i++) {
      var h = (counts[i] / top) * (BASE - 4);
      var inRange = !range || (yMin + i >= range[0] && yMin + i <= range[1]);
      hist.appendChild(svgEl("rect", { x: (i * bw + 0.5).toFixed(2), y: (BASE - h).toFixed(2),
        width: Math.max(bw - 1, 0.5).toFixed(2), height: h.toFixed(2),
        class: inRange ? "bar" : "bar out" }));
    }
    if (range) {
      hist.appendChild(svgEl("rect", { x: xOf(range[0]).toFixed(2), y: 0,
        width: (xOf(range[1] + 1) - xOf(range[0])).toFixed(2), height: BASE, class: "brush" }));
    }
    var lo = svgEl("text", { x: 0, y: H - 2, class: "axis" });
    lo.textContent = String(yMin);
    var hi = svgEl("text", { x: W, y: H - 2, class: "axis", "text-anchor": "end" });
    hi.textContent = String(yMax);
    hist.append(lo, hi);
    var yr = app.filters.years;
    document.getElementById("year-summary").textContent = yr
      ? "Years " + yr[0] + "\u2013" + yr[1] + (unknown ? " (" + app.fmt(unknown) +
        " papers without a year are hidden)" : "")
      : "All years" + (unknown ? " (" + app.fmt(unknown) + " papers without a year)" : "");
    fromEl.value = yr ? yr[0] : "";
    toEl.value = yr ? yr[1] : "";
  }
  function setYears(lo, hi) {
    if (lo === null) {
      app.filters.years = null;
    } else {
      lo = Math.max(yMin, Math.min(lo, hi)); hi = Math.min(yMax, Math.max(lo, hi));
      app.filters.years = lo <= yMin && hi >= yMax ? null : [lo, hi];
    }
    applyFilters();
  }
  if (hasYears) {
    hist.setAttribute("viewBox", "0 0 " + W + " " + H);
    fromEl.min = toEl.min = String(yMin);
    fromEl.max = toEl.max = String(yMax);
    fromEl.placeholder = String(yMin);
    toEl.placeholder = String(yMax);
    var start = null;
    hist.addEventListener("pointerdown", function (ev) {
      start = yearAt(ev);
      brush = [start, start];
      hist.setPointerCapture(ev.pointerId);
      drawYears();
    });
    hist.addEventListener("pointermove", function (ev) {
      if (start === null) { return; }
      var y = yearAt(ev);
      brush = [Math.min(start, y), Math.max(start, y)];
      drawYears();
    });
    hist.addEventListener("pointerup", function () {
      if (start === null) { return; }
      var range = brush;
      start = null;
      brush = null;
      setYears(range[0], range[1]);
    });
    var onInput = function () {
      var lo = fromEl.value ? Number(fromEl.value) : yMin;
      var hi = toEl.value ? Number(toEl.value) : yMax;
      if (isFinite(lo) && isFinite(hi)) { setYears(lo, hi); }
    };
    fromEl.addEventListener("change", onInput);
    toEl.addEventListener("change", onInput);
    document.getElementById("year-clear").addEventListener("click", function () { setYears(null); });
  }

  // Sources: one checkbox per source name, with the papers that pass the year filter.
  var sourceBox = document.getElementById("filter-sources");
  var sourceList = document.getElementById("source-list");
  var boxes = [];
  sourceBox.hidden = data.sources.length < 2;
  data.sources.forEach(function (name, s) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.source = String(s);
    var count = el("span", "size");
    label.append(box, el("span", "source-name", name), count);
    li.appendChild(label);
    sourceList.appendChild(li);
    boxes.push({ box: box, count: count });
    box.addEventListener("change", setSources);
  });
  function setSources() {
    var allowed = boxes.map(function (b) { return b.box.checked; });
    app.filters.sources = allowed.every(Boolean) ? null : allowed;
    applyFilters();
  }
  function checkAll(on) {
    boxes.forEach(function (b) { b.box.checked = on; });
    setSources();
  }
  document.getElementById("sources-all").addEventListener("click", function () { checkAll(true); });
  document.getElementById("sources-none").addEventListener("click", function () { checkAll(false); });
  function drawSources() {
    var counts = new Int32Array(data.sources.length), yr = app.filters.years;
    for (var k = 0; k < n; k++) {
      if (yr && !(app.year[k] >= yr[0] && app.year[k] <= yr[1])) { continue; }
      var c = combos[app.source[k]];
      for (var i = 0; i < c.length; i++) { counts[c[i]]++; }
    }
    boxes.forEach(function (b, s) { b.count.textContent = app.fmt(counts[s]); });
  }
  function drawFilters() {
    drawYears();
    drawSources();
    document.getElementById("filter-count").textContent = app.nShown === n
      ? "All " + app.fmt(n) + " papers shown"
      : app.fmt(app.nShown) + " of " + app.fmt(n) + " papers shown";
  }

  // ------------------------------------------------------------------ selection
  var heading = document.getElementById("results-heading");
  var list = document.getElementById("landscape-results");
  var note = document.getElementById("selection-count");
  var csvButton = document.getElementById("selection-csv");
  function visible(docs) {
    var out = [];
    for (var i = 0; i < docs.length; i++) { if (app.keep[docs[i]]) { out.push(docs[i]); } }
    return out;
  }
  // The list: its titles come from the compressed texts (a promise); aria-busy
  // until they are in, and a newer list replaces an older one still on its way.
  var listToken = 0;
  function renderSelection(h) {
    var token = ++listToken;
    list.replaceChildren();
    csvButton.disabled = !h;
    heading.hidden = !h;
    if (!h) {
      list.removeAttribute("aria-busy");
      note.textContent = "Select papers on the map with the box or lasso tool (top right), " +
        "search, or click a topic.";
      return Promise.resolve();
    }
    heading.textContent = h.name;
    var docs = visible(h.docs);
    note.textContent = app.fmt(docs.length) + (docs.length === 1 ? " paper" : " papers");
    var listed = docs.slice(0, MAX_LISTED);
    list.setAttribute("aria-busy", "true");
    return app.titles(listed).then(function (titles) {
      if (token !== listToken) { return; }
      listed.forEach(function (k, i) {
        var li = el("li");
        var button = el("button", "paper-link", titles[i] || "(no title)");
        button.type = "button";
        button.dataset.index = String(k);
        var meta = [app.year && app.year[k] ? String(app.year[k]) : "", app.topicName(k)];
        li.append(button, el("span", "meta", meta.filter(Boolean).join(" \u00b7 ")));
        list.appendChild(li);
      });
      if (docs.length > MAX_LISTED) {
        list.appendChild(el("li", "more",
          "\u2026 and " + app.fmt(docs.length - MAX_LISTED) + " more (all of them in the CSV)"));
      }
      list.removeAttribute("aria-busy");
    });
  }
  list.addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-index]");
    if (button) { app.showPaper(Number(button.dataset.index)); }
  });

  // CSV of the selection: cells quoted, and a leading = + - @ defused for spreadsheets.
  function cell(value) {
    var text = String(value === undefined || value === null ? "" : value);
    if (/^[=+\-@\t\r]/.test(text)) { text = "'" + text; }
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  // The CSV text of papers docs (a promise: ids and titles come from the compressed texts).
  function csv(docs) {
    return Promise.all([app.docIds(docs), app.titles(docs)]).then(function (found) {
      var lines = [["doc_id", "title", "year", "topic", "theme", "sources"].join(",")];
      docs.forEach(function (k, i) {
        var theme = app.topicOf(k, 0);
        lines.push([found[0][i], found[1][i],
          app.year && app.year[k] ? app.year[k] : "", app.topicName(k),
          theme ? theme.label : "", app.sourceNames(k).join("; ")].map(cell).join(","));
      });
      return "\ufeff" + lines.join("\r\n") + "\r\n";
    });
  }
  csvButton.addEventListener("click", function () {
    if (!app.highlight) { return; }
    csvButton.disabled = true;
    csv(visible(app.highlight.docs)).then(function (text) {
      csvButton.disabled = !app.highlight;
      var blob = new Blob([text], { type: "text/csv;charset=utf-8" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "landscape-selection.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    });
  });

  app.on("highlight", function (h) { treeActive(h); renderSelection(h); });
  app.on("filter", function () { treeCounts(); renderSelection(app.highlight); });
  drawFilters();
  renderSelection(null);
  return { csv: csv, setYears: setYears, applyFilters: applyFilters };
}
