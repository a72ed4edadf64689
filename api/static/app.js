/* chainscout managers' page: vanilla JS, no external resources. */
(function () {
  "use strict";

  var KEY_STORE = "chainscout.apiKey";
  var state = { me: null, peersKind: "park", anchor: null, ranked: [], center: null };
  var $ = function (id) { return document.getElementById(id); };
  var SVGNS = "http://www.w3.org/2000/svg";
  var LABEL_COLORS = { Enterprise: "#2563eb", Person: "#ea580c", Park: "#16a34a",
    Association: "#9333ea", Branch: "#dc2626", ChainSegment: "#0891b2", Event: "#ca8a04" };
  var REL_NAMES = { LOCATED_IN: "入驻", MEMBER_OF: "会员", CONTROLS: "控制", HOLDS_SHARES: "持股",
    INVESTS_IN: "投资", OFFICER_OF: "任职", SUPPLIES: "供货", IN_SEGMENT: "环节",
    CUSTOMER_OF: "客户", CONCERNS: "事件", INVOLVES: "涉及", UPSTREAM_OF: "上游",
    PART_OF: "属于", NEAREST_BRANCH: "最近网点" };

  // -- API -----------------------------------------------------------------------------------
  function apiKey() { return sessionStorage.getItem(KEY_STORE) || ""; }

  function api(path, params) {
    var url = path;
    if (params) {
      var q = new URLSearchParams();
      Object.keys(params).forEach(function (k) {
        var v = params[k];
        if (v === null || v === undefined || v === "") return;
        (Array.isArray(v) ? v : [v]).forEach(function (x) { q.append(k, x); });
      });
      var s = q.toString();
      if (s) url += "?" + s;
    }
    return fetch(url, { headers: { Authorization: "Bearer " + apiKey() } }).then(function (r) {
      var type = r.headers.get("content-type") || "";
      var body = type.indexOf("json") >= 0 ? r.json() : r.text();
      return body.then(function (b) {
        if (!r.ok) {
          var msg = (b && b.error && b.error.message) || ("HTTP " + r.status);
          var err = new Error(msg); err.status = r.status; throw err;
        }
        return b;
      });
    });
  }

  function show(msg, kind) {
    var box = $("message");
    if (!msg) { box.hidden = true; return; }
    box.textContent = msg; box.className = kind || ""; box.hidden = false;
  }
  function fail(err) {
    show(err.message || String(err));
    if (err.status === 401) { logout(); }
  }

  // -- helpers -------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function nodeName(n) {
    var p = n.properties || {};
    return p.name || n.ref.split(":").slice(1).join(":");
  }
  function short(text, max) {
    text = String(text || "");
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }
  function fmt(x) { return (Math.round(x * 10) / 10).toFixed(1); }

  // -- path drawing: nodes left to right, arrows in each relationship's own direction --------
  function drawPath(path) {
    var nodes = path.nodes || [];
    var n = Math.max(nodes.length, 1);
    var width = Math.max(320, 140 * n);
    var root = svg("svg", { "class": "path-svg", viewBox: "0 0 " + width + " 74",
      preserveAspectRatio: "xMinYMid meet", role: "img" });
    var defs = svg("defs");
    var marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#667085" }));
    defs.appendChild(marker); root.appendChild(defs);
    var step = width / n;
    var xs = nodes.map(function (_, i) { return step * i + step / 2; });
    (path.relationships || []).forEach(function (rel, i) {
      if (i + 1 >= nodes.length) return;
      var forward = rel.start === nodes[i].ref;
      var x1 = xs[i] + 12, x2 = xs[i + 1] - 12;
      var line = svg("line", { x1: forward ? x1 : x2, y1: 24, x2: forward ? x2 : x1, y2: 24,
        stroke: "#667085", "stroke-width": 1.5, "marker-end": "url(#arrow)" });
      root.appendChild(line);
      var props = rel.properties || {};
      var label = (REL_NAMES[rel.type] || rel.type) + (props.percentage ? " " + props.percentage + "%" : "") +
        (typeof props.distance_km === "number" ? " " + fmt(props.distance_km) + " km" : "");
      root.appendChild(svg("text", { x: (xs[i] + xs[i + 1]) / 2, y: 16, "text-anchor": "middle",
        "font-size": 10, fill: "#475467" }, label));
    });
    nodes.forEach(function (node, i) {
      var label = (node.labels || [])[0] || node.ref.split(":")[0];
      var g = svg("g", { "class": "path-node" });
      g.appendChild(svg("circle", { cx: xs[i], cy: 24, r: 9, fill: LABEL_COLORS[label] || "#64748b" }));
      g.appendChild(svg("text", { x: xs[i], y: 50, "text-anchor": "middle", "font-size": 11,
        fill: "#1d2733" }, short(nodeName(node), 12)));
      g.appendChild(svg("text", { x: xs[i], y: 64, "text-anchor": "middle", "font-size": 9,
        fill: "#98a2b3" }, label));
      g.appendChild(svg("title", null, nodeName(node) + " (" + node.ref + ")"));
      root.appendChild(g);
    });
    return root;
  }

  function prospectItem(p, rank) {
    var li = el("li", { "data-uscc": p.uscc });
    var head = el("div", { "class": "prospect-head" });
    var title = el("span");
    title.appendChild(el("span", { "class": "rank" }, rank + "."));
    title.appendChild(document.createTextNode(p.name || p.uscc));
    head.appendChild(title);
    head.appendChild(el("span", { "class": "score" }, fmt(p.score.total)));
    li.appendChild(head);
    var parts = p.score.parts.map(function (s) {
      return s.name + " " + fmt(s.contribution);
    }).join(" · ");
    var why = el("div", { "class": "parts", title: p.score.parts.map(function (s) {
      return s.name + ": " + s.explanation; }).join("\n") }, parts);
    li.appendChild(why);
    (p.paths || []).slice(0, 1).forEach(function (path) { li.appendChild(drawPath(path)); });
    return li;
  }

  // -- key handling --------------------------------------------------------------------------
  function connect() {
    return api("/me").then(function (me) {
      state.me = me;
      $("whoami").textContent = me.key_id + " · " + me.role + (me.branch_id ? " · 网点 " + me.branch_id : "");
      $("app").hidden = false; $("logout").hidden = false; $("api-key").value = "";
      if (me.branch_id && !$("branch-id").value) $("branch-id").value = me.branch_id;
      show("");
      return me;
    });
  }
  function logout() {
    sessionStorage.removeItem(KEY_STORE);
    state.me = null; $("app").hidden = true; $("logout").hidden = true; $("whoami").textContent = "";
  }

  // -- search and peers ----------------------------------------------------------------------
  var USCC_RE = /^[0-9A-HJ-NP-RTUWXY]{18}$/;

  function search(q) {
    q = q.trim();
    if (!q) return Promise.resolve();
    if (USCC_RE.test(q.toUpperCase())) return openEnterprise(q.toUpperCase());
    return api("/enterprises/search", { q: q, limit: 20 }).then(function (page) {
      var list = $("search-results"); list.textContent = "";
      if (!page.items.length) { list.appendChild(el("li", { "class": "muted" }, "无结果")); return; }
      page.items.forEach(function (node) {
        var li = el("li", { "data-uscc": node.properties.uscc }, nodeName(node));
        li.appendChild(el("span", { "class": "uscc" }, node.properties.uscc));
        li.addEventListener("click", function () { openEnterprise(node.properties.uscc); });
        list.appendChild(li);
      });
      if (page.items.length === 1) return openEnterprise(page.items[0].properties.uscc);
    });
  }

  function openEnterprise(uscc) {
    return api("/enterprises/" + encodeURIComponent(uscc)).then(function (detail) {
      state.anchor = uscc;
      var ent = detail.enterprise, p = ent.properties;
      Array.prototype.forEach.call($("search-results").children, function (li) {
        li.classList.toggle("active", li.getAttribute("data-uscc") === uscc);
      });
      $("enterprise").hidden = false;
      $("ent-name").textContent = p.name || uscc;
      var facts = $("ent-facts"); facts.textContent = "";
      [["USCC", p.uscc], ["状态", p.status], ["行业", p.industry_code], ["注册资本", p.registered_capital ? p.registered_capital + " 万元" : ""],
        ["成立", p.established], ["法定代表人", p.legal_representative], ["地址", p.address],
        ["园区", (detail.parks || []).join(", ")], ["产业链环节", (detail.segments || []).join(", ")],
        ["协会", (detail.associations || []).join(", ")], ["开户网点", (detail.branches || []).join(", ")]]
        .forEach(function (kv) {
          if (!kv[1]) return;
          facts.appendChild(el("dt", null, kv[0])); facts.appendChild(el("dd", null, kv[1]));
        });
      return loadPeers();
    });
  }

  function loadPeers() {
    if (!state.anchor) return Promise.resolve();
    var kind = state.peersKind;
    return api("/enterprises/" + encodeURIComponent(state.anchor) + "/peers/" + kind, { limit: 20 })
      .then(function (page) {
        var list = $("peers"); list.textContent = "";
        $("peers-summary").textContent = "共 " + page.total + " 家，显示前 " + page.items.length + " 家";
        page.items.forEach(function (p, i) { list.appendChild(prospectItem(p, i + 1)); });
      });
  }

  // -- map -----------------------------------------------------------------------------------
  var TILE = 256, EARTH_M = 6378137;
  function project(lat, lng, z) {
    var s = TILE * Math.pow(2, z);
    var sin = Math.sin(lat * Math.PI / 180);
    return { x: (lng + 180) / 360 * s,
      y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * s };
  }
  function metersPerPixel(lat, z) {
    return Math.cos(lat * Math.PI / 180) * 2 * Math.PI * EARTH_M / (TILE * Math.pow(2, z));
  }

  function drawMap(center, radiusKm, prospects, tileUrl) {
    var map = $("map"); map.textContent = "";
    var W = 560, H = 420;
    var z = 3;  // the highest integer zoom at which the circle fits the view
    for (var zz = 18; zz >= 3; zz--) {
      if (radiusKm * 1000 / metersPerPixel(center.lat, zz) <= Math.min(W, H) * 0.44) { z = zz; break; }
    }
    var c = project(center.lat, center.lng, z);
    var ox = c.x - W / 2, oy = c.y - H / 2;
    var toView = function (lat, lng) { var p = project(lat, lng, z); return { x: p.x - ox, y: p.y - oy }; };
    map.appendChild(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#eef2f6" }));
    if (tileUrl) {
      var n = Math.pow(2, z);
      for (var tx = Math.floor(ox / TILE); tx <= Math.floor((ox + W) / TILE); tx++) {
        for (var ty = Math.floor(oy / TILE); ty <= Math.floor((oy + H) / TILE); ty++) {
          if (ty < 0 || ty >= n) continue;
          var wx = ((tx % n) + n) % n;
          var href = tileUrl.replace("{z}", z).replace("{x}", wx).replace("{y}", ty);
          map.appendChild(svg("image", { href: href, x: tx * TILE - ox, y: ty * TILE - oy,
            width: TILE, height: TILE }));
        }
      }
    } else {
      for (var gx = 0; gx <= W; gx += 40) map.appendChild(svg("line", { "class": "grid", x1: gx, y1: 0, x2: gx, y2: H }));
      for (var gy = 0; gy <= H; gy += 40) map.appendChild(svg("line", { "class": "grid", x1: 0, y1: gy, x2: W, y2: gy }));
    }
    var rPx = radiusKm * 1000 / metersPerPixel(center.lat, z);
    map.appendChild(svg("circle", { "class": "radius", cx: W / 2, cy: H / 2, r: rPx }));
    map.appendChild(svg("text", { x: W / 2 + rPx * 0.72 + 4, y: H / 2 - rPx * 0.72 }, radiusKm + " km"));
    // scale bar
    var barKm = radiusKm >= 10 ? 5 : 1;
    var barPx = barKm * 1000 / metersPerPixel(center.lat, z);
    map.appendChild(svg("line", { "class": "scale", x1: 12, y1: H - 14, x2: 12 + barPx, y2: H - 14 }));
    map.appendChild(svg("text", { x: 12, y: H - 20 }, barKm + " km"));

    var max = prospects.reduce(function (m, p) { return Math.max(m, p.score.total); }, 0) || 1;
    prospects.slice().reverse().forEach(function (p) {
      var props = p.enterprise.properties;
      if (typeof props.lat !== "number" || typeof props.lng !== "number") return;
      var v = toView(props.lat, props.lng);
      var rank = prospects.indexOf(p) + 1;
      var hue = Math.round(210 - 170 * (p.score.total / max));
      var dot = svg("circle", { "class": "prospect", cx: v.x, cy: v.y, r: rank <= 10 ? 8 : 5,
        fill: "hsl(" + hue + ",80%,45%)", "data-uscc": p.uscc });
      dot.appendChild(svg("title", null, rank + ". " + (p.name || p.uscc) + " · " + fmt(p.score.total)));
      dot.addEventListener("click", function () { highlight(p.uscc, true); });
      map.appendChild(dot);
      if (rank <= 10) map.appendChild(svg("text", { x: v.x, y: v.y + 4, "text-anchor": "middle",
        fill: "#fff", "font-size": 10 }, String(rank)));
    });
    var b = svg("g");
    b.appendChild(svg("rect", { "class": "branch", x: W / 2 - 7, y: H / 2 - 7, width: 14, height: 14,
      transform: "rotate(45 " + W / 2 + " " + H / 2 + ")" }));
    b.appendChild(svg("title", null, "网点 / branch"));
    map.appendChild(b);
  }

  function highlight(uscc, scroll) {
    Array.prototype.forEach.call($("ranked").children, function (li) {
      var on = li.getAttribute("data-uscc") === uscc;
      li.classList.toggle("highlight", on);
      if (on && scroll) li.scrollIntoView({ block: "nearest" });
    });
    Array.prototype.forEach.call(document.querySelectorAll("#map .prospect"), function (dot) {
      dot.classList.toggle("active", dot.getAttribute("data-uscc") === uscc);
    });
  }

  function loadMap() {
    var branch = $("branch-id").value.trim();
    var radius = Number($("radius").value);
    if (!branch) return Promise.resolve();
    return api("/branches/" + encodeURIComponent(branch) + "/prospects",
      { radius_km: radius, limit: 100 }).then(function (res) {
      state.center = res.center; state.ranked = res.prospects.items;
      drawMap(res.center, res.radius_km, state.ranked, state.me && state.me.map_tile_url);
      $("map-summary").textContent = (res.branch ? nodeName(res.branch) + " · " : "") + "半径 " +
        res.radius_km + " km 内 " + res.prospects.total + " 家潜在客户，按得分排序";
      var list = $("ranked"); list.textContent = "";
      state.ranked.forEach(function (p, i) {
        var li = prospectItem(p, i + 1);
        li.addEventListener("mouseenter", function () { highlight(p.uscc, false); });
        list.appendChild(li);
      });
      $("export-list").disabled = !state.ranked.length;
    });
  }

  // -- CSV -----------------------------------------------------------------------------------
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function download(name, text) {
    var blob = new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" });
    var a = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(a); a.click(); a.remove();
  }
  function exportList() {
    var rows = [["rank", "score", "uscc", "name", "lat", "lng", "score_parts", "path"]];
    state.ranked.forEach(function (p, i) {
      var path = (p.paths[0] || { nodes: [] }).nodes.map(nodeName).join(" → ");
      rows.push([i + 1, p.score.total.toFixed(3), p.uscc, p.name, p.enterprise.properties.lat,
        p.enterprise.properties.lng, p.score.parts.map(function (s) {
          return s.name + "=" + fmt(s.contribution); }).join("; "), path]);
    });
    download("prospects-" + $("branch-id").value + ".csv",
      rows.map(function (r) { return r.map(csvCell).join(","); }).join("\n") + "\n");
  }
  function exportLeads() {
    var branch = $("branch-id").value.trim();
    fetch("/leads/export.csv?" + new URLSearchParams(branch ? { branch_id: branch } : {}),
      { headers: { Authorization: "Bearer " + apiKey() } }).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { throw new Error(b.error.message); });
      return r.text().then(function (t) { download("leads-" + (branch || "all") + ".csv", t.replace(/^\ufeff/, "")); });
    }).catch(fail);
  }

  // -- wiring --------------------------------------------------------------------------------
  function init() {
    $("key-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var key = $("api-key").value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORE, key);
      connect().catch(fail);
    });
    $("logout").addEventListener("click", logout);
    $("search-form").addEventListener("submit", function (e) {
      e.preventDefault(); search($("search-q").value).catch(fail);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
      b.addEventListener("click", function () {
        state.peersKind = b.getAttribute("data-by");
        Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (x) {
          x.setAttribute("aria-selected", String(x === b));
        });
        loadPeers().catch(fail);
      });
    });
    $("radius").addEventListener("input", function () { $("radius-value").textContent = $("radius").value + " km"; });
    $("radius").addEventListener("change", function () { loadMap().catch(fail); });
    $("map-form").addEventListener("submit", function (e) { e.preventDefault(); loadMap().catch(fail); });
    $("export-list").addEventListener("click", exportList);
    $("export-leads").addEventListener("click", exportLeads);

    // URL parameters (bookmarks, tests): ?q=<name or USCC>&peers=<kind>&branch=<id>&radius=<km>
    var params = new URLSearchParams(location.search);
    if (params.get("radius")) { $("radius").value = params.get("radius"); $("radius-value").textContent = $("radius").value + " km"; }
    if (params.get("branch")) $("branch-id").value = params.get("branch");
    if (params.get("peers")) {
      state.peersKind = params.get("peers");
      Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (x) {
        x.setAttribute("aria-selected", String(x.getAttribute("data-by") === state.peersKind));
      });
    }
    if (!apiKey()) { show("请输入 API key / Enter your API key", "info"); return; }
    connect().then(function () {
      var tasks = [];
      if (params.get("q")) { $("search-q").value = params.get("q"); tasks.push(search(params.get("q"))); }
      if ($("branch-id").value) tasks.push(loadMap());
      return Promise.all(tasks);
    }).then(function () { document.body.setAttribute("data-ready", "1"); })
      .catch(function (e) { fail(e); document.body.setAttribute("data-ready", "error"); });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
