// Page script of landscape's standalone map (landscape.report.standalone).
// Corpus strings reach the document through textContent only.
(function () {
  "use strict";
  var DIM = 0.06;
  var MAX_RESULTS = 50;
  var HOVER_WIDTH = 100;
  var HOVER_ABSTRACT = 200;
  var gd = document.getElementById("landscape-map");
  var fig = JSON.parse(document.getElementById("landscape-map-figure").textContent);
  var data = JSON.parse(document.getElementById("landscape-data").textContent);
  var config = JSON.parse(document.getElementById("landscape-config").textContent);
  var input = document.getElementById("landscape-search");
  var countEl = document.getElementById("landscape-count");
  var results = document.getElementById("landscape-results");
  var resultsHeading = document.getElementById("results-heading");
  var total = data.doc_id.length;
  var offsets = [];
  var start = 0;
  data.counts.forEach(function (c) { offsets.push(start); start += c; });
  // Lower-cased search text, one plain string per paper.
  var haystack = new Array(total);
  for (var i = 0; i < total; i++) {
    haystack[i] = (data.title[i] + "\n" + data.abstract[i]).toLowerCase();
  }
  // plotly.py writes numeric arrays as base64 specs; decode x and y to typed
  // arrays so gd.data[i].x.length is the point count.
  var TYPES = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u4: Uint32Array,
    i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array };
  function decode(spec) {
    if (!spec || typeof spec.bdata !== "string" || !TYPES[spec.dtype] || spec.shape) {
      return spec;
    }
    var raw = atob(spec.bdata);
    var bytes = new Uint8Array(raw.length);
    for (var b = 0; b < raw.length; b++) { bytes[b] = raw.charCodeAt(b); }
    return new TYPES[spec.dtype](bytes.buffer);
  }
  // Hover text, as landscape.maps.document_map writes it: escaped for plotly
  // (entities for & < > " ' % { }), cut at a word boundary and wrapped with <br>.
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;",
    "%": "&#37;", "{": "&#123;", "}": "&#125;" };
  function escapeText(text) {
    return String(text).replace(/[&<>"'%{}]/g, function (c) { return ENTITIES[c]; });
  }
  function cut(text, limit) {
    if (text.length <= limit) { return text; }
    var head = text.slice(0, limit);
    var space = head.lastIndexOf(" ");
    if (space >= limit * 0.6) { head = head.slice(0, space); }
    return head.replace(/[ ,;:.\-\u00b7]+$/, "") + "\u2026";
  }
  function wrap(text, width) {
    var lines = [];
    while (text.length > width) {
      var at = text.lastIndexOf(" ", width);
      if (at <= 0) { at = text.indexOf(" ", width); }
      if (at === -1) { break; }
      lines.push(text.slice(0, at));
      text = text.slice(at + 1);
    }
    lines.push(text);
    return lines.map(escapeText).join("<br>");
  }
  function sourceText(names) {
    var shown = names.slice(0, 3).join(", ");
    if (names.length > 3) { shown += " +" + (names.length - 3) + " more"; }
    return escapeText(shown);
  }
  var sourceHover = data.sources.map(sourceText);
  fig.data.forEach(function (trace, t) {
    trace.x = decode(trace.x);
    trace.y = decode(trace.y);
    trace.unselected = { marker: { opacity: DIM } };
    var custom = new Array(data.counts[t]);
    for (var j = 0; j < custom.length; j++) {
      var k = offsets[t] + j;
      custom[j] = [
        escapeText(data.doc_id[k]),
        wrap(cut(data.title[k], 300), HOVER_WIDTH) || "(no title)",
        sourceHover[data.source[k]],
        wrap(cut(data.abstract[k], HOVER_ABSTRACT), HOVER_WIDTH),
      ];
    }
    trace.customdata = custom;
  });
  window.landscapeReady = false;
  gd.addEventListener("landscape-ready", function () { window.landscapeReady = true; });

  function fmt(n) { return n.toLocaleString("en-US"); }

  function setText(id, text) { document.getElementById(id).textContent = text; }

  function showPaper(k) {
    var hint = document.querySelector("#landscape-panel .hint");
    if (hint) { hint.hidden = true; }
    setText("panel-title", data.title[k] || "(no title)");
    setText("panel-topic", "Topic: " + data.labels[data.label[k]]);
    var src = data.sources[data.source[k]].join(", ");
    setText("panel-sources", src ? "Sources: " + src : "");
    var abs = data.abstract[k] || "(no abstract)";
    if (data.abstract_cap && abs.length >= data.abstract_cap) {
      abs += "\n\n(abstract shortened to keep this page small)";
    }
    setText("panel-abstract", abs);
    document.getElementById("landscape-panel").dataset.docId = data.doc_id[k];
  }

  function traceOf(k) {
    for (var t = offsets.length - 1; t >= 0; t--) {
      if (k >= offsets[t]) { return t; }
    }
    return 0;
  }

  function listResults(matches) {
    results.replaceChildren();
    resultsHeading.hidden = matches === null;
    if (matches === null) { return; }
    matches.slice(0, MAX_RESULTS).forEach(function (k) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = data.title[k] || "(no title)";
      button.dataset.index = String(k);
      li.appendChild(button);
      results.appendChild(li);
    });
    if (matches.length > MAX_RESULTS) {
      var more = document.createElement("li");
      more.textContent = "… and " + fmt(matches.length - MAX_RESULTS) + " more";
      results.appendChild(more);
    }
  }

  results.addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-index]");
    if (button) { showPaper(Number(button.dataset.index)); }
  });

  // Papers chosen before the page opened (landscape search --highlight).
  function showPreset(preset) {
    var selected = data.counts.map(function () { return []; });
    preset.index.forEach(function (k) {
      var t = traceOf(k);
      selected[t].push(k - offsets[t]);
    });
    var traces = data.counts.map(function (_, t) { return t; });
    countEl.textContent = fmt(preset.index.length) + " of " + fmt(total) + " papers highlighted";
    listResults(preset.index);
    resultsHeading.textContent = preset.name;
    Plotly.restyle(gd, { selectedpoints: selected }, traces);
  }

  function search(query) {
    resultsHeading.textContent = "Matching papers";
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var traces = data.counts.map(function (_, t) { return t; });
    if (!words.length) {
      countEl.textContent = fmt(total) + " papers";
      listResults(null);
      Plotly.restyle(gd, { selectedpoints: traces.map(function () { return null; }) }, traces);
      return;
    }
    var selected = data.counts.map(function () { return []; });
    var matches = [];
    var t = 0;
    for (var k = 0; k < total; k++) {
      while (t + 1 < offsets.length && k >= offsets[t + 1]) { t++; }
      var text = haystack[k];
      var ok = true;
      for (var w = 0; w < words.length; w++) {
        if (text.indexOf(words[w]) === -1) { ok = false; break; }
      }
      if (ok) { selected[t].push(k - offsets[t]); matches.push(k); }
    }
    countEl.textContent = fmt(matches.length) + " of " + fmt(total) + " papers match";
    listResults(matches);
    Plotly.restyle(gd, { selectedpoints: selected }, traces);
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, total > 20000 ? 250 : 120);
  });

  window.landscapeAfterplots = 0;
  Plotly.newPlot(gd, fig.data, fig.layout, config).then(function () {
    // newPlot resolves once the first frame is drawn (after plotly_afterplot).
    window.landscapeRenderMs = performance.now();
    gd.on("plotly_afterplot", function () { window.landscapeAfterplots += 1; });
    gd.on("plotly_click", function (ev) {
      if (!ev || !ev.points || !ev.points.length) { return; }
      var p = ev.points[0];
      showPaper(offsets[p.curveNumber] + p.pointNumber);
    });
    if (data.preset) { showPreset(data.preset); }
    gd.dispatchEvent(new CustomEvent("landscape-ready"));
  });
  window.landscape = { search: search, showPreset: showPreset, showPaper: showPaper, traceOf: traceOf, data: data };
})();
