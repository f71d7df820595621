// Topic names on the map and the outline of a topic (landscape.report.standalone).
// Names are HTML elements over the plot (data-label, data-level), placed again
// after every zoom or pan: the candidates in view whose level suits the zoom,
// in priority order (level, then size), each kept only if its box overlaps no
// name already placed. Names are text with a white halo and let the pointer
// through, so hover and selection work under them.
function landscapeLabels(app) {
  "use strict";
  // Zoom (initial span / current span) from which each level's names show:
  // themes from the start, topics from 2x, subtopics from 6x, ...
  var LEVEL_ZOOM = [0, 2, 6, 18, 54];
  // Font size (px) of each level's names, for the largest topic of the level.
  var FONT = [20, 15, 13.5, 12.5];
  var PAD = 4;
  var gd = app.gd;
  var layer = document.getElementById("landscape-labels");
  var svg = document.getElementById("landscape-outline");
  var nLevels = app.levels.length;
  var maxSize = [];
  app.topics.forEach(function (t) { maxSize[t.level] = Math.max(maxSize[t.level] || 1, t.size); });
  var cands = app.data.labels.map(function (c) {
    return { topic: app.topics[c[0]], x: c[1], y: c[2], el: null, w: 0, h: 0, on: false };
  });

  function shade(hex, f) {
    var v = parseInt(hex.slice(1), 16);
    var rgb = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map(function (c) { return Math.round(c * f); });
    return "rgb(" + rgb.join(",") + ")";
  }
  function fontSize(t) {
    var base = FONT[Math.min(t.level, FONT.length - 1)];
    return Math.round(base * (0.8 + 0.3 * Math.sqrt(t.size / maxSize[t.level])) * 10) / 10;
  }
  function make(c) {
    var t = c.topic, el = document.createElement("div");
    el.className = "landscape-label level-" + Math.min(t.level, 3);
    el.dataset.label = t.label;
    el.dataset.level = String(t.level);
    el.dataset.topic = String(t.id);
    el.textContent = t.label;
    el.style.fontSize = fontSize(t) + "px";
    el.style.color = shade(t.color, t.level === 0 ? 0.62 : 0.5);
    layer.appendChild(el);
    c.el = el;
  }
  function zoom() {
    var r = gd._fullLayout.xaxis.range;
    return (app.home.x[1] - app.home.x[0]) / Math.abs(r[1] - r[0]);
  }
  function depthAt(z) {
    var d = 0;
    while (d + 1 < nLevels && z >= LEVEL_ZOOM[Math.min(d + 1, LEVEL_ZOOM.length - 1)]) { d++; }
    return d;
  }

  // Papers in view of each topic of levels lo..d (a sample of at most MAX_SCAN papers),
  // with the sums of their coordinates, and the fewest that name a topic.
  var MAX_SCAN = 200000;
  function inView(lo, d, xa, ya) {
    var m = app.topics.length, count = new Float64Array(m);
    var sx = new Float64Array(m), sy = new Float64Array(m);
    var x0 = Math.min(xa.range[0], xa.range[1]), x1 = Math.max(xa.range[0], xa.range[1]);
    var y0 = Math.min(ya.range[0], ya.range[1]), y1 = Math.max(ya.range[0], ya.range[1]);
    var shown = app.shown, step = Math.max(1, Math.ceil(app.nShown / MAX_SCAN)), total = 0;
    for (var i = 0; i < app.nShown; i += step) {
      var k = shown[i], x = app.x[k], y = app.y[k];
      if (x < x0 || x > x1 || y < y0 || y > y1) { continue; }
      total++;
      for (var lv = lo; lv <= d; lv++) {
        var r = app.levels[lv][k];
        if (r >= 0) { count[r]++; sx[r] += x; sy[r] += y; }
      }
    }
    return { count: count, sx: sx, sy: sy, min: Math.max(5, total * 0.04) };
  }

  function place() {
    var fl = gd._fullLayout, xa = fl.xaxis, ya = fl.yaxis;
    var left = xa._offset, top = ya._offset;
    var right = left + xa._length, bottom = top + ya._length;
    var d = depthAt(zoom());
    var lo = Math.max(0, d - 1);
    var seen = inView(lo, d, xa, ya);
    var todo = [], i, c;
    for (i = 0; i < cands.length; i++) {
      c = cands[i];
      c.next = false;
      var lv = c.topic.level, row = c.topic.row;
      if (lv < lo || lv > d || !app.counts[row]) { continue; }
      c.px = left + xa.l2p(c.x);
      c.py = top + ya.l2p(c.y);
      if (c.px < left || c.px > right || c.py < top || c.py > bottom) {
        // Anchor out of view: a topic that fills much of the view is named at the
        // middle of its papers in view, so that a close view is not left unnamed.
        if (seen.count[row] < seen.min) { continue; }
        c.px = left + xa.l2p(seen.sx[row] / seen.count[row]);
        c.py = top + ya.l2p(seen.sy[row] / seen.count[row]);
      }
      todo.push(c);
    }
    // New names are added first and measured together: one layout, not one each.
    var fresh = todo.filter(function (c) { return !c.el; });
    fresh.forEach(make);
    fresh.forEach(function (c) { c.w = c.el.offsetWidth; c.h = c.el.offsetHeight; c.on = true; });
    var placed = [], names = {};
    for (i = 0; i < todo.length; i++) {
      c = todo[i];
      if (names[c.topic.label]) { continue; } // a topic named like its parent
      var x0 = c.px - c.w / 2, y0 = c.py - c.h / 2, x1 = x0 + c.w, y1 = y0 + c.h;
      if (x0 < left || y0 < top || x1 > right || y1 > bottom) { continue; }
      var free = true;
      for (var j = 0; j < placed.length; j++) {
        var b = placed[j];
        if (x0 < b[2] + PAD && b[0] < x1 + PAD && y0 < b[3] + PAD && b[1] < y1 + PAD) {
          free = false;
          break;
        }
      }
      if (!free) { continue; }
      placed.push([x0, y0, x1, y1]);
      names[c.topic.label] = true;
      c.next = true;
      c.el.style.transform = "translate(" + x0.toFixed(1) + "px," + y0.toFixed(1) + "px)";
      c.el.classList.toggle("context", d > 0 && c.topic.level < d);
    }
    for (i = 0; i < cands.length; i++) {
      c = cands[i];
      if (c.el && c.on !== c.next) { c.el.hidden = !c.next; c.on = c.next; }
    }
    layer.dataset.depth = String(d);
    drawOutline();
    window.landscapeLabelsPlaced = (window.landscapeLabelsPlaced || 0) + 1;
  }

  // ------------------------------------------------------------------ outline
  var outlined = null;
  function drawOutline() {
    svg.replaceChildren();
    if (outlined === null) { return; }
    var t = app.topics[outlined], h = t.hull;
    if (!h || h.length < 4) { return; }
    var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, pts = [];
    for (var i = 0; i + 1 < h.length; i += 2) {
      pts.push((xa._offset + xa.l2p(h[i])).toFixed(1) + "," + (ya._offset + ya.l2p(h[i + 1])).toFixed(1));
    }
    var shape = document.createElementNS("http://www.w3.org/2000/svg", "polygon");
    shape.setAttribute("points", pts.join(" "));
    shape.setAttribute("stroke", shade(t.color, 0.55));
    shape.setAttribute("fill", t.color);
    shape.dataset.topic = String(t.id);
    svg.appendChild(shape);
  }
  // Outline where a topic lies (null clears).
  function outline(row) {
    outlined = row;
    drawOutline();
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; place(); });
  }
  gd.on("plotly_relayout", place);
  gd.on("plotly_relayouting", schedule);
  app.on("filter", schedule);
  place();
  return { place: place, outline: outline, depth: function () { return depthAt(zoom()); } };
}
