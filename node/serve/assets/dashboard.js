/*  The operator's dashboard (node/serve/dashboard.h).  Reads
    /dashboard.json from the node that served this page, every 5 s; draws
    with the DOM and SVG only (no library, nothing from elsewhere).  Text
    from the node is set with textContent, never parsed as HTML.  */
"use strict";

var REFRESH_MS = 5000;      //  a new document is rendered every second
var RETRY_MS = 1000;        //  503: the node renders one as soon as it is asked
var SVG = "http://www.w3.org/2000/svg";

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null)
        e.textContent = String(text);
    if (cls)
        e.className = cls;
    return e;
}

//  Seconds as people read them: 45 s, 12 min, 3 h 05 min, 2 d 04 h.
function duration(s) {
    if (s === null || s === undefined)
        return "?";
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (s < 86400) return Math.floor(s / 3600) + " h " + pad(Math.floor(s % 3600 / 60)) + " min";
    return Math.floor(s / 86400) + " d " + pad(Math.floor(s % 86400 / 3600)) + " h";
}

function when(t) {
    return t ? new Date(t * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC") : "never";
}

//  GB/T 2260: xx0000 a province, xxxx00 a city, else a county.
function level(division) {
    if (/0000$/.test(division)) return 1;
    if (/00$/.test(division)) return 2;
    return 3;
}

function lagClass(lagSeconds, silent) {
    if (silent || lagSeconds >= 3600) return "lag-bad";
    if (lagSeconds >= 60) return "lag-warn";
    return "lag-ok";
}

function replaceRows(table, rows, empty, columns) {
    var body = $(table).tBodies[0];
    while (body.firstChild)
        body.removeChild(body.firstChild);
    rows.forEach(function (r) { body.appendChild(r); });
    if (!rows.length) {
        var tr = el("tr");
        var td = el("td", empty, "empty text");
        td.colSpan = columns;
        tr.appendChild(td);
        body.appendChild(tr);
    }
}

function cell(tr, text, cls) {
    tr.appendChild(el("td", text, cls));
}

//  One row per node: the node itself first, then every node below it as
//  its status holds it (status.subtree, in division order).
function renderTree(st) {
    var rows = [];
    var self = el("tr", null, lagClass(st.uplink.lag_seconds, false) + " node self");
    var selfState = st.uplink.state || "none";
    self.dataset.division = st.division;
    self.dataset.state = selfState;
    self.dataset.lagSeconds = st.uplink.lag_seconds;
    cell(self, st.division, "division text");
    cell(self, st.uplink.parent_division || "-", "parent text");
    cell(self, selfState, "state text");
    cell(self, st.head_seq, "head");
    cell(self, st.uplink.lag_entries, "lag-entries");
    cell(self, st.uplink.lag_seconds, "lag-s");
    cell(self, duration(st.uplink.lag_seconds), "lag-human");
    cell(self, "now", "heard");
    cell(self, st.quarantined, "quarantined");
    cell(self, "-", "disk");
    cell(self, st.children.filter(function (c) { return c.connected; }).length + "/" +
         st.children.length, "children");
    rows.push(self);
    var top = level(st.division);
    st.subtree.forEach(function (n) {
        var state = n.silent ? "SILENT" : n.uplink_state;
        var tr = el("tr", null, lagClass(n.lag_seconds, n.silent) + " node");
        tr.dataset.division = n.division;
        tr.dataset.state = state;
        tr.dataset.lagSeconds = n.lag_seconds;
        tr.dataset.lagEntries = n.lag_entries;
        tr.dataset.lastSeen = n.last_seen;
        var depth = Math.max(0, Math.min(3, level(n.division) - top));
        cell(tr, n.division, "division text depth-" + depth);
        cell(tr, n.parent, "parent text");
        cell(tr, state + (n.uplink_error ? " (uplink error: " + n.uplink_error + ")" : ""), "state text");
        cell(tr, n.head_seq, "head");
        cell(tr, n.lag_entries, "lag-entries");
        cell(tr, n.lag_seconds, "lag-s");
        cell(tr, duration(n.lag_seconds), "lag-human");
        cell(tr, n.last_seen_age === null ? "?" : duration(n.last_seen_age) + " ago", "heard");
        cell(tr, n.quarantined, "quarantined");
        cell(tr, n.disk_free_mb, "disk");
        cell(tr, n.children_connected + "/" + n.children, "children");
        rows.push(tr);
    });
    replaceRows("tree", rows, "", 11);
}

function renderLinks(st) {
    var rows = st.children.map(function (c) {
        var tr = el("tr", null, lagClass(c.lag_seconds, !c.connected) + " link");
        tr.dataset.division = c.division;
        tr.dataset.connected = c.connected ? "1" : "0";
        cell(tr, c.division, "division text");
        cell(tr, c.connected ? "connected" : "DISCONNECTED", "state text");
        cell(tr, c.acked_seq, "acked");
        cell(tr, c.child_head, "head");
        cell(tr, c.lag_entries, "lag-entries");
        cell(tr, c.lag_seconds, "lag-s");
        cell(tr, c.last_contact ? duration(c.last_contact_age) + " ago" : "never", "contact");
        cell(tr, c.refused || "", "refused text");
        return tr;
    });
    replaceRows("links", rows, "no children configured", 8);
}

//  One small chart per series: the largest lag seen in each minute, over
//  the window the node keeps (history.samples minutes).
function renderHistory(h, now) {
    var box = $("charts");
    while (box.firstChild)
        box.removeChild(box.firstChild);
    var span = h.step_s * h.samples;
    $("history-legend").textContent = "Largest lag seen in each " + h.step_s + " s, last " +
        duration(span) + " (kept in the node's memory only: it starts again at a restart)" +
        (h.untracked ? "; " + h.untracked + " more node(s) not charted (at most " +
         h.series_max + ")" : "") + ".";
    if (!h.series.length)
        box.appendChild(el("p", "no links or nodes below this one", "empty"));
    var W = 360, H = 80;
    h.series.forEach(function (s) {
        var most = 0;
        s.points.forEach(function (p) { if (p[1] > most) most = p[1]; });
        var peak = Math.max(60, most);      //  top of the chart: a minute at least
        var div = el("div", null, "chart");
        div.dataset.division = s.division;
        div.dataset.points = s.points.length;
        var last = s.points.length ? s.points[s.points.length - 1][1] : null;
        div.appendChild(el("p", s.division + " (" + s.kind + "): this minute " + duration(last) +
                           ", largest " + duration(most)));
        var svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("width", W);
        svg.setAttribute("height", H);
        svg.setAttribute("viewBox", "0 0 " + W + " " + H);
        var frame = document.createElementNS(SVG, "rect");
        frame.setAttribute("x", 0.5); frame.setAttribute("y", 0.5);
        frame.setAttribute("width", W - 1); frame.setAttribute("height", H - 1);
        frame.setAttribute("fill", "#fff"); frame.setAttribute("stroke", "#bbb");
        svg.appendChild(frame);
        var pts = s.points.map(function (p) {
            var x = (W - 2) * (1 - (now - p[0]) / span) + 1;
            var y = (H - 2) * (1 - p[1] / peak) + 1;
            return x.toFixed(1) + "," + y.toFixed(1);
        });
        var line = document.createElementNS(SVG, pts.length > 1 ? "polyline" : "circle");
        if (pts.length > 1) {
            line.setAttribute("points", pts.join(" "));
            line.setAttribute("fill", "none");
        } else if (pts.length === 1) {
            var xy = pts[0].split(",");
            line.setAttribute("cx", xy[0]); line.setAttribute("cy", xy[1]);
            line.setAttribute("r", 2); line.setAttribute("fill", "#c33");
        }
        line.setAttribute("stroke", "#c33");
        line.setAttribute("class", "lag-line");
        if (pts.length)
            svg.appendChild(line);
        var label = document.createElementNS(SVG, "text");
        label.setAttribute("x", 4); label.setAttribute("y", 12);
        label.setAttribute("font-size", 10); label.setAttribute("fill", "#555");
        label.textContent = "top: " + duration(peak);
        svg.appendChild(label);
        [[4, "start", duration(span) + " ago"], [W - 4, "end", "now"]].forEach(function (a) {
            var t = document.createElementNS(SVG, "text");
            t.setAttribute("x", a[0]); t.setAttribute("y", H - 4);
            t.setAttribute("text-anchor", a[1]);
            t.setAttribute("font-size", 10); t.setAttribute("fill", "#555");
            t.textContent = a[2];
            svg.appendChild(t);
        });
        div.appendChild(svg);
        box.appendChild(div);
    });
}

function renderQuarantine(q) {
    $("quarantine-summary").textContent = q.total + " entr" + (q.total === 1 ? "y" : "ies") +
        " held back here" + (q.more ? " (the first " + q.shown.length +
        " shown; licctl quarantine list for all)" : "");
    var rows = q.shown.map(function (it) {
        var tr = el("tr", null, "quarantined-entry");
        tr.dataset.origin = it.origin;
        tr.dataset.originSeq = it.origin_seq;
        cell(tr, it.origin, "origin text");
        cell(tr, it.origin_seq, "origin-seq");
        cell(tr, it.code, "code text");
        cell(tr, it.reason, "reason text");
        cell(tr, it.entry_bytes, "bytes");
        return tr;
    });
    replaceRows("quarantine", rows, "nothing held back", 5);
}

function renderLateness(l) {
    if (!l) {
        $("lateness-legend").textContent = "not measured by this node";
        replaceRows("lateness", [], "-", 4);
        return;
    }
    $("lateness-legend").textContent = l.legend;
    var rows = l.departments.map(function (d) {
        var share = d.events ? (d.events - d.late) / d.events : 1;
        var tr = el("tr", null, (share >= 0.99 ? "lag-ok" : share >= 0.9 ? "lag-warn" : "lag-bad") +
                    " department");
        tr.dataset.issuer = d.issuer;
        cell(tr, d.issuer, "text");
        cell(tr, d.events, "events");
        cell(tr, d.late, "late");
        cell(tr, (100 * share).toFixed(1) + " %", "on-time");
        return tr;
    });
    replaceRows("lateness", rows, "no events committed here since start", 4);
}

function renderHandshakes(list, children) {
    var rows = list.filter(function (h) { return h.count > 0; }).map(function (h) {
        var tr = el("tr", null, "lag-warn refusal");
        cell(tr, h.socket, "text");
        cell(tr, h.reason, "text");
        cell(tr, h.count);
        return tr;
    });
    children.forEach(function (c) {
        if (!c.refused)
            return;
        var tr = el("tr", null, "lag-bad refusal");
        cell(tr, "replication (child " + c.division + ")", "text");
        cell(tr, c.refused, "text");
        cell(tr, "last Hello", "text");
        rows.push(tr);
    });
    replaceRows("handshakes", rows, "none since start", 3);
}

function render(d) {
    var st = d.status;
    document.title = "licrepo " + st.division;
    $("division").textContent = st.division;
    var s = $("summary");
    s.className = "";
    s.textContent = "head " + st.head_seq + ", " + st.subtree.length + " node(s) below, " +
        st.children.length + " child link(s), quarantined " + st.quarantined +
        "; figures of " + when(d.generated_at) + ", refreshed every " + REFRESH_MS / 1000 + " s";
    renderTree(st);
    renderLinks(st);
    renderHistory(d.history, d.generated_at);
    renderQuarantine(d.quarantine);
    renderLateness(d.lateness);
    renderHandshakes(d.handshakes_refused, st.children);
    document.body.dataset.generatedAt = d.generated_at;
    document.body.dataset.ready = "1";
}

function refresh() {
    fetch("/dashboard.json", { cache: "no-store" }).then(function (r) {
        if (r.status === 503)
            return setTimeout(refresh, RETRY_MS);
        if (!r.ok)
            throw new Error("HTTP " + r.status);
        return r.json().then(function (d) {
            render(d);
            setTimeout(refresh, REFRESH_MS);
        });
    }).catch(function (e) {
        var s = $("summary");
        s.className = "stale";
        s.textContent = "cannot read /dashboard.json (" + e.message + "): figures below are old";
        setTimeout(refresh, REFRESH_MS);
    });
}

refresh();
