/*
 * srt-relay monitor page: follows /events (one MonitorSample a second, see monitor-sample.ts) and
 * draws, per connection, the last HISTORY_S seconds of bitrate, RTT, loss/retransmission/drop rates
 * and buffer/flow window with uPlot. Rates come from the difference between two samples' totals.
 * Plain script, no build step. Every text from the relay (stream names, users) goes through
 * textContent, never HTML: they are chosen by whoever connects.
 */
'use strict';
(function () {
  /** Points kept per connection: one a second. */
  const HISTORY_S = 300;
  /** A connection that left stays on the page, greyed, this long. */
  const GONE_KEEP_MS = 60000;
  const CHART_HEIGHT = 130;

  const streamsEl = document.getElementById('streams');
  const noStreamsEl = document.getElementById('no-streams');
  const summaryEl = document.getElementById('summary');
  const statusEl = document.getElementById('status');

  /** name → { el, head, list, lastBytesIn, lastBytesOut, lastTime, rateIn, rateOut } */
  const streams = new Map();
  /** connection id → Conn (below) */
  const conns = new Map();
  let eventCount = 0;
  let lastSample = null;

  // ---------------------------------------------------------------------------------------------
  // Formatting

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtBytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? String(n) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
  }

  function fmtDuration(ms) {
    let s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + s + 's';
    return s + 's';
  }

  function fmtMbps(v) {
    return v === null || v === undefined ? '–' : v.toFixed(2) + ' Mbit/s';
  }

  function fmtNum(v, digits) {
    return v === null || v === undefined ? '–' : v.toFixed(digits);
  }

  // ---------------------------------------------------------------------------------------------
  // Charts

  /** y from 0 to a little above the largest value (at least `floor`), so that a flat line sits low, not mid-chart. */
  function fromZero(floor) {
    return function (u, min, max) {
      return [0, Math.max(floor, (max || 0) * 1.1)];
    };
  }

  const CHARTS = [
    {
      title: 'Bitrate (Mbit/s)',
      fields: ['bitrate'],
      scales: { y: { range: fromZero(0.1) } },
      series: [{ label: 'Mbit/s', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.10)', width: 1.5 }],
      axes: [{}],
    },
    {
      title: 'RTT (ms)',
      fields: ['rtt'],
      scales: { y: { range: fromZero(1) } },
      series: [{ label: 'ms', stroke: '#7c3aed', width: 1.5 }],
      axes: [{}],
    },
    {
      title: 'Loss, retrans, drops (pkt/s)',
      fields: ['lost', 'retrans', 'dropped'],
      scales: { y: { range: fromZero(1) } },
      series: [
        { label: 'lost', stroke: '#dc2626', width: 1.5 },
        { label: 'retrans', stroke: '#ea580c', width: 1.5 },
        { label: 'dropped', stroke: '#4b5563', width: 1.5, dash: [4, 3] },
      ],
      axes: [{}],
    },
    {
      title: 'Buffer (ms), flow window (pkt)',
      fields: ['buf', 'win'],
      scales: { ms: { range: fromZero(1) }, pkt: { range: fromZero(1) } },
      series: [
        { label: 'buffer ms', stroke: '#059669', width: 1.5, scale: 'ms' },
        { label: 'window', stroke: '#0891b2', width: 1.5, scale: 'pkt', dash: [4, 3] },
      ],
      axes: [{ scale: 'ms' }, { scale: 'pkt', side: 1, size: 52, grid: { show: false } }],
    },
  ];

  /** Time of day only: the date would take a second line under every chart. */
  function timeTicks(u, splits) {
    return splits.map(function (v) {
      return new Date(v * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    });
  }

  function makeChart(spec, conn, cell) {
    const opts = {
      width: Math.max(150, cell.clientWidth || 250),
      height: CHART_HEIGHT,
      cursor: { sync: { key: 'conn-' + conn.id } },
      // A single series is named by the chart's title; several need their key (names only: compact).
      legend: { show: spec.series.length > 1, live: false },
      scales: Object.assign({ x: { time: true } }, spec.scales),
      series: [{}].concat(spec.series.map(function (s) {
        return Object.assign({ points: { show: false }, spanGaps: false }, s);
      })),
      axes: [{ stroke: '#6b7280', values: timeTicks, space: 60, grid: { stroke: '#f0f0f0' }, ticks: { stroke: '#e5e7eb' } }].concat(spec.axes.map(function (a) {
        return Object.assign({ stroke: '#6b7280', size: 44, grid: { stroke: '#f0f0f0' }, ticks: { stroke: '#e5e7eb' } }, a);
      })),
    };
    return new uPlot(opts, chartData(conn, spec), cell);
  }

  function chartData(conn, spec) {
    return [conn.data.t].concat(spec.fields.map(function (f) { return conn.data[f]; }));
  }

  // Charts follow their cell's width (window resize, scrollbar appearing).
  const resizer = new ResizeObserver(function (entries) {
    for (const entry of entries) {
      const u = entry.target.__uplot;
      const width = Math.floor(entry.contentRect.width);
      if (u && width > 0 && Math.abs(u.width - width) > 1) u.setSize({ width: width, height: CHART_HEIGHT });
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Streams and connections

  function ensureStream(name) {
    let st = streams.get(name);
    if (st) return st;
    const section = el('section', 'stream');
    const head = el('div', 'stream-head');
    const title = el('h2', null, name);
    const badge = el('span', 'badge');
    const facts = el('span', 'facts');
    head.append(title, badge, facts);
    const list = el('div', 'conns');
    section.append(head, list);
    // Streams in name order.
    const after = [...streams.keys()].filter(function (n) { return n > name; }).sort()[0];
    streamsEl.insertBefore(section, after !== undefined ? streams.get(after).el : null);
    st = { name: name, el: section, badge: badge, facts: facts, list: list, last: null, rateIn: null, rateOut: null };
    streams.set(name, st);
    return st;
  }

  function updateStream(st, s, time) {
    if (st.last && time > st.last.time) {
      const dt = (time - st.last.time) / 1000;
      st.rateIn = rate(s.bytesIn, st.last.bytesIn, dt) * 8 / 1e6;
      st.rateOut = rate(s.bytesOut, st.last.bytesOut, dt) * 8 / 1e6;
    }
    st.last = { time: time, bytesIn: s.bytesIn, bytesOut: s.bytesOut };
    const hasPublisher = s.connections.some(function (c) { return c.role === 'publisher'; });
    const players = s.connections.length - (hasPublisher ? 1 : 0);
    st.badge.className = 'badge ' + (hasPublisher ? 'live' : s.waitingForPublisher ? 'waiting' : '');
    st.badge.textContent = hasPublisher ? 'live' : s.waitingForPublisher ? 'waiting for publisher' : 'no publisher';
    st.facts.textContent = players + (players === 1 ? ' player' : ' players') +
      ' · in ' + fmtMbps(st.rateIn) + ' · out ' + fmtMbps(st.rateOut) +
      ' · ' + fmtBytes(s.bytesIn) + ' in, ' + fmtBytes(s.bytesOut) + ' out · up ' + fmtDuration(time - s.createdAt);
  }

  /** Per second, or null when a total went backwards (a counter cannot: the sample is not comparable). */
  function rate(cur, prev, dt) {
    const d = cur - prev;
    return d >= 0 ? d / dt : null;
  }

  function ensureConn(c, st) {
    let conn = conns.get(c.id);
    if (conn) return conn;
    const row = el('div', 'conn ' + c.role);
    const info = el('div', 'conn-info');
    const title = el('div', 'title');
    title.append(el('span', 'badge ' + c.role, c.role), el('span', 'remote', c.remote));
    const sub = el('div', 'sub', '#' + c.id + (c.user ? ' · user ' + c.user : '') + ' · ' + c.streamId);
    const table = el('table');
    info.append(title, sub, table);
    const charts = el('div', 'charts');
    row.append(info, charts);
    // The publisher first, then players in connection order.
    if (c.role === 'publisher') st.list.prepend(row); else st.list.append(row);
    conn = {
      id: c.id, role: c.role, stream: st.name, row: row, table: table, cells: {}, last: null, lastTime: 0, goneAt: null,
      data: { t: [], bitrate: [], rtt: [], lost: [], retrans: [], dropped: [], buf: [], win: [] },
      charts: [],
    };
    conns.set(c.id, conn);
    for (const spec of CHARTS) {
      const cell = el('div', 'chart');
      cell.append(el('h3', null, spec.title));
      charts.append(cell);
      const u = makeChart(spec, conn, cell);
      cell.__uplot = u;
      resizer.observe(cell);
      conn.charts.push({ spec: spec, u: u });
    }
    return conn;
  }

  function addPoint(conn, c, time) {
    if (conn.last && time <= conn.lastTime) return; // the same sample twice (reconnect): nothing new
    let r = { bitrate: null, lost: null, retrans: null, dropped: null };
    if (conn.last) {
      const dt = (time - conn.lastTime) / 1000;
      const p = conn.last;
      const bps = rate(c.bytes, p.bytes, dt);
      r = {
        bitrate: bps === null ? null : bps * 8 / 1e6,
        lost: rate(c.lost, p.lost, dt),
        retrans: rate(c.retrans, p.retrans, dt),
        dropped: rate(c.dropped + c.backlogDropped, p.dropped + p.backlogDropped, dt),
      };
    }
    conn.last = c;
    conn.lastTime = time;
    const d = conn.data;
    d.t.push(time / 1000);
    d.bitrate.push(r.bitrate);
    d.rtt.push(c.msRTT);
    d.lost.push(r.lost);
    d.retrans.push(r.retrans);
    d.dropped.push(r.dropped);
    d.buf.push(c.msBuf);
    d.win.push(c.pktFlowWindow);
    const excess = d.t.length - HISTORY_S;
    if (excess > 0) for (const k in d) d[k].splice(0, excess);
    for (const ch of conn.charts) ch.u.setData(chartData(conn, ch.spec));
    showFacts(conn, c, r, time);
  }

  function showFacts(conn, c, r, time) {
    const rows = [
      ['bitrate', fmtMbps(r.bitrate)],
      ['RTT', fmtNum(c.msRTT, 1) + ' ms'],
      [c.role === 'publisher' ? 'received' : 'sent', fmtBytes(c.bytes)],
      ['lost / retrans', c.lost + ' / ' + c.retrans],
      ['dropped', String(c.dropped + c.backlogDropped)],
      ['connected', fmtDuration(time - c.connectedAt)],
    ];
    for (const [k, v] of rows) {
      let cell = conn.cells[k];
      if (!cell) {
        const tr = el('tr');
        cell = el('td');
        tr.append(el('td', null, k), cell);
        conn.table.append(tr);
        conn.cells[k] = cell;
      }
      cell.textContent = v;
    }
  }

  function removeConn(conn) {
    for (const ch of conn.charts) {
      resizer.unobserve(ch.u.root.parentNode);
      ch.u.destroy();
    }
    conn.row.remove();
    conns.delete(conn.id);
  }

  function showSummary(s) {
    let publishers = 0;
    let players = 0;
    for (const st of s.streams) {
      for (const c of st.connections) { if (c.role === 'publisher') publishers++; else players++; }
    }
    const rejects = Object.entries(s.rejects);
    const items = [
      ['up', fmtDuration(s.time - s.startedAt)],
      ['streams', String(s.streams.length)],
      ['publishers', String(publishers)],
      ['players', String(players)],
      ['accepted', s.accepted.publisher + ' publishers, ' + s.accepted.player + ' players'],
      ['rejected', rejects.length ? rejects.map(function (e) { return e[0].replace(/^SRT_REJX?_/, '') + ' ' + e[1]; }).join(', ') : '0'],
    ];
    summaryEl.replaceChildren.apply(summaryEl, items.map(function (it) {
      const d = el('div');
      d.append(el('dt', null, it[0]), el('dd', null, it[1]));
      return d;
    }));
  }

  function onSample(s) {
    eventCount++;
    lastSample = s;
    showSummary(s);
    const now = Date.now();
    const seen = new Set();
    const liveStreams = new Set();
    for (const ss of s.streams) {
      const st = ensureStream(ss.name);
      liveStreams.add(ss.name);
      updateStream(st, ss, s.time);
      for (const c of ss.connections) {
        const conn = ensureConn(c, st);
        seen.add(c.id);
        if (conn.goneAt !== null) { conn.goneAt = null; conn.row.classList.remove('gone'); }
        addPoint(conn, c, s.time);
      }
    }
    for (const conn of [...conns.values()]) {
      if (seen.has(conn.id)) continue;
      if (conn.goneAt === null) {
        conn.goneAt = now;
        conn.row.classList.add('gone');
        const title = conn.row.querySelector('.title');
        title.append(el('span', 'badge', 'left'));
      } else if (now - conn.goneAt > GONE_KEEP_MS) {
        removeConn(conn);
      }
    }
    for (const st of [...streams.values()]) {
      if (liveStreams.has(st.name)) continue;
      if (st.list.childElementCount === 0) { st.el.remove(); streams.delete(st.name); }
      else { st.badge.className = 'badge'; st.badge.textContent = 'closed'; }
    }
    noStreamsEl.hidden = streams.size > 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Event stream

  function connect() {
    const source = new EventSource('events');
    source.onopen = function () {
      statusEl.textContent = 'live';
      statusEl.className = 'status live';
    };
    source.onerror = function () {
      statusEl.textContent = 'disconnected, retrying…';
      statusEl.className = 'status down';
      // EventSource reconnects by itself after a network error, but gives up for good on an HTTP
      // error (a proxy's 502 while the relay restarts, a 503 when too many pages follow it).
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    };
    source.onmessage = function (ev) {
      let s;
      try { s = JSON.parse(ev.data); } catch (e) { return; }
      onSample(s);
    };
  }

  /** For tests and the curious: what the page holds. */
  window.__monitor = {
    get events() { return eventCount; },
    get lastSample() { return lastSample; },
    connections: function () {
      return [...conns.values()].map(function (conn) {
        return {
          id: conn.id,
          role: conn.role,
          stream: conn.stream,
          gone: conn.goneAt !== null,
          points: conn.data.t.length,
          latest: Object.fromEntries(Object.keys(conn.data).map(function (k) {
            return [k, conn.data[k][conn.data[k].length - 1]];
          })),
          charts: conn.charts.map(function (ch) {
            return {
              title: ch.spec.title,
              points: ch.u.data[0].length,
              values: ch.u.data.slice(1).map(function (series) {
                return series.filter(function (v) { return v !== null && v !== undefined; }).length;
              }),
            };
          }),
        };
      });
    },
  };

  connect();
})();
