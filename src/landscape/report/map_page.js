// Page script of landscape's standalone map (landscape.report.standalone): the
// plot, hover, click-to-read, search, filters and highlights. map_labels.js
// (names on the map, outlines) and map_panel.js (topic tree, filters, the
// selection list) come first in the same script and share the `app` object.
// Corpus strings reach the document through textContent only.
(function () {
  "use strict";
  var DIM = 0.07;
  var HOVER_ABSTRACT = 200;
  var data = JSON.parse(document.getElementById("landscape-data").textContent);
  var config = JSON.parse(document.getElementById("landscape-config").textContent);
  var gd = document.getElementById("landscape-map");
  var stage = document.getElementById("landscape-stage");
  var input = document.getElementById("landscape-search");
  var countEl = document.getElementById("landscape-count");
  var hoverEl = document.getElementById("landscape-hover");
  var n = data.n;
  window.landscapeReady = false;
  window.landscapeAfterplots = 0;

  // ------------------------------------------------------------------ decoding
  var TYPES = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u4: Uint32Array,
    i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array };
  function bytesOf(b64) {
    if (Uint8Array.fromBase64) { return Uint8Array.fromBase64(b64); }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function decode(spec) { return new TYPES[spec.dtype](bytesOf(spec.bdata).buffer); }
  // gzip + base64 text (plotly.js and the papers' texts), inflated by the browser.
  function inflate(b64) {
    var stream = new Blob([bytesOf(b64)]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  var cols = data.columns;
  var app = {
    gd: gd, stage: stage, data: data, n: n, dim: DIM,
    x: decode(cols.x), y: decode(cols.y), color: decode(cols.color),
    levels: cols.levels.map(decode),
    year: cols.year ? decode(cols.year) : null,
    source: decode(cols.source),
    topics: data.topics.map(function (t, i) {
      return { row: i, id: t[0], level: t[1], parent: t[2], label: t[3], size: t[4],
        color: t[5], hull: t[6], children: [] };
    }),
    topicLevel: data.topic_level,
    texts: null,
    keep: new Uint8Array(n).fill(1),   // passes the filters
    shown: null,                       // papers that pass the filters, trace by trace
    pos: new Int32Array(n),            // paper -> index in shown (-1: filtered out)
    nShown: n,
    highlight: null,                   // {kind, name, docs}
    filters: { years: null, sources: null },
    listeners: {},
  };
  app.topics.forEach(function (t) {
    if (t.parent >= 0) { app.topics[t.parent].children.push(t.row); }
  });
  app.on = function (name, fn) { (app.listeners[name] = app.listeners[name] || []).push(fn); };
  app.emit = function (name, arg) { (app.listeners[name] || []).forEach(function (fn) { fn(arg); }); };
  app.fmt = function (k) { return k.toLocaleString("en-US"); };
  app.topicOf = function (k, level) {
    var lv = level === undefined ? app.topicLevel : level;
    var row = app.levels[Math.min(lv, app.levels.length - 1)][k];
    return row >= 0 ? app.topics[row] : null;
  };
  app.topicName = function (k) {
    for (var lv = app.topicLevel; lv >= 0; lv--) {
      var t = app.topicOf(k, lv);
      if (t) { return t.label; }
    }
    return "Outliers";
  };
  app.sourceNames = function (k) {
    return data.source_combos[app.source[k]].map(function (s) { return data.sources[s]; });
  };

  // ------------------------------------------------------------------ text helpers
  function cut(text, limit) {
    if (text.length <= limit) { return text; }
    var head = text.slice(0, limit);
    var space = head.lastIndexOf(" ");
    if (space >= limit * 0.6) { head = head.slice(0, space); }
    return head.replace(/[ ,;:.\-\u00b7]+$/, "") + "\u2026";
  }
  app.cut = cut;
  function setText(id, text) { document.getElementById(id).textContent = text; }
  function sourceLine(k) {
    var names = app.sourceNames(k);
    var shown = names.slice(0, 3).join(", ");
    if (names.length > 3) { shown += " +" + (names.length - 3) + " more"; }
    return shown;
  }

  // ------------------------------------------------------------------ tabs
  var tabs = Array.prototype.slice.call(document.querySelectorAll("#landscape-tabs [role=tab]"));
  app.showTab = function (name) {
    tabs.forEach(function (tab) {
      var on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      document.getElementById("tab-" + tab.dataset.tab).hidden = !on;
    });
    app.activeTab = name;
  };
  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () { app.showTab(tab.dataset.tab); });
  });

  // ------------------------------------------------------------------ the paper
  var pinned = false;
  function showPaper(k, pin) {
    if (pin !== false) { pinned = true; }
    document.querySelector("#tab-paper .hint").hidden = true;
    setText("panel-title", app.texts.title[k] || "(no title)");
    var theme = app.topicOf(k, 0);
    var topic = app.topicName(k);
    var where = theme && theme.label !== topic ? theme.label + " \u203a " + topic : topic;
    setText("panel-topic", "Topic: " + where);
    var src = app.sourceNames(k).join(", ");
    setText("panel-sources", src ? "Sources: " + src : "");
    setText("panel-year", app.year && app.year[k] ? "Year: " + app.year[k] : "");
    var abs = app.texts.abstract[k];
    if (data.abstract_cap === 0) {
      abs = "(abstracts are left out of this large map to keep the page small)";
    } else if (!abs) {
      abs = "(no abstract)";
    } else if (data.abstract_cap && abs.length >= data.abstract_cap) {
      abs += "\n\n(abstract shortened to keep this page small)";
    }
    setText("panel-abstract", abs);
    document.getElementById("landscape-panel").dataset.docId = app.texts.doc_id[k];
    if (pin !== false) { app.showTab("paper"); }
  }
  app.showPaper = showPaper;

  // ------------------------------------------------------------------ hover
  function hideHover() { hoverEl.hidden = true; }
  function showHover(k, ev) {
    hoverEl.replaceChildren();
    var parts = [
      ["b", cut(app.texts.title[k], 300) || "(no title)"],
      ["i", "Topic: " + app.topicName(k)],
      ["span", sourceLine(k) ? "Source: " + sourceLine(k) : ""],
      ["span", cut(app.texts.abstract[k] || "", HOVER_ABSTRACT)],
    ];
    parts.forEach(function (p) {
      if (!p[1]) { return; }
      var el = document.createElement(p[0]);
      el.textContent = p[1];
      hoverEl.appendChild(el);
    });
    hoverEl.style.borderColor = app.data.colors[app.color[k]];
    hoverEl.hidden = false;
    var box = stage.getBoundingClientRect();
    var mx = (ev && ev.clientX !== undefined ? ev.clientX : box.left) - box.left;
    var my = (ev && ev.clientY !== undefined ? ev.clientY : box.top) - box.top;
    var w = hoverEl.offsetWidth, h = hoverEl.offsetHeight;
    var left = mx + 14 + w > box.width ? Math.max(0, mx - 14 - w) : mx + 14;
    var top = Math.min(Math.max(0, my - h / 2), Math.max(0, box.height - h));
    hoverEl.style.transform = "translate(" + left + "px," + top + "px)";
    if (!pinned && app.activeTab === "paper") { showPaper(k, false); }
  }

  // ------------------------------------------------------------------ filters and highlights
  // One trace per colour (papers come sorted by colour, outliers first): a trace
  // of one colour costs plotly nothing per point, a colour array a second per
  // 100,000 points on every draw.
  var nTraces = data.colors.length;
  var traceIds = data.colors.map(function (_, t) { return t; });
  // Each trace's arrays for the papers that pass the filters.
  function traceArrays() {
    var k, t, sizes = new Int32Array(nTraces), m = 0;
    for (k = 0; k < n; k++) { if (app.keep[k]) { sizes[app.color[k]]++; m++; } }
    var start = new Int32Array(nTraces + 1);
    for (t = 0; t < nTraces; t++) { start[t + 1] = start[t] + sizes[t]; }
    var shown = new Int32Array(m), fill = start.slice(0, nTraces);
    var xs = [], ys = [];
    for (t = 0; t < nTraces; t++) {
      xs.push(new Float32Array(sizes[t]));
      ys.push(new Float32Array(sizes[t]));
    }
    for (k = 0; k < n; k++) {
      if (app.keep[k]) {
        t = app.color[k];
        var j = fill[t]++;
        shown[j] = k;
        xs[t][j - start[t]] = app.x[k];
        ys[t][j - start[t]] = app.y[k];
        app.pos[k] = j;
      } else {
        app.pos[k] = -1;
      }
    }
    app.shown = shown;
    app.traceStart = start;
    app.nShown = m;
    // Papers of each topic that pass the filters (the tree and the names follow them).
    var counts = new Int32Array(app.topics.length);
    app.levels.forEach(function (rows) {
      for (var i = 0; i < m; i++) {
        var r = rows[shown[i]];
        if (r >= 0) { counts[r]++; }
      }
    });
    app.counts = counts;
    return { x: xs, y: ys };
  }
  // The paper of a point of a plotly event.
  app.paperOf = function (point) {
    return app.shown[app.traceStart[point.curveNumber] + point.pointIndex];
  };
  // Each trace's highlighted points (all null: nothing dimmed).
  function selectedPoints() {
    var out = traceIds.map(function () { return app.highlight ? [] : null; });
    if (!app.highlight) { return out; }
    var docs = app.highlight.docs;
    for (var i = 0; i < docs.length; i++) {
      var p = app.pos[docs[i]];
      if (p >= 0) {
        var t = app.color[docs[i]];
        out[t].push(p - app.traceStart[t]);
      }
    }
    return out;
  }
  app.selected = selectedPoints;
  app.visibleCount = function (docs) {
    var m = 0;
    for (var i = 0; i < docs.length; i++) { m += app.keep[docs[i]]; }
    return m;
  };
  function updateCount() {
    var total = app.nShown === n ? app.fmt(n) : app.fmt(app.nShown) + " of " + app.fmt(n);
    var h = app.highlight;
    if (!h) {
      countEl.textContent = total + " papers";
      return;
    }
    var m = app.visibleCount(h.docs);
    var of = app.fmt(m) + " of " + app.fmt(app.nShown) + " papers ";
    countEl.textContent = of + ({ search: "match", preset: "highlighted", selection: "selected" }[h.kind]
      || "in \u201c" + h.name + "\u201d");
  }
  app.updateCount = updateCount;
  // Dim every paper but the highlighted ones (null clears), then tell the panels.
  app.setHighlight = function (highlight) {
    app.highlight = highlight;
    if (!highlight || highlight.kind !== "selection") {
      // Remove the box or lasso of an earlier selection (plotly reports an empty one).
      if ((gd.layout.selections || []).length) {
        app.clearing = true;
        Plotly.relayout(gd, { selections: [] });
        app.clearing = false;
      }
    }
    Plotly.restyle(gd, { selectedpoints: selectedPoints() }, traceIds);
    updateCount();
    app.emit("highlight", highlight);
  };
  // Apply app.keep to the map: redraw the points, then counts, tree and labels.
  app.refresh = function () {
    var arrays = traceArrays();
    Plotly.restyle(gd, { x: arrays.x, y: arrays.y, selectedpoints: selectedPoints() }, traceIds);
    updateCount();
    app.emit("filter");
  };

  // ------------------------------------------------------------------ search
  var haystack = null;
  function search(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) {
      if (app.highlight && (app.highlight.kind === "search" || app.highlight.kind === "preset")) {
        app.setHighlight(null);
      } else {
        updateCount();
      }
      return;
    }
    if (!haystack) {
      haystack = new Array(n);
      for (var i = 0; i < n; i++) {
        haystack[i] = (app.texts.title[i] + "\n" + app.texts.abstract[i]).toLowerCase();
      }
    }
    var matches = [];
    for (var k = 0; k < n; k++) {
      if (!app.keep[k]) { continue; }
      var text = haystack[k], ok = true;
      for (var w = 0; w < words.length; w++) {
        if (text.indexOf(words[w]) === -1) { ok = false; break; }
      }
      if (ok) { matches.push(k); }
    }
    app.setHighlight({ kind: "search", name: "Matching papers", docs: matches });
    app.showTab("selection");
  }
  function showPreset(preset) {
    app.setHighlight({ kind: "preset", name: preset.name, docs: preset.index.slice() });
    app.showTab("selection");
  }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    if (!app.texts) { return; }
    timer = setTimeout(function () { search(input.value); }, n > 20000 ? 250 : 120);
  });

  // ------------------------------------------------------------------ start
  // Ranges that show every paper at one scale on both axes (units per pixel).
  function homeView() {
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (var k = 0; k < n; k++) {
      var px = app.x[k], py = app.y[k];
      if (px < x0) { x0 = px; } if (px > x1) { x1 = px; }
      if (py < y0) { y0 = py; } if (py > y1) { y1 = py; }
    }
    if (!(x1 >= x0)) { x0 = y0 = 0; x1 = y1 = 1; }
    var w = Math.max(gd.clientWidth, 1), h = Math.max(gd.clientHeight, 1);
    var scale = Math.max((x1 - x0) / w, (y1 - y0) / h, 1e-9) * 1.06;
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return { x: [cx - scale * w / 2, cx + scale * w / 2], y: [cy - scale * h / 2, cy + scale * h / 2] };
  }
  // After a resize, widen or narrow the y range so that both axes keep one scale.
  function keepAspect() {
    var fl = gd._fullLayout, xr = fl.xaxis.range, yr = fl.yaxis.range;
    var scale = (xr[1] - xr[0]) / Math.max(fl.xaxis._length, 1);
    var half = scale * fl.yaxis._length / 2, cy = (yr[0] + yr[1]) / 2;
    if (Math.abs((yr[1] - yr[0]) / 2 - half) > half * 1e-3) {
      Plotly.relayout(gd, { "yaxis.range": [cy - half, cy + half] });
    }
  }
  function markerSize() { return n < 2000 ? 7 : n < 20000 ? 5 : n < 200000 ? 3 : 2; }
  // Points grow as the view closes in (a restyle only when the zoom crosses a step).
  var GROW = [[27, 2.6], [9, 2], [3, 1.4], [0, 1]];
  var grown = 1;
  function growMarkers() {
    var r = gd._fullLayout.xaxis.range;
    var z = (app.home.x[1] - app.home.x[0]) / Math.abs(r[1] - r[0]);
    var f = GROW.filter(function (g) { return z >= g[0]; })[0][1];
    if (f === grown) { return; }
    grown = f;
    var size = markerSize() * f;
    Plotly.restyle(gd, { "marker.size": traceIds.map(function (t) { return t ? size : size * 0.8; }) },
      traceIds);
  }
  // First the map (and its names), then the texts: hover, search and the panel.
  function draw() {
    var arrays = traceArrays();
    var traces = data.colors.map(function (color, t) {
      return {
        type: "scattergl", mode: "markers", x: arrays.x[t], y: arrays.y[t], hoverinfo: "none",
        showlegend: false,
        marker: { size: t === 0 ? markerSize() * 0.8 : markerSize(), color: color,
          opacity: 0.85, line: { width: 0 } },
        selected: { marker: { opacity: 1 } },
        unselected: { marker: { opacity: DIM } },
      };
    });
    var layout = JSON.parse(JSON.stringify(config.layout));
    var view = homeView();
    layout.xaxis.range = view.x;
    layout.yaxis.range = view.y;
    performance.mark("landscape-newplot");
    return Plotly.newPlot(gd, traces, layout, config.plot).then(function () {
      performance.mark("landscape-plotted");
      var fl = gd._fullLayout;
      app.home = { x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice() };
      if (typeof landscapeLabels === "function") { app.labels = landscapeLabels(app); }
      document.getElementById("landscape-loading").hidden = true;
      performance.mark("landscape-drawn");
      window.landscapeRenderMs = performance.now();
      gd.on("plotly_afterplot", function () { window.landscapeAfterplots += 1; });
      gd.on("plotly_relayout", growMarkers);
      var resizing = null;
      window.addEventListener("resize", function () {
        clearTimeout(resizing);
        resizing = setTimeout(keepAspect, 250);
      });
    });
  }
  function ready(texts) {
    app.texts = JSON.parse(texts);
    gd.on("plotly_hover", function (ev) {
      if (ev && ev.points && ev.points.length) {
        showHover(app.paperOf(ev.points[0]), ev.event);
      }
    });
    gd.on("plotly_unhover", hideHover);
    gd.addEventListener("mouseleave", hideHover);
    gd.on("plotly_click", function (ev) {
      if (ev && ev.points && ev.points.length) {
        showPaper(app.paperOf(ev.points[0]));
      }
    });
    if (typeof landscapePanel === "function") { app.panel = landscapePanel(app); }
    if (data.preset) { showPreset(data.preset); }
    if (input.value) { search(input.value); }
    performance.mark("landscape-ready");
    window.landscapeReady = true;
    gd.dispatchEvent(new CustomEvent("landscape-ready"));
  }
  app.showTab("topics");
  performance.mark("landscape-start");
  inflate(document.getElementById("landscape-plotly").textContent).then(function (code) {
    performance.mark("landscape-inflated");
    (0, eval)(code); // plotly.js, shipped compressed; run as an inline script would run it
    performance.mark("landscape-plotly");
    return draw();
  }).then(function () {
    return inflate(data.texts);
  }).then(ready).catch(function (err) {
    document.getElementById("landscape-loading").textContent = "The map failed to load: " + err;
    throw err;
  });
  window.landscape = { app: app, search: search, showPreset: showPreset, showPaper: showPaper,
    data: data };
})();
