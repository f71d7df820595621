// Topic names on the map and the outline of a topic (landscape.report.standalone).
// Names are HTML elements over the plot (data-label, data-level), placed again
// after every zoom or pan: the candidates in view whose level suits the zoom,
// in priority order (level, then size), each kept only if its box overlaps no
// name already placed. At the themes' zoom a theme name that does not fit on
// its anchor then takes the nearest free spot around it, with a thin leader line
// back to the anchor (as maps/labels.py place_labels does for the static map),
// so that a small theme beside a big one is named too. Names are text with a
// white halo and let the pointer through, so hover and selection work under them.
function landscapeLabels(app) {
  "use strict";
  // Zoom (initial span / current span) from which each level's names show:
  // themes from the start, topics from 2x, subtopics from 6x, ...
  var LEVEL_ZOOM = [0, 2, 6, 18, 54];
  // Font size (px) of each level's names, for the largest topic of the level.
  var FONT = [20, 15, 13.5, 12.5];
  var PAD = 4;
  // How far (px) a theme name may move from its anchor: this many times its
  // width plus height, on a grid of a third of its height.
  var REACH = 1.6;
  var gd = app.gd;
  var layer = document.getElementById("landscape-labels");
  var svg = document.getElementById("landscape-outline");
  var leaderSvg = document.getElementById("landscape-leaders");
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
      var k = shown ? shown[i] : i, x = app.x[k], y = app.y[k];
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
    var placed = [], names = {}, pending = [], leaders = [];
    var bounds = [left, top, right, bottom];
    function put(c, x0, y0) {
      placed.push([x0, y0, x0 + c.w, y0 + c.h]);
      names[c.topic.label] = true;
      c.next = true;
      c.el.style.transform = "translate(" + x0.toFixed(1) + "px," + y0.toFixed(1) + "px)";
      c.el.classList.toggle("context", d > 0 && c.topic.level < d);
    }
    for (i = 0; i < todo.length; i++) {
      c = todo[i];
      if (names[c.topic.label]) { continue; } // a topic named like its parent
      var x0 = c.px - c.w / 2, y0 = c.py - c.h / 2;
      if (inside(x0, y0, c.w, c.h, bounds) && free(x0, y0, c.w, c.h, placed)) {
        put(c, x0, y0);
      } else if (d === 0 && c.topic.level === 0) {
        pending.push(c);
      }
    }
    // Themes that did not fit on their anchors: the nearest free spot around it.
    var anchors = todo.filter(function (c) { return c.topic.level === 0; });
    pending.forEach(function (c) {
      var spot = nearby(c, bounds, placed, anchors);
      if (!spot) { return; }
      put(c, spot[0], spot[1]);
      var end = nearest(c.px, c.py, spot[0], spot[1], c.w, c.h);
      if (Math.hypot(end[0] - c.px, end[1] - c.py) > 2) {
        leaders.push({ c: c, x0: c.px, y0: c.py, x1: end[0], y1: end[1] });
      }
    });
    for (i = 0; i < cands.length; i++) {
      c = cands[i];
      if (c.el && c.on !== c.next) { c.el.hidden = !c.next; c.on = c.next; }
    }
    drawLeaders(leaders);
    layer.dataset.depth = String(d);
    drawOutline();
    window.landscapeLabelsPlaced = (window.landscapeLabelsPlaced || 0) + 1;
  }

  // ------------------------------------------------------------------ boxes
  function inside(x0, y0, w, h, b) {
    return x0 >= b[0] && y0 >= b[1] && x0 + w <= b[2] && y0 + h <= b[3];
  }
  function free(x0, y0, w, h, placed) {
    var x1 = x0 + w, y1 = y0 + h;
    for (var j = 0; j < placed.length; j++) {
      var b = placed[j];
      if (x0 < b[2] + PAD && b[0] < x1 + PAD && y0 < b[3] + PAD && b[1] < y1 + PAD) { return false; }
    }
    return true;
  }
  // The point of box (x0, y0, w, h) nearest to (px, py).
  function nearest(px, py, x0, y0, w, h) {
    return [Math.min(Math.max(px, x0), x0 + w), Math.min(Math.max(py, y0), y0 + h)];
  }
  // Whether the segment (ax, ay)-(bx, by) crosses box b (Liang-Barsky).
  function crosses(ax, ay, bx, by, b) {
    var t0 = 0, t1 = 1, dx = bx - ax, dy = by - ay;
    var p = [-dx, dx, -dy, dy], q = [ax - b[0], b[2] - ax, ay - b[1], b[3] - ay];
    for (var i = 0; i < 4; i++) {
      if (p[i] === 0) {
        if (q[i] < 0) { return false; }
      } else {
        var r = q[i] / p[i];
        if (p[i] < 0) { t0 = Math.max(t0, r); } else { t1 = Math.min(t1, r); }
        if (t0 > t1) { return false; }
      }
    }
    return true;
  }
  // The top-left corner of the cheapest free box for c's name within reach of its
  // anchor, or null: the cost is the distance moved, plus penalties for covering
  // another theme's anchor and for a leader that runs through a placed name.
  function nearby(c, bounds, placed, anchors) {
    var w = c.w, h = c.h, reach = REACH * (w + h), pitch = Math.max(3, h / 3);
    var best = null, bestCost = Infinity;
    for (var dy = -reach; dy <= reach; dy += pitch) {
      for (var dx = -reach; dx <= reach; dx += pitch) {
        var move = Math.hypot(dx, dy);
        if (move > reach || move >= bestCost) { continue; }
        var x0 = c.px + dx - w / 2, y0 = c.py + dy - h / 2;
        if (!inside(x0, y0, w, h, bounds) || !free(x0, y0, w, h, placed)) { continue; }
        var cost = move, end = nearest(c.px, c.py, x0, y0, w, h);
        for (var a = 0; a < anchors.length; a++) {
          var o = anchors[a];
          if (o !== c && o.px >= x0 - PAD && o.px <= x0 + w + PAD && o.py >= y0 - PAD &&
              o.py <= y0 + h + PAD) { cost += w + h; }
        }
        for (var j = 0; j < placed.length; j++) {
          if (crosses(c.px, c.py, end[0], end[1], placed[j])) { cost += 2 * (w + h); }
        }
        if (cost < bestCost) {
          bestCost = cost;
          best = [x0, y0];
        }
      }
    }
    return best;
  }
  // Thin lines from moved names back to their anchors, with a dot at the anchor.
  function drawLeaders(leaders) {
    leaderSvg.replaceChildren();
    leaders.forEach(function (l) {
      var color = shade(l.c.topic.color, 0.55);
      var line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("x1", l.x0.toFixed(1));
      line.setAttribute("y1", l.y0.toFixed(1));
      line.setAttribute("x2", l.x1.toFixed(1));
      line.setAttribute("y2", l.y1.toFixed(1));
      line.setAttribute("stroke", color);
      line.dataset.topic = String(l.c.topic.id);
      var dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
      dot.setAttribute("cx", l.x0.toFixed(1));
      dot.setAttribute("cy", l.y0.toFixed(1));
      dot.setAttribute("r", "2.5");
      dot.setAttribute("fill", color);
      leaderSvg.append(line, dot);
    });
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
