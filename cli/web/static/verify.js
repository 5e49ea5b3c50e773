// The drop page: verify a proof file in the browser alone.
import { $, api, show, table, verdict } from "/static/common.js";
import { LATEST_RULES, decodeOutput, decodeStrict, parseStrict, publicModelTrust, sha256, verifyProof } from "/static/aleo.js";

// Without the WebAssembly verifier the button cannot work: say why (info.wasm_reason, pyleo_cli/web/verifier.py).
api("/api/examples").then((info) => {
  if (!info.wasm) {
    $("verify-button").disabled = true;
    show("result", `This server has no WebAssembly verifier to send to the browser: ${info.wasm_reason}`, "error");
  }
}).catch(() => {});

/** One sentence beside a verified proof: what it shows and what stays private (its execution's input kinds). */
function privacy(proof, programId, answer) {
  let inputs = [];
  try { inputs = JSON.parse(proof.execution).transitions[0].inputs ?? []; } catch { inputs = []; }
  const open = inputs.some((i) => i.type === "public"), hidden = inputs.some((i) => i.type !== "public");
  const kept = !hidden ? "it has no private input" : open ? "its private inputs stay hidden (encrypted, not readable here)"
    : "its inputs stay hidden (encrypted, not readable here)";
  return `The proof shows that the program ${programId} computed ${answer}: ${kept}; ` +
    `${open ? "its public inputs, " : ""}the output and the program are public.`;
}

$("verify-button").onclick = async () => {
  const file = $("proof-file").files[0];
  $("facts").replaceChildren();
  if (!file) { show("result", "choose a proof file", "error"); return; }
  if (file.size > 16 * 2 ** 20) {   // one proof (a program of at most 100 kB and its execution) is far smaller
    show("result", "larger than 16 MiB: not a single proof; a split proof of many parts: check it with `pyleo verify`", "error");
    return;
  }
  let proof;
  try {
    proof = parseStrict(decodeStrict(await file.arrayBuffer()));
  } catch (e) {   // not UTF-8, not JSON, or a key twice: invalid, as `pyleo verify` answers it
    const why = /appears twice/.test(e.message) ? e.message : e instanceof TypeError ? "not UTF-8 text" : "not JSON";
    show("result", `✘ not verified: not a pyleo proof file (${why})`, "bad");
    return;
  }
  show("result", "loading Aleo's WebAssembly verifier and verifying…", "note");
  try {
    const modelFile = $("model-file").files[0];
    const trust = modelFile ? await publicModelTrust(decodeStrict(await modelFile.arrayBuffer())) : null;
    const published = $("fingerprint").value.trim().toLowerCase().replace(/^0x/, "");
    if (published && trust && published !== trust.fingerprint) {
      throw new Error(`the public model file's SHA-256 is ${trust.fingerprint}, not the published fingerprint ${published}`);
    }
    const r = await verifyProof(proof, trust);
    if (r.reason === LATEST_RULES) show("result", r.reason, "note");   // not a bad proof: a verifier too old for it
    else show("result", verdict(r, "in this browser by @provablehq/wasm"), r.verified ? "ok" : "bad");
    const outputs = r.outputs ?? [];   // as snarkVM reads them (aleo.js), never the file's own text
    const label = r.verified && trust ? decodeOutput(trust.decoding, outputs[0]) : null;
    if (r.verified) $("result").textContent += ` ${privacy(proof, r.programId, label ?? outputs.join(", "))}`;
    table($("facts"), ["", "from the proof file", "from the public model file"], [
      ...(label !== null ? [["prediction", outputs[0], `${label} (the proved ${outputs[0]}, as this file names it)`]] : []),
      ["program", r.programId ?? "", trust ? trust.programId : ""],
      ["function", proof.function ?? "", trust ? trust.function : ""],
      ["program checksum", r.checksum ?? "", trust ? trust.checksum : ""],
      ["public outputs", outputs.join(", "), ""],
      ["verifying key SHA-256", r.vkSha256 ?? "", trust ? await sha256(trust.verifyingKey) : ""],
      ["block height", r.height === null ? "none: the latest rules" : String(r.height ?? ""), ""],
      ["public model file SHA-256 (fingerprint)", "", trust ? trust.fingerprint + (published ? " (= the published one)" : "") : ""],
    ]);
  } catch (e) {
    show("result", e.message || String(e), "error");
  }
};
