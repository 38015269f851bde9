// The Kiln farm console: four views over the controller's /api (overview, builds, a build, an
// agent). A build's output arrives as server-sent events and is rendered line by line, colours
// included (ansi_up). No framework and no build step: this file is served as it is.
import { AnsiUp } from "/static/ansi_up.js";

const view = document.getElementById("view");
let teardown = () => {};

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const stateOf = (s) => String(s ?? "").replace(/^STATE_/, "").toLowerCase();
const stateTag = (s) => `<span class="state state-${stateOf(s)}" data-state="${stateOf(s)}">${stateOf(s)}</span>`;
const ago = (iso) => {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${s.toFixed(0)} s ago` : s < 5400 ? `${(s / 60).toFixed(0)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
};
const duration = (a, b) => {
  if (!a) return "";
  const ms = (b ? Date.parse(b) : Date.now()) - Date.parse(a);
  return ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
};
const bytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : n < 1073741824 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1073741824).toFixed(2)} GiB`);

async function api(path, init) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  if (res.status === 401) {
    location.href = "/login";
    throw new Error("not logged in");
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? res.statusText);
  return body;
}

// What this session may do: a read-only one (logged in with the read-only token) is shown no
// Cancel button; the server refuses its changes anyway. Unknown (the call failed): no button.
const session = api("/api/session").catch(() => ({ access: "unknown" }));
const mayChange = async () => (await session).access === "full";
session.then((s) => {
  document.getElementById("access").hidden = s.access !== "read-only";
});

function go(path) {
  history.pushState(null, "", path);
  route();
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[href^='/']");
  if (!a || a.hasAttribute("download") || a.target) return;
  e.preventDefault();
  go(a.getAttribute("href"));
});
window.addEventListener("popstate", () => route());

function route() {
  teardown();
  teardown = () => {};
  const p = location.pathname;
  let m;
  if (p === "/") return overviewView();
  if (p === "/builds") return buildsView();
  if ((m = /^\/builds\/([^/]+)$/.exec(p))) return buildView(decodeURIComponent(m[1]));
  if ((m = /^\/agents\/([^/]+)$/.exec(p))) return agentView(decodeURIComponent(m[1]));
  view.innerHTML = `<h1>Not found</h1>`;
}

/** Re-runs `load` every `ms` until the view changes. */
function every(ms, load) {
  let timer;
  let alive = true;
  const tick = async () => {
    try {
      await load();
    } catch (e) {
      view.insertAdjacentHTML("afterbegin", `<p class="error">${esc(e.message)}</p>`);
    }
    if (alive) timer = setTimeout(tick, ms);
  };
  tick();
  teardown = () => {
    alive = false;
    clearTimeout(timer);
  };
}

function overviewView() {
  document.title = "Kiln farm";
  every(2000, async () => {
    const o = await api("/api/overview");
    const agents = o.agents.map((a) => `<tr data-agent="${esc(a.name)}">
      <td><a href="/agents/${encodeURIComponent(a.name)}">${esc(a.name)}</a></td><td>${esc(a.host)}</td><td>${esc(a.version)}</td>
      <td>${(a.builderTypes ?? []).map((c) => `<span class="tag">${esc(c)}</span>`).join("")}</td>
      <td>${Object.entries(a.labels ?? {}).map(([k, v]) => `<span class="tag">${esc(v === "" ? k : `${k}=${v}`)}</span>`).join("")}</td>
      <td class="slots">${a.busy ?? 0} used / ${(a.slots ?? 0) - (a.busy ?? 0)} free</td><td>${ago(a.lastSeen)}</td></tr>`).join("");
    const queue = o.queue.map((q) => `<tr><td>${esc(q.builderType)}</td><td>${q.depth}</td><td>${ago(q.oldestSubmittedAt)}</td></tr>`).join("");
    const counts = Object.entries(o.counts).map(([s, n]) => `${stateTag(s)} ${n}`).join(" · ") || "no builds yet";
    view.innerHTML = `<h1>Farm overview</h1><p id="counts">${counts}</p>
      <h2>Agents (${o.agents.length})</h2>
      <table id="agents"><thead><tr><th>Agent</th><th>Host</th><th>Version</th><th>Builders</th><th>Labels</th><th>Slots</th><th>Heartbeat</th></tr></thead><tbody>${agents || `<tr><td colspan="7" class="muted">No agent is connected.</td></tr>`}</tbody></table>
      <h2>Queue</h2>
      <table id="queue"><thead><tr><th>Builder type</th><th>Waiting jobs</th><th>Oldest wait</th></tr></thead><tbody>${queue || `<tr><td colspan="3" class="muted">Nothing waits.</td></tr>`}</tbody></table>`;
  });
}

function buildRows(builds) {
  return builds.map((b) => {
    const jobs = b.jobs ?? [];
    const started = jobs.map((j) => j.startedAt).filter(Boolean).sort()[0];
    const finished = jobs.every((j) => j.finishedAt) ? jobs.map((j) => j.finishedAt).sort().at(-1) : undefined;
    return `<tr data-build="${esc(b.id)}"><td><a href="/builds/${encodeURIComponent(b.id)}">${esc(b.id)}</a></td><td>${stateTag(b.state)}</td><td>${esc(b.template)}</td>
      <td>${jobs.map((j) => `<span class="tag">${esc(j.name)}</span>`).join("")}</td>
      <td>${[...new Set(jobs.map((j) => j.agent).filter(Boolean))].map((a) => `<a href="/agents/${encodeURIComponent(a)}">${esc(a)}</a>`).join(", ")}</td>
      <td>${ago(b.submittedAt)}</td><td>${duration(started, finished)}</td></tr>`;
  }).join("");
}

function buildsView(preset = {}) {
  document.title = "Builds — Kiln";
  const params = new URLSearchParams(location.search);
  view.innerHTML = `<h1>Builds</h1>
    <form class="filters" id="filters">
      <select name="state"><option value="">any state</option>${["queued", "running", "succeeded", "failed", "cancelled"].map((s) => `<option ${params.get("state") === s ? "selected" : ""}>${s}</option>`).join("")}</select>
      <input name="builder" placeholder="builder type" value="${esc(params.get("builder") ?? "")}">
      <input name="q" placeholder="id, template or build name" value="${esc(params.get("q") ?? "")}">
      <button type="submit">Filter</button></form>
    <table id="builds"><thead><tr><th>Build</th><th>State</th><th>Template</th><th>Builds</th><th>Agents</th><th>Submitted</th><th>Duration</th></tr></thead><tbody></tbody></table>
    <p><button id="older" hidden>Older builds</button> <span id="total" class="muted"></span></p>`;
  const form = document.getElementById("filters");
  let before = "";
  const load = async (append) => {
    const q = new URLSearchParams({ ...Object.fromEntries(new FormData(form)), ...preset, limit: "50", before });
    const page = await api(`/api/builds?${q}`);
    const body = view.querySelector("#builds tbody");
    if (!append) body.innerHTML = "";
    body.insertAdjacentHTML("beforeend", buildRows(page.builds));
    before = page.nextBefore;
    document.getElementById("older").hidden = !before;
    document.getElementById("total").textContent = `${page.total} builds in all`;
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    history.replaceState(null, "", `/builds?${new URLSearchParams(new FormData(form))}`);
    before = "";
    load(false);
  });
  document.getElementById("older").addEventListener("click", () => load(true));
  load(false);
}

function buildView(id) {
  document.title = `Build ${id} — Kiln`;
  view.innerHTML = `<h1>Build <span id="build-id">${esc(id)}</span> <span id="build-state"></span></h1>
    <div class="toolbar"><button id="cancel" class="danger" hidden>Cancel build</button>
      <label><input type="checkbox" id="follow" checked> follow</label>
      <button id="pause">Pause</button><button id="jump-error">Jump to error</button>
      <a id="download-log" href="/api/builds/${encodeURIComponent(id)}/log.txt" download>Download log</a></div>
    <table id="jobs"><thead><tr><th>Job</th><th>Builder</th><th>State</th><th>Agent</th><th>Attempts</th><th>Duration</th><th>Detail</th></tr></thead><tbody></tbody></table>
    <h2>Log</h2><pre id="log" tabindex="0"></pre>
    <h2>Artifacts</h2><div id="artifacts" class="muted">None yet.</div>`;
  const log = document.getElementById("log");
  const ansi = new AnsiUp();
  ansi.use_classes = false;
  let paused = false;
  const held = [];
  let build;
  const refresh = async () => {
    build = await api(`/api/builds/${encodeURIComponent(id)}`);
    const state = stateOf(build.state);
    document.getElementById("build-state").innerHTML = stateTag(build.state);
    document.getElementById("cancel").hidden = !(state === "queued" || state === "running") || !(await mayChange());
    view.querySelector("#jobs tbody").innerHTML = (build.jobs ?? []).map((j) => `<tr data-job="${j.index ?? 0}"><td>${esc(j.name)}</td><td>${esc(j.builderType)}</td><td>${stateTag(j.state)}</td>
      <td>${j.agent ? `<a href="/agents/${encodeURIComponent(j.agent)}">${esc(j.agent)}</a>` : ""}</td><td>${j.attempts ?? 0}</td><td>${duration(j.startedAt, j.finishedAt)}</td>
      <td>${esc(j.error || j.waitingFor || "")}</td></tr>`).join("");
    const arts = (build.jobs ?? []).flatMap((j) => (j.artifacts ?? []).map((a) => ({ j, a })));
    document.getElementById("artifacts").innerHTML = arts.length === 0 ? "None yet." : `<table id="artifact-list"><thead><tr><th>Job</th><th>Artifact</th><th>Files</th></tr></thead><tbody>${arts.map(({ j, a }) => `<tr><td>${esc(j.name)}</td>
      <td>${esc(a.description)}<div class="muted">${esc(a.builderId)} · ${esc(a.id)}</div></td>
      <td>${(a.files ?? []).map((f) => `<div><a download href="/api/builds/${encodeURIComponent(id)}/jobs/${j.index ?? 0}/artifact?path=${encodeURIComponent(f.path)}">${esc(f.path)}</a> ${bytes(Number(f.size ?? 0))} <span class="muted">sha256 ${esc(f.sha256)}</span></div>`).join("") || `<span class="muted">cloud artifact (no files)</span>`}</td></tr>`).join("")}</tbody></table>`;
  };
  const append = (line) => {
    log.insertAdjacentHTML("beforeend", line);
    if (document.getElementById("follow").checked) log.scrollTop = log.scrollHeight;
  };
  const show = (item) => {
    let html;
    if (item.log) html = `<div class="line ${item.log.level === "error" ? "error" : ""}" data-level="${esc(item.log.level)}">${ansi.ansi_to_html(item.log.text)}</div>`;
    else if (item.event) html = `<div class="line event ${item.event.error ? "error" : ""}" data-level="${item.event.error ? "error" : "event"}">— ${esc(item.event.name)}: ${esc(item.event.kind)}${item.event.error ? `: ${esc(item.event.error)}` : ""}${item.event.reason ? ` (${esc(item.event.reason)})` : ""}</div>`;
    if (!html) return;
    if (paused) held.push(html);
    else append(html);
  };
  document.getElementById("pause").addEventListener("click", (e) => {
    paused = !paused;
    e.target.textContent = paused ? "Resume" : "Pause";
    if (!paused) held.splice(0).forEach(append);
  });
  document.getElementById("jump-error").addEventListener("click", () => {
    const first = log.querySelector(".line.error");
    if (first) {
      document.getElementById("follow").checked = false;
      log.scrollTop = first.offsetTop - log.offsetTop;
    }
  });
  document.getElementById("cancel").addEventListener("click", async () => {
    await api(`/api/builds/${encodeURIComponent(id)}/cancel`, { method: "POST", headers: { "X-Kiln-Request": "1" } });
    await refresh();
  });
  refresh().catch((e) => view.insertAdjacentHTML("afterbegin", `<p class="error">${esc(e.message)}</p>`));
  const events = new EventSource(`/api/builds/${encodeURIComponent(id)}/events`);
  events.onmessage = (m) => {
    const item = JSON.parse(m.data);
    show(item);
    if (item.event) refresh();
  };
  events.addEventListener("end", () => {
    events.close();
    refresh();
  });
  teardown = () => events.close();
}

function agentView(name) {
  document.title = `Agent ${name} — Kiln`;
  view.innerHTML = `<h1>Agent ${esc(name)}</h1><div id="agent-facts" class="muted">Loading…</div><h2>Recent builds</h2>
    <table id="builds"><thead><tr><th>Build</th><th>State</th><th>Template</th><th>Builds</th><th>Agents</th><th>Submitted</th><th>Duration</th></tr></thead><tbody></tbody></table>`;
  every(3000, async () => {
    const agents = await api("/api/agents");
    const a = agents.find((x) => x.name === name);
    document.getElementById("agent-facts").innerHTML = a
      ? `<table><tbody><tr><th>Host</th><td>${esc(a.host)}</td></tr><tr><th>Version</th><td>${esc(a.version)}</td></tr>
         <tr><th>Slots</th><td>${a.busy ?? 0} used of ${a.slots}</td></tr><tr><th>Builders</th><td>${(a.builderTypes ?? []).join(", ")}</td></tr>
         <tr><th>Capabilities</th><td>${(a.capabilities ?? []).map((c) => `<span class="tag">${esc(c)}</span>`).join("")}</td></tr>
         <tr><th>Labels</th><td>${Object.entries(a.labels ?? {}).map(([k, v]) => esc(v === "" ? k : `${k}=${v}`)).join(", ")}</td></tr>
         <tr><th>Started</th><td>${esc(a.startedAt)}</td></tr><tr><th>Heartbeat</th><td>${ago(a.lastSeen)}</td></tr></tbody></table>`
      : "This agent is not connected now.";
    const page = await api(`/api/builds?agent=${encodeURIComponent(name)}&limit=25`);
    view.querySelector("#builds tbody").innerHTML = buildRows(page.builds);
  });
}

route();
