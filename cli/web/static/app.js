// The main page: choose → predict → prove → download → verify (server and browser).
import { $, api, show, table, verdict } from "/static/common.js";
import { parseStrict, publicModelTrust, verifyProof } from "/static/aleo.js";
import { showNetwork } from "/static/network.js";

let model = null;   // the server's summary of the chosen model
let job = null;     // the last finished proving job
let proofText = null;
let noVerifier = "";   // why this page cannot verify in the browser (data.wasm_reason), shown by the disabled button

function fmt(x) { return x == null ? "" : Number(x.toPrecision(6)).toString(); }

async function loadExamples() {
  const data = await api("/api/examples");
  const box = $("examples");
  for (const ex of data.examples) {
    const b = document.createElement("button");
    b.textContent = ex.title;
    b.id = `example-${ex.id}`;
    b.onclick = () => choose(api(`/api/models/example/${ex.id}`, { method: "POST" }), ex.title);
    box.appendChild(b);
  }
  if (!data.wasm) {   // data.wasm_reason: why, and how to fix it (pyleo_cli/web/verifier.py)
    show("choose-status", `No in-browser verifier: ${data.wasm_reason}`, "warn");
    $("verify-browser-button").disabled = true;
    $("verify-browser-button").title = data.wasm_reason;
    noVerifier = `Verifying in this browser needs the WebAssembly verifier: ${data.wasm_reason}`;
    show("verify-browser-result", noVerifier, "warn");
  }
}

async function choose(request, what) {
  show("choose-status", `Converting ${what} (fitting, quantizing, checking fidelity, sizing the circuit)…`, "note");
  for (const id of ["model", "sample", "prove", "verify", "aleo"]) $(id).classList.add("hidden");
  try {
    model = await request;
  } catch (e) {
    show("choose-status", e.message, "error");
    return;
  }
  show("choose-status", `Chosen: ${model.title}`, "ok");
  showModel();
  showNetwork(model, sample);
}

function showModel() {
  const m = model;
  const size = `about ${m.estimate.toLocaleString()} constraints (pyleo's cost model; snarkVM's exact count comes with the proof)`;
  const where = m.fits ? `fits one circuit here (≤ ${m.limit.toLocaleString()})`
    : `too large for one circuit here (≤ ${m.limit.toLocaleString()}); split plan: ` +
      (m.split_plan.error || `${m.split_plan.parts} parts of ${m.split_plan.constraints.join(", ")} constraints`);
  $("model-facts").textContent = `${m.program_id} — ${m.kind}, ${m.features.length} features, ${size}; ${where}. ` +
    `Program checksum ${m.checksum}.`;
  $("model-source").textContent = m.source;
  $("public-model-link").href = `/api/models/${m.id}/public-model`;
  const f = m.fidelity;
  const rows = f.n < f.of ? `the first ${f.n} of ${f.of} ${f.rows_kind} rows` : `${f.n} ${f.rows_kind} rows`;
  $("fidelity-summary").textContent = f.regressor
    ? `On ${rows}, the circuit's predictions are within ${f.max_rel_error.toPrecision(2)} of the float model's range ` +
      `(largest error ${f.max_abs_error.toPrecision(3)}; bar: ${f.bar}).`
    : `${(f.agreement * 100).toFixed(1)}% of ${rows}: the circuit predicts what the float model predicts.`;
  table($("fidelity-table"), ["row", "circuit", "float", "truth", f.regressor ? "error" : "agree"],
    f.rows.map((r) => [r.row, r.circuit, r.float, r.truth ?? "",
      f.regressor ? r.agree.toPrecision(3) : r.agree ? "yes" : "NO"]));
  $("fidelity-plot").src = `/api/models/${m.id}/fidelity.png`;
  const grid = $("feature-grid");
  grid.replaceChildren();
  m.features.forEach((feat, i) => {
    const label = document.createElement("label");
    label.title = !feat.used ? "not used by the model"
      : `the circuit takes values from ${fmt(feat.low)} to ${fmt(feat.high)}: the data's range widened on both sides ` +
        "so that values near it are taken too (the bounds are the circuit's, and may lie where the feature never " +
        "goes, below 0 for a length); outside them it refuses the row";
    const seen = feat.seen_low !== null && feat.seen_low !== undefined
      ? ` (${fmt(feat.seen_low)} to ${fmt(feat.seen_high)} in the data)` : "";
    label.textContent = feat.name + (feat.used ? seen : " (not used by the model)");
    const input = document.createElement("input");
    input.id = `feature-${i}`;
    input.type = "text";
    label.appendChild(input);
    grid.appendChild(label);
  });
  const select = $("held-out");
  select.replaceChildren();
  m.held_out.forEach((r) => {
    const o = document.createElement("option");
    o.value = r.row;
    o.textContent = `row ${r.row}` + (r.truth != null ? ` (${r.truth})` : "");
    select.appendChild(o);
  });
  select.onchange = () => fillRow(Number(select.value));
  fillRow(m.held_out[0].row);
  for (const id of ["model", "sample"]) $(id).classList.remove("hidden");
  show("prediction", "");
}

function fillRow(i) {
  const row = model.held_out.find((r) => r.row === i);
  row.values.forEach((v, j) => { $(`feature-${j}`).value = fmt(v); });
}

function sample() {
  return model.features.map((_, j) => {
    const text = $(`feature-${j}`).value.trim();
    return text === "" ? null : Number(text);
  });
}

async function predict(event) {
  event.preventDefault();
  $("prove").classList.add("hidden");
  $("verify").classList.add("hidden");
  const values = sample();
  const bad = values.findIndex((v) => v !== null && !Number.isFinite(v));
  if (bad >= 0) { show("prediction", `${model.features[bad].name}: not a number`, "error"); return; }
  try {
    const r = await api(`/api/models/${model.id}/predict`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ features: values }),
    });
    show("prediction", `Circuit prediction: ${r.circuit} (float model: ${r.float})`, "ok");
    $("prove").classList.remove("hidden");
    show("prove-status", "");
    $("download").classList.add("hidden");
  } catch (e) {
    show("prediction", e.message, "error");
  }
}

async function prove() {
  $("prove-button").disabled = true;
  $("download").classList.add("hidden");
  $("verify").classList.add("hidden");
  try {
    let j = await api(`/api/models/${model.id}/prove`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ features: sample() }),
    });
    $("prove-status").scrollIntoView({ block: "center", behavior: "smooth" });   // the status, where the eye is
    while (j.state !== "done" && j.state !== "error") {
      const phase = { queued: "waiting for the prover",
                      synthesizing: "getting this model's proving keys ready (built the first time, ~10–40 s; loaded afterwards)",
                      proving: "proving" }[j.state];
      const before = j.times.synthesize != null ? ` — keys ready in ${j.times.synthesize.toFixed(1)} s` : "";
      show("prove-status", `${phase}… ${j.phase_elapsed.toFixed(1)} s${before}`, "note");
      await new Promise((r) => setTimeout(r, 400));
      j = await api(`/api/jobs/${j.id}`);
    }
    if (j.state === "error") throw new Error(j.error + (j.hint ? `\nhint: ${j.hint}` : ""));
    job = j;
    const link = $("download-link");
    link.href = `/api/jobs/${j.id}/proof`;
    link.download = `${model.name}.predict.proof.json`;
    proofText = await (await fetch(link.href)).text();
    $("download").classList.remove("hidden");
    $("verify").classList.remove("hidden");
    show("verify-server-result", "");
    show("verify-browser-result", noVerifier, noVerifier ? "warn" : "");   // the reason stays beside the button
    show("prove-status", `Proved: prediction ${j.prediction ?? "(private)"}. ${privacy(model)} ` +
      `(Keys ready in ${j.times.synthesize.toFixed(1)} s, proving ${j.times.prove.toFixed(1)} s, ` +
      `${j.proof.constraints.toLocaleString()} constraints.)`, "ok");
    $("prove-status").scrollIntoView({ block: "center", behavior: "smooth" });
  } catch (e) {
    show("prove-status", e.message, "error");
  } finally {
    $("prove-button").disabled = false;
  }
}

/** One sentence: what a proof of `m` shows and what stays private (its visibility settings). */
function privacy(m) {
  const n = m.features.length;
  const inputs = m.inputs === "public" ? `your ${n} values are public in the proof` : `your ${n} values stay hidden`;
  const label = { private: "the label stays encrypted to you and the program is public",
                  commitment: "the label stays hidden; a commitment to it and the program are public" }[m.output]
    ?? "the label and the program are public";
  const weights = m.weights === "private" ? "the model's weights stay private under a public commitment"
    : "the model's weights are public, in its program";
  return `The proof shows that the program ${m.program_id} computed this answer: ${inputs}; ${label}; ${weights}.`;
}

async function verifyServer() {
  show("verify-server-result", "verifying on the server…", "note");
  const form = new FormData();
  form.append("proof", new Blob([proofText], { type: "application/json" }), "proof.json");
  form.append("model_id", model.id);
  try {
    const r = await api("/api/verify", { method: "POST", body: form });
    show("verify-server-result", verdict(r, "on the server by snarkVM, against the chosen model's program") +
      (r.prediction ? ` — the proof says: ${r.prediction}` : ""), r.verified ? "ok" : "bad");
  } catch (e) {
    show("verify-server-result", e.message, "error");
  }
}

async function verifyBrowser() {
  show("verify-browser-result", "loading Aleo's WebAssembly verifier and verifying in this browser…", "note");
  try {
    // the verifying key comes from the model's public file (derived by the server from the program), never
    // from the proof file; its SHA-256 is the fingerprint to compare with the one the model's owner publishes
    const response = await fetch(`/api/models/${model.id}/public-model`);
    const text = await response.text();
    if (!response.ok) throw new Error(JSON.parse(text).error);
    const trust = await publicModelTrust(text);
    const r = await verifyProof(parseStrict(proofText), trust);
    show("verify-browser-result", verdict(r, "in this browser by @provablehq/wasm") +
      ` — with the verifying key of the public model file, SHA-256 ${trust.fingerprint} (compare it with the ` +
      `fingerprint the model's owner publishes); program checksum ${r.checksum}`,
      r.verified ? "ok" : "bad");
  } catch (e) {
    show("verify-browser-result", `the in-browser verifier failed: ${e.message || e}`, "error");
  }
}

$("upload-form").onsubmit = (event) => {
  event.preventDefault();
  const m = $("upload-model").files[0], rows = $("upload-rows").files[0];
  if (!m || !rows) { show("choose-status", "choose a model file and a CSV of calibration rows", "error"); return; }
  const form = new FormData();
  form.append("model", m);
  form.append("rows", rows);
  choose(api("/api/models/upload", { method: "POST", body: form }), m.name);
};
$("sample-form").onsubmit = predict;
$("prove-button").onclick = prove;
$("verify-server-button").onclick = verifyServer;
$("verify-browser-button").onclick = verifyBrowser;
loadExamples().catch((e) => show("choose-status", e.message, "error"));
