// Page script of landscape's standalone map (landscape.report.standalone): the
// plot, hover, click-to-read, search, filters and highlights. map_labels.js
// (names on the map, outlines) and map_panel.js (topic tree, filters, the
// selection list) come first in the same script and share the `app` object.
// Corpus strings reach the document through textContent only.
//
// Memory (a 1,000,000-paper page keeps about 120 MB): numbers are typed arrays;
// the texts stay compressed (blocks of raw deflate, map_data.packed_records) and
// are inflated a block at a time to show a paper, or streamed through to search;
// the data's base64 text is dropped once decoded; the points of a colour are a
// view of the shared coordinates (no copy) unless a filter hides some; a
// highlight is drawn as extra traces over the dimmed map, and box and lasso are
// the page's own: plotly's selectedpoints and select modes keep the pixel
// position of every point and the index of every unselected one in plain arrays.
(function () {
  "use strict";
  var DIM = 0.07;
  var OPACITY = 0.85;
  var HOVER_ABSTRACT = 200;
  var BLOCK_CACHE = 8;   // blocks kept inflated (of about 256 kB of text each)
  var MANY_BLOCKS = 24;  // past this many blocks, one pass over the whole stream
  var LISTED = 200;      // papers listed in the selection tab (map_panel.js)
  var dataEl = document.getElementById("landscape-data");
  var data = JSON.parse(dataEl.textContent);
  dataEl.textContent = ""; // the page's largest string: free it once parsed
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
  // gzip + base64 text (plotly.js), inflated by the browser.
  function inflate(b64) {
    var stream = new Blob([bytesOf(b64)]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  var cols = data.columns;
  var app = {
    gd: gd, stage: stage, data: data, n: n, dim: DIM, listed: LISTED,
    x: decode(cols.x), y: decode(cols.y), color: decode(cols.color),
    levels: cols.levels.map(decode),
    year: cols.year ? decode(cols.year) : null,
    source: decode(cols.source),
    topics: data.topics.map(function (t, i) {
      return { row: i, id: t[0], level: t[1], parent: t[2], label: t[3], size: t[4],
        color: t[5], hull: t[6], children: [] };
    }),
    topicLevel: data.topic_level,
    ready: false,
    keep: new Uint8Array(n).fill(1),   // passes the filters
    shown: null,                       // papers that pass the filters, trace by trace (null: all)
    nShown: n,
    highlight: null,                   // {kind, name, docs}
    overlay: null,                     // each colour's highlighted papers, drawn on top
    filters: { years: null, sources: null },
    listeners: {},
  };
  delete data.columns; // the base64 text, decoded

  // ------------------------------------------------------------------ texts
  // Doc ids, and titles with abstracts, stay compressed: blocks of `block` papers,
  // one raw deflate stream with a full flush after each block. A block inflates
  // alone (its bytes and an empty final block), the stream in one go.
  var BLOCK = data.texts.block;
  var END = new Uint8Array([3, 0]);
  var utf8 = new TextDecoder();
  function field(spec) {
    return { bytes: bytesOf(spec.data), offsets: decode(spec.offsets), cache: new Map() };
  }
  var texts = { ids: field(data.texts.ids), text: field(data.texts.text) };
  delete data.texts;
  function inflateRaw(parts) {
    var stream = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return stream;
  }
  // The records of block b of a field (a promise of strings; recent blocks are kept).
  function block(f, b) {
    var hit = f.cache.get(b);
    if (hit) {
      f.cache.delete(b);
      f.cache.set(b, hit);
      return hit;
    }
    var bytes = f.bytes.subarray(f.offsets[b], f.offsets[b + 1]);
    var found = new Response(inflateRaw([bytes, END])).arrayBuffer().then(function (buf) {
      return utf8.decode(buf).split("\n");
    });
    found.catch(function () { f.cache.delete(b); });
    f.cache.set(b, found);
    if (f.cache.size > BLOCK_CACHE) { f.cache.delete(f.cache.keys().next().value); }
    return found;
  }
  // Stream a whole field: each(text, first) gets whole records ("...\n" each, the
  // first of them paper `first`) and returns how many it read, or -1 to stop.
  function stream(f, each) {
    var reader = inflateRaw([f.bytes]).getReader();
    var carry = null, first = 0;
    function step(r) {
      if (r.done) { return first; }
      var chunk = r.value, end = chunk.lastIndexOf(10);
      if (end < 0) {
        carry = join(carry, chunk);
        return reader.read().then(step);
      }
      var head = join(carry, chunk.subarray(0, end + 1));
      carry = chunk.slice(end + 1);
      var read = each(utf8.decode(head), first);
      if (read < 0) {
        reader.cancel();
        return -1;
      }
      first += read;
      return reader.read().then(step);
    }
    return reader.read().then(step);
  }
  function join(a, b) {
    if (!a || !a.length) { return b; }
    var out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }
  // The records of papers ks of a field, in that order (a promise of strings).
  function records(f, ks) {
    var out = new Array(ks.length), byBlock = new Map(), i;
    for (i = 0; i < ks.length; i++) {
      if (f.hints && f.hints.has(ks[i])) {
        out[i] = f.hints.get(ks[i]);
        continue;
      }
      var b = Math.floor(ks[i] / BLOCK);
      if (!byBlock.has(b)) { byBlock.set(b, []); }
      byBlock.get(b).push(i);
    }
    if (byBlock.size <= MANY_BLOCKS) {
      return Promise.all(Array.from(byBlock.keys(), function (b) {
        return block(f, b).then(function (recs) {
          byBlock.get(b).forEach(function (j) { out[j] = recs[ks[j] - b * BLOCK]; });
        });
      })).then(function () { return out; });
    }
    // Many blocks: one pass over the stream.
    var order = [], at = 0;
    byBlock.forEach(function (js) { order.push.apply(order, js); });
    order.sort(function (a, b) { return ks[a] - ks[b]; });
    return stream(f, function (text, first) {
      var recs = text.split("\n"), m = recs.length - 1;
      while (at < order.length && ks[order[at]] < first + m) {
        out[order[at]] = recs[ks[order[at]] - first];
        at++;
      }
      return at < order.length ? m : -1;
    }).then(function () { return out; });
  }
  function paperText(record) {
    var tab = record.indexOf("\t");
    return tab < 0 ? { title: record, abstract: "" }
      : { title: record.slice(0, tab), abstract: record.slice(tab + 1) };
  }
  // Promises: a paper's {title, abstract}; the titles or doc ids of papers ks.
  app.paper = function (k) { return records(texts.text, [k]).then(function (r) { return paperText(r[0]); }); };
  app.papers = function (ks) { return records(texts.text, ks).then(function (r) { return r.map(paperText); }); };
  app.titles = function (ks) { return app.papers(ks).then(function (p) { return p.map(function (t) { return t.title; }); }); };
  app.docIds = function (ks) { return records(texts.ids, ks); };
  app.docId = function (k) { return records(texts.ids, [k]).then(function (r) { return r[0]; }); };
  // The page position of a doc id (-1: none), a promise.
  app.findDoc = function (id) {
    var found = -1;
    return stream(texts.ids, function (text, first) {
      var recs = text.split("\n"), at = recs.indexOf(id);
      if (at >= 0 && at < recs.length - 1) { found = first + at; return -1; }
      return recs.length - 1;
    }).then(function () { return found; });
  };
  app.streamTexts = function (each) { return stream(texts.text, each); };
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
  var pinned = false, paperToken = 0;
  function showPaper(k, pin) {
    if (pin !== false) { pinned = true; }
    var token = ++paperToken;
    return Promise.all([app.paper(k), app.docId(k)]).then(function (found) {
      if (token !== paperToken) { return; } // another paper came first
      var t = found[0];
      document.querySelector("#tab-paper .hint").hidden = true;
      setText("panel-title", t.title || "(no title)");
      var theme = app.topicOf(k, 0);
      var topic = app.topicName(k);
      var where = theme && theme.label !== topic ? theme.label + " \u203a " + topic : topic;
      setText("panel-topic", "Topic: " + where);
      var src = app.sourceNames(k).join(", ");
      setText("panel-sources", src ? "Sources: " + src : "");
      setText("panel-year", app.year && app.year[k] ? "Year: " + app.year[k] : "");
      var abs = t.abstract;
      if (data.abstract_cap === 0) {
        abs = "(abstracts are left out of this large map to keep the page small)";
      } else if (!abs) {
        abs = "(no abstract)";
      } else if (data.abstract_cap && abs.length >= data.abstract_cap) {
        abs += "\n\n(abstract shortened to keep this page small)";
      }
      setText("panel-abstract", abs);
      document.getElementById("landscape-panel").dataset.docId = found[1];
      if (pin !== false) { app.showTab("paper"); }
    });
  }
  app.showPaper = showPaper;

  // ------------------------------------------------------------------ hover
  // The texts come from a compressed block (a promise): a hover shows unless the
  // pointer has left or moved to another paper meanwhile.
  var hoverToken = 0;
  function hideHover() {
    hoverToken++;
    hoverEl.hidden = true;
  }
  function showHover(k, ev) {
    var token = ++hoverToken;
    var box = stage.getBoundingClientRect();
    var mx = (ev && ev.clientX !== undefined ? ev.clientX : box.left) - box.left;
    var my = (ev && ev.clientY !== undefined ? ev.clientY : box.top) - box.top;
    app.paper(k).then(function (t) {
      if (token !== hoverToken) { return; }
      hoverEl.replaceChildren();
      var parts = [
        ["b", cut(t.title, 300) || "(no title)"],
        ["i", "Topic: " + app.topicName(k)],
        ["span", sourceLine(k) ? "Source: " + sourceLine(k) : ""],
        ["span", cut(t.abstract, HOVER_ABSTRACT)],
      ];
      parts.forEach(function (p) {
        if (!p[1]) { return; }
        var el = document.createElement(p[0]);
        el.textContent = p[1];
        hoverEl.appendChild(el);
      });
      hoverEl.style.borderColor = app.data.colors[app.color[k]];
      hoverEl.hidden = false;
      var w = hoverEl.offsetWidth, h = hoverEl.offsetHeight;
      var left = mx + 14 + w > box.width ? Math.max(0, mx - 14 - w) : mx + 14;
      var top = Math.min(Math.max(0, my - h / 2), Math.max(0, box.height - h));
      hoverEl.style.transform = "translate(" + left + "px," + top + "px)";
    });
    if (!pinned && app.activeTab === "paper") { showPaper(k, false); }
  }

  // ------------------------------------------------------------------ filters and highlights
  // One trace per colour (papers come sorted by colour, outliers first): a trace
  // of one colour costs plotly nothing per point, a colour array a second per
  // 100,000 points on every draw. Then as many traces again, empty unless a
  // highlight is on: each colour's highlighted papers, drawn over the dimmed rest.
  var nTraces = data.colors.length;
  app.nTraces = nTraces;
  var traceIds = [];
  for (var tr = 0; tr < 2 * nTraces; tr++) { traceIds.push(tr); }
  var sorted = true;
  for (var kc = 1; kc < n && sorted; kc++) { sorted = app.color[kc] >= app.color[kc - 1]; }
  // Each trace's arrays for the papers that pass the filters: views of the shared
  // coordinates when every paper passes (and the papers come sorted), else copies.
  function traceArrays() {
    var k, t, sizes = new Int32Array(nTraces), m = 0;
    for (k = 0; k < n; k++) { if (app.keep[k]) { sizes[app.color[k]]++; m++; } }
    var start = new Int32Array(nTraces + 1);
    for (t = 0; t < nTraces; t++) { start[t + 1] = start[t] + sizes[t]; }
    var xs = [], ys = [];
    if (m === n && sorted) {
      for (t = 0; t < nTraces; t++) {
        xs.push(app.x.subarray(start[t], start[t + 1]));
        ys.push(app.y.subarray(start[t], start[t + 1]));
      }
      app.shown = null;
    } else {
      var shown = new Int32Array(m), fill = start.slice(0, nTraces);
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
        }
      }
      app.shown = shown;
    }
    app.traceStart = start;
    app.nShown = m;
    // Papers of each topic that pass the filters (the tree and the names follow them).
    var counts = new Int32Array(app.topics.length);
    app.levels.forEach(function (rows) {
      for (var i = 0; i < m; i++) {
        var r = rows[app.shown ? app.shown[i] : i];
        if (r >= 0) { counts[r]++; }
      }
    });
    app.counts = counts;
    app.traceX = xs;
    app.traceY = ys;
  }
  // The paper of a point of a plotly event (a base trace or a highlight trace).
  app.paperOf = function (point) {
    var c = point.curveNumber;
    if (c >= nTraces) { return app.overlay[c - nTraces][point.pointIndex]; }
    var i = app.traceStart[c] + point.pointIndex;
    return app.shown ? app.shown[i] : i;
  };
  // Each colour's highlighted papers that pass the filters (null: no highlight).
  function overlayDocs() {
    if (!app.highlight) { return null; }
    var docs = app.highlight.docs, sizes = new Int32Array(nTraces), i, t;
    for (i = 0; i < docs.length; i++) { if (app.keep[docs[i]]) { sizes[app.color[docs[i]]]++; } }
    var out = [];
    for (t = 0; t < nTraces; t++) { out.push(new Int32Array(sizes[t])); }
    sizes.fill(0);
    for (i = 0; i < docs.length; i++) {
      var k = docs[i];
      if (app.keep[k]) {
        t = app.color[k];
        out[t][sizes[t]++] = k;
      }
    }
    return out;
  }
  // The restyle that draws the filters and the highlight (one recalculation).
  function traceUpdate() {
    var overlay = app.overlay = overlayDocs(), x = [], y = [], opacity = [], t;
    for (t = 0; t < nTraces; t++) {
      x.push(app.traceX[t]);
      y.push(app.traceY[t]);
      opacity.push(overlay ? DIM : OPACITY);
    }
    for (t = 0; t < nTraces; t++) {
      var docs = overlay ? overlay[t] : [], ox = new Float32Array(docs.length);
      var oy = new Float32Array(docs.length);
      for (var i = 0; i < docs.length; i++) {
        ox[i] = app.x[docs[i]];
        oy[i] = app.y[docs[i]];
      }
      x.push(ox);
      y.push(oy);
      opacity.push(1);
    }
    return { x: x, y: y, "marker.opacity": opacity };
  }
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
    Plotly.restyle(gd, traceUpdate(), traceIds);
    updateCount();
    app.emit("highlight", highlight);
  };
  // Apply app.keep to the map: redraw the points, then counts, tree and labels.
  app.refresh = function () {
    traceArrays();
    Plotly.restyle(gd, traceUpdate(), traceIds);
    updateCount();
    app.emit("filter");
  };

  // ------------------------------------------------------------------ search
  // Every word must occur in the title or the abstract (case-insensitive). The
  // texts stream through once per search, a block of records at a time; a newer
  // search stops an older one.
  var searchToken = 0, ends = new Int32Array(1024);
  function search(query) {
    var token = ++searchToken;
    var words = query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 30);
    if (!words.length) {
      if (app.highlight && (app.highlight.kind === "search" || app.highlight.kind === "preset")) {
        app.setHighlight(null);
      } else {
        updateCount();
      }
      return Promise.resolve();
    }
    // The texts of the first matches (the selection tab lists them) are kept.
    var all = (1 << words.length) - 1, matches = [], masks = new Int32Array(1024);
    var hints = new Map();
    return app.streamTexts(function (text, first) {
      if (token !== searchToken) { return -1; }
      var s = text.toLowerCase(), m = 0, at = s.indexOf("\n");
      while (at >= 0) {
        if (m === ends.length) {
          var grown = new Int32Array(m * 2);
          grown.set(ends);
          ends = grown;
        }
        ends[m++] = at;
        at = s.indexOf("\n", at + 1);
      }
      if (masks.length < m) { masks = new Int32Array(ends.length); } else { masks.fill(0, 0, m); }
      for (var w = 0; w < words.length; w++) {
        var word = words[w], bit = 1 << w, r = 0, p = s.indexOf(word);
        while (p >= 0) {
          while (ends[r] < p) { r++; }
          masks[r] |= bit;
          p = s.indexOf(word, ends[r] + 1);
        }
      }
      var lines = s.length === text.length ? null : text.split("\n");
      for (var i = 0; i < m; i++) {
        if (masks[i] === all && app.keep[first + i]) {
          matches.push(first + i);
          if (hints.size < LISTED) {
            hints.set(first + i, lines ? lines[i] : text.slice(i ? ends[i - 1] + 1 : 0, ends[i]));
          }
        }
      }
      return m;
    }).then(function () {
      if (token !== searchToken) { return; }
      texts.text.hints = hints;
      app.setHighlight({ kind: "search", name: "Matching papers", docs: matches });
      app.showTab("selection");
    });
  }
  function showPreset(preset) {
    app.setHighlight({ kind: "preset", name: preset.name, docs: preset.index.slice() });
    app.showTab("selection");
  }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    if (!app.ready) { return; }
    timer = setTimeout(function () { search(input.value); }, n > 20000 ? 250 : 120);
  });

  // ------------------------------------------------------------------ box and lasso
  // The page's own box and lasso selection. Plotly's, in its select drag modes,
  // keeps the pixel position of every point and the index of every unselected one
  // in plain arrays (about 50 MB, and seconds a drag, at 1,000,000 papers); here a
  // drag only draws its shape, and the papers inside are found once, at the end.
  // The two modebar buttons switch a tool on (plotly stays in pan mode): a drag
  // on the map then selects (the pointerdown is taken before plotly sees it, so
  // hover and scroll zoom still work), a click without a drag clears.
  var selSvg = document.getElementById("landscape-selection");
  var tool = null, drag = null;
  function setTool(name) {
    tool = name;
    gd.classList.toggle("landscape-selecting", !!name);
    markTool();
  }
  function markTool() {
    Array.prototype.forEach.call(gd.querySelectorAll(".modebar-btn[data-val]"), function (b) {
      b.classList.toggle("landscape-on", b.dataset.val === tool);
      b.setAttribute("aria-pressed", b.dataset.val === tool ? "true" : "false");
    });
  }
  var TOOLS = [["select", "Box select", "selectbox"], ["lasso", "Lasso select", "lasso"]];
  function toolButtons() {
    return TOOLS.map(function (t) {
      return { name: "landscape-" + t[0], title: t[1], icon: Plotly.Icons[t[2]], val: t[0],
        click: function () { setTool(tool === t[0] ? null : t[0]); } };
    });
  }
  // Pixel position of a pointer event in the plot area.
  function local(ev) {
    var box = gd.getBoundingClientRect(), fl = gd._fullLayout;
    return [ev.clientX - box.left - fl.xaxis._offset, ev.clientY - box.top - fl.yaxis._offset];
  }
  function toMap(p) {
    var fl = gd._fullLayout;
    return [fl.xaxis.p2l(p[0]), fl.yaxis.p2l(p[1])];
  }
  // The shape of a drag in map units: a box's four corners, or a lasso's points.
  function shapeOf(d) {
    var pts = d.pts;
    if (d.kind === "select") {
      var a = pts[0], b = pts[pts.length - 1];
      pts = [a, [b[0], a[1]], b, [a[0], b[1]]];
    }
    return pts.map(toMap);
  }
  // Papers (that pass the filters) inside polygon `poly` (map units).
  function inside(poly) {
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, i, m = poly.length;
    for (i = 0; i < m; i++) {
      x0 = Math.min(x0, poly[i][0]); x1 = Math.max(x1, poly[i][0]);
      y0 = Math.min(y0, poly[i][1]); y1 = Math.max(y1, poly[i][1]);
    }
    var box = m === 4 && poly[0][1] === poly[1][1] && poly[1][0] === poly[2][0], out = [];
    for (var k = 0; k < n; k++) {
      var x = app.x[k], y = app.y[k];
      if (!app.keep[k] || x < x0 || x > x1 || y < y0 || y > y1) { continue; }
      if (box) { out.push(k); continue; }
      var on = false;
      for (i = 0; i < m; i++) {
        var a = poly[i], b = poly[(i + 1) % m];
        if ((a[1] > y) !== (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) {
          on = !on;
        }
      }
      if (on) { out.push(k); }
    }
    return out;
  }
  // The shape being dragged, else the current selection's, over the map.
  function drawSelection() {
    selSvg.replaceChildren();
    var fl = gd._fullLayout, pts = null;
    if (drag) {
      pts = shapeOf(drag);
    } else if (app.highlight && app.highlight.shape) {
      pts = app.highlight.shape;
    }
    if (!pts || pts.length < 2) { return; }
    var shape = document.createElementNS("http://www.w3.org/2000/svg", "polygon");
    shape.setAttribute("points", pts.map(function (p) {
      return (fl.xaxis._offset + fl.xaxis.l2p(p[0])).toFixed(1) + "," +
        (fl.yaxis._offset + fl.yaxis.l2p(p[1])).toFixed(1);
    }).join(" "));
    selSvg.appendChild(shape);
  }
  app.selectIn = function (poly) {
    app.setHighlight({ kind: "selection", name: "Selected on the map", docs: inside(poly),
      shape: poly });
    app.showTab("selection");
  };
  gd.addEventListener("pointerdown", function (ev) {
    if (!tool || ev.button !== 0 || ev.target.closest(".modebar")) { return; }
    var p = local(ev), fl = gd._fullLayout;
    if (p[0] < 0 || p[1] < 0 || p[0] > fl.xaxis._length || p[1] > fl.yaxis._length) { return; }
    ev.preventDefault(); // no mousedown: plotly does not pan
    ev.stopPropagation();
    hideHover();
    drag = { kind: tool, pts: [p] };
  }, true);
  window.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var p = local(ev), last = drag.pts[drag.pts.length - 1];
    if (drag.kind === "select") {
      drag.pts[1] = p;
    } else if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= 2) {
      drag.pts.push(p);
    }
    drawSelection();
  });
  window.addEventListener("pointerup", function () {
    if (!drag) { return; }
    var d = drag, a = d.pts[0], b = d.pts[d.pts.length - 1];
    drag = null;
    var small = d.kind === "select" ? Math.abs(a[0] - b[0]) < 3 || Math.abs(a[1] - b[1]) < 3
      : d.pts.length < 3;
    if (small) { // a click: clears the selection
      if (app.highlight && app.highlight.kind === "selection") { app.setHighlight(null); }
      drawSelection();
      return;
    }
    app.selectIn(shapeOf(d));
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
    Plotly.restyle(gd, { "marker.size": traceIds.map(function (t) {
      return t % nTraces ? size : size * 0.8;
    }) }, traceIds);
  }
  // First the map (and its names), then hover, search and the panel.
  function draw() {
    traceArrays();
    var traces = traceIds.map(function (t) {
      var base = t < nTraces, c = t % nTraces;
      return {
        type: "scattergl", mode: "markers", hoverinfo: "none", showlegend: false,
        x: base ? app.traceX[c] : new Float32Array(0), y: base ? app.traceY[c] : new Float32Array(0),
        marker: { size: c === 0 ? markerSize() * 0.8 : markerSize(), color: data.colors[c],
          opacity: base ? OPACITY : 1, line: { width: 0 } },
        selected: { marker: { opacity: 1 } },
        unselected: { marker: { opacity: DIM } },
      };
    });
    var layout = JSON.parse(JSON.stringify(config.layout));
    var view = homeView();
    layout.xaxis.range = view.x;
    layout.yaxis.range = view.y;
    var plotConfig = Object.assign({}, config.plot, { modeBarButtonsToAdd: toolButtons() });
    performance.mark("landscape-newplot");
    return Plotly.newPlot(gd, traces, layout, plotConfig).then(function () {
      performance.mark("landscape-plotted");
      var fl = gd._fullLayout;
      app.home = { x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice() };
      if (typeof landscapeLabels === "function") { app.labels = landscapeLabels(app); }
      document.getElementById("landscape-loading").hidden = true;
      performance.mark("landscape-drawn");
      window.landscapeRenderMs = performance.now();
      gd.on("plotly_afterplot", function () { window.landscapeAfterplots += 1; });
      gd.on("plotly_relayout", growMarkers);
      gd.on("plotly_relayout", function (ev) {
        if (ev && "dragmode" in ev) { setTool(null); } else { markTool(); }
        drawSelection();
      });
      gd.on("plotly_relayouting", drawSelection);
      app.on("highlight", drawSelection);
      app.on("filter", drawSelection);
      // The plot's box can change size without a window resize (a page embedded in
      // an iframe laid out after the map was drawn): watch the box itself, so the
      // plot fills it, keeps one scale and re-places its names.
      var resizing = null, lastSize = gd.clientWidth + "x" + gd.clientHeight;
      function resized() {
        clearTimeout(resizing);
        resizing = setTimeout(function () {
          var size = gd.clientWidth + "x" + gd.clientHeight;
          if (size === lastSize) { return; }
          lastSize = size;
          Promise.resolve(Plotly.Plots.resize(gd)).then(keepAspect);
        }, 150);
      }
      window.addEventListener("resize", resized);
      if (typeof ResizeObserver === "function") { new ResizeObserver(resized).observe(gd); }
    });
  }
  function ready() {
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
    app.ready = true;
    performance.mark("landscape-ready");
    window.landscapeReady = true;
    gd.dispatchEvent(new CustomEvent("landscape-ready"));
  }
  app.showTab("topics");
  performance.mark("landscape-start");
  var plotlyEl = document.getElementById("landscape-plotly");
  var packedPlotly = plotlyEl.textContent;
  plotlyEl.textContent = "";
  inflate(packedPlotly).then(function (code) {
    performance.mark("landscape-inflated");
    packedPlotly = null;
    (0, eval)(code); // plotly.js, shipped compressed; run as an inline script would run it
    performance.mark("landscape-plotly");
    return draw();
  }).then(ready).catch(function (err) {
    document.getElementById("landscape-loading").textContent = "The map failed to load: " + err;
    throw err;
  });
  window.landscape = { app: app, search: search, showPreset: showPreset, showPaper: showPaper,
    data: data };
})();
