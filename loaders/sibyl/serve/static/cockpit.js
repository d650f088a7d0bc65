// The cockpit: every number comes from /api/v1 (amounts arrive as decimal strings); no library, nothing from the internet.
"use strict";

const COLORS = ["#3056d3", "#12b76a", "#f79009", "#7a5af8", "#ee46bc", "#06aed4", "#d92d20", "#667085", "#84cc16", "#a15c07"];
const state = { currency: "USD", monthly: [], org: null, group: null, unit: null };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function money(text, signed) {
  if (text === null || text === undefined) return "n/a";
  const value = Number(text);
  const formatted = new Intl.NumberFormat("en-US", { style: "currency", currency: state.currency || "USD" }).format(Math.abs(value));
  const sign = value < 0 ? "-" : signed && value > 0 ? "+" : "";
  return sign + formatted;
}

function pct(value, signed) {
  if (value === null || value === undefined) return "n/a";
  const rounded = Math.round(value * 10) / 10 + 0;
  return (signed && rounded > 0 ? "+" : "") + rounded.toFixed(1) + "%";
}

function trendClass(value) { return Number(value) > 0 ? "up" : Number(value) < 0 ? "down" : ""; }

function token() { return sessionStorage.getItem("sibyl-token"); }

async function api(path) {
  const headers = token() ? { Authorization: "Bearer " + token() } : {};
  const response = await fetch("/api/v1" + path, { headers });
  const body = await response.json();
  return { ok: response.ok, status: response.status, body };
}

function notice(message) {
  $("notice").hidden = false;
  $("notice").textContent = message;
}

function renderTeams(view) {
  const rows = view.rows;
  const biggest = Math.max(...rows.map((r) => Math.abs(Number(r.cost_30d))), 1);
  const body = $("teams").tBodies[0];
  body.replaceChildren(...rows.map((r) => el("tr", { "data-team": r.team, "data-group": r.business_group || "", "data-unit": r.business_unit || "" },
    el("td", {}, r.team), el("td", {}, r.business_unit || ""), el("td", {}, r.business_group || ""),
    el("td", { class: "num", "data-value": r.cost_30d }, money(r.cost_30d)),
    el("td", { class: "num" }, money(r.cost_prev_30d)),
    el("td", { class: "num " + trendClass(r.mom_change) }, money(r.mom_change, true)),
    el("td", { class: "num " + trendClass(r.mom_change) }, pct(r.mom_change_pct, true)),
    el("td", { style: "width:18%" }, el("div", { class: "bar", style: `width:${(100 * Math.max(Number(r.cost_30d), 0)) / biggest}%` })),
  )));
  const change = Number(view.total_30d) - Number(view.total_prev_30d);
  const changePct = Number(view.total_prev_30d) === 0 ? null : (100 * change) / Number(view.total_prev_30d);
  $("teams").tFoot.replaceChildren(el("tr", {}, el("td", {}, "total"), el("td"), el("td"),
    el("td", { class: "num", id: "teams-total", "data-value": view.total_30d }, money(view.total_30d)),
    el("td", { class: "num" }, money(view.total_prev_30d)),
    el("td", { class: "num " + trendClass(change) }, money(change.toFixed(6), true)),
    el("td", { class: "num " + trendClass(change) }, pct(changePct, true)), el("td")));
  $("total-30d").textContent = money(view.total_30d);
  $("total-30d").dataset.value = view.total_30d;
  $("total-change").className = "small " + trendClass(change);
  $("total-change").textContent = `${money(change.toFixed(6), true)} (${pct(changePct, true)}) vs the 30 days before`;
  $("window").textContent = `${view.window_start} to ${view.window_end}`;
  $("as-of").textContent = `as of ${view.window_end} · ${view.currency} · ${view.cost_basis.replace("_", " ")} · ` +
    `CUR from ${view.coverage.first_usage_date} to ${view.coverage.last_usage_date}`;
}

// The drill-down: every unit (or a group's units, or a unit's teams) stacked per month.
function stackKey(row) {
  if (state.unit) return row.business_unit === state.unit ? row.team : null;
  if (state.group) return row.business_group === state.group ? row.business_unit : null;
  return row.business_unit || (row.row_type === "charge" ? "charges" : row.team);
}

function renderCrumbs() {
  const crumbs = [el("a", { onclick: () => drill(null, null) }, "all business units")];
  if (state.group) crumbs.push(" > ", el("a", { onclick: () => drill(state.group, null) }, state.group));
  if (state.unit) crumbs.push(" > ", el("span", {}, state.unit));
  $("crumbs").replaceChildren(...crumbs);
  $("trend-level").textContent = state.unit ? `team (${state.unit})` : state.group ? `business unit (${state.group})` : "business unit";
  for (const button of $("groups").children) button.classList.toggle("active", button.dataset.group === state.group);
  // the team table dims the teams outside the group or unit drilled into
  for (const row of $("teams").tBodies[0].rows) {
    const r = row.dataset;
    const inside = (!state.group || r.group === state.group) && (!state.unit || r.unit === state.unit);
    row.classList.toggle("dim", !inside);
  }
}

function drill(group, unit) {
  state.group = group;
  state.unit = unit;
  renderCrumbs();
  renderTrend();
}

function renderTrend() {
  const months = [...new Set(state.monthly.map((r) => r.billing_month))].sort();
  const totals = {};
  for (const row of state.monthly) {
    const key = stackKey(row);
    if (key === null) continue;
    totals[key] = totals[key] || {};
    totals[key][row.billing_month] = (totals[key][row.billing_month] || 0) + Number(row.cost);
  }
  const keys = Object.keys(totals).sort((a, b) => sum(totals[b]) - sum(totals[a]));
  const height = 300, left = 70, bottom = 24, top = 12, width = 900;
  const tops = months.map((m) => keys.reduce((s, k) => s + Math.max(totals[k][m] || 0, 0), 0));
  const max = Math.max(...tops, 1);
  const band = (width - left) / Math.max(months.length, 1);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const add = (tag, attrs, text) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  const y = (v) => top + (height - bottom - top) * (1 - v / max);
  for (let i = 0; i <= 4; i++) {
    add("line", { x1: left, x2: width, y1: y((max * i) / 4), y2: y((max * i) / 4), stroke: "#e3e6ec" });
    add("text", { x: left - 6, y: y((max * i) / 4) + 4, "text-anchor": "end" }, money(((max * i) / 4).toFixed(0)).replace(/\.00$/, ""));
  }
  months.forEach((month, i) => {
    let base = 0;
    const x = left + i * band + band * 0.2;
    keys.forEach((key, k) => {
      const value = Math.max(totals[key][month] || 0, 0);
      if (value === 0) return;
      const segment = add("rect", { class: "segment", x, width: band * 0.6, y: y(base + value), height: y(base) - y(base + value),
        fill: COLORS[k % COLORS.length], "data-key": key });
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = `${key}, ${month.slice(0, 7)}: ${money(value.toFixed(2))}`;
      segment.append(title);
      segment.addEventListener("click", () => drillInto(key));
      base += value;
    });
    const label = state.monthly.some((r) => r.billing_month === month && r.is_month_to_date) ? " (to date)" : "";
    add("text", { x: x + band * 0.3, y: height - 6, "text-anchor": "middle" }, month.slice(0, 7) + label);
  });
  $("trend").replaceChildren(svg);
  $("legend").replaceChildren(...keys.map((key, k) => el("span", { "data-key": key, onclick: () => drillInto(key) },
    el("i", { style: `background:${COLORS[k % COLORS.length]}` }), `${key} ${money(sum(totals[key]).toFixed(2))}`)));
}

function sum(byMonth) { return Object.values(byMonth).reduce((a, b) => a + b, 0); }

function drillInto(key) {
  if (state.unit) return;
  if (state.group) return drill(state.group, key);
  const group = groupOfUnit(key);
  if (group) drill(group, key);
}

function groupOfUnit(unit) {
  for (const g of state.org.business_groups) if (g.business_units.some((u) => u.business_unit === unit)) return g.business_group;
  return null;
}

function renderGroups() {
  $("groups").replaceChildren(...state.org.business_groups.map((g) =>
    el("button", { type: "button", "data-group": g.business_group, onclick: () => drill(g.business_group, null) }, g.business_group)));
}

function renderUnallocated(data) {
  $("unallocated-share").textContent = pct(data.unallocated_share_pct);
  $("unallocated-amount").textContent = `${money(data.unallocated_30d)} of ${money(data.total_30d)}`;
  $("unallocated").tBodies[0].replaceChildren(...data.rows.slice(0, 8).map((r) => el("tr", {},
    el("td", { class: "id", title: r.resource_id || "" }, r.resource_id || "(no resource id)"), el("td", {}, r.product_code || ""),
    el("td", {}, r.usage_account_id || ""), el("td", { class: "num" }, money(r.cost_30d)))));
}

function renderUntagged(data) {
  const rows = data.rows.length ? data.rows.map((r) => el("tr", {},
    el("td", { class: "id", title: r.resource_id || "" }, r.resource_id || ""), el("td", {}, r.account_id || ""),
    el("td", {}, (r.missing_tags || r.invalid_tags || "").replaceAll(", ", ",")), el("td", {}, r.suggested_owner || "?"),
    el("td", { class: "num" }, money(r.monthly_cost)))) : [el("tr", {}, el("td", { colspan: 5 }, "every resource is tagged"))];
  $("untagged").tBodies[0].replaceChildren(...rows);
}

function renderCompliance(data) {
  if (!data.scan_id) {
    $("compliance-pct").textContent = "n/a";
    $("compliance-trend").textContent = data.message;
    return;
  }
  const overall = data.rows.find((r) => r.grain === "overall");
  $("compliance-pct").textContent = pct(overall.compliant_pct);
  const trend = data.trend.map((t) => pct(t.compliant_pct)).join(" → ");
  $("compliance-trend").textContent = `of ${overall.resources_seen} resources; by spend ${pct(overall.spend_compliant_pct)} · trend ${trend}`;
}

function renderIdle(data) {
  if (!data.available || !data.rows.length) {
    $("idle-saving").textContent = data.available ? money("0") : "n/a";
    $("idle-count").textContent = data.available ? "no idle resource found" : "no idle_resources mart: run `sibyl build`";
    return;
  }
  const saving = data.rows.reduce((s, r) => s + Number(r.estimated_monthly_saving || 0), 0);
  $("idle-saving").textContent = money(saving.toFixed(2));
  $("idle-count").textContent = `a month, from ${data.rows.length} resources`;
  $("idle-panel").hidden = false;
  $("idle").tBodies[0].replaceChildren(...data.rows.slice(0, 10).map((r) => el("tr", {},
    el("td", { class: "id", title: r.resource_id || "" }, r.resource_id || ""), el("td", {}, r.team || ""), el("td", {}, r.judgement),
    el("td", {}, r.evidence || ""), el("td", { class: "num" }, money(r.monthly_cost)), el("td", { class: "num" }, money(r.estimated_monthly_saving)))));
}

async function load() {
  const view = await api("/costs/by_team");
  if (view.status === 401) {
    $("token-form").hidden = false;
    $("as-of").textContent = "token needed";
    return;
  }
  if (!view.ok) {
    // an empty warehouse, a window without data, nothing built: the server says what to run
    notice(view.body.error);
    $("as-of").textContent = "no data";
    document.body.classList.add("empty");
    return;
  }
  state.currency = view.body.currency || "USD";
  renderTeams(view.body);
  const [monthly, org, unallocated, untagged, compliance, idle] = await Promise.all(
    ["/costs/by_team/monthly", "/org", "/costs/unallocated", "/compliance/untagged?limit=10", "/compliance/summary", "/resources/idle"].map(api));
  const failed = [monthly, org, unallocated, untagged, compliance, idle].find((r) => !r.ok);
  if (failed) notice(failed.body.error);
  state.monthly = monthly.body.rows || [];
  state.org = org.body;
  renderGroups();
  drill(null, null);
  renderUnallocated(unallocated.body);
  renderUntagged(untagged.body);
  renderCompliance(compliance.body);
  renderIdle(idle.body);
  document.body.classList.add("loaded");
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("sibyl-token", $("token").value);
  $("token-form").hidden = true;
  load();
});

load();
