// The drop page: verify a proof file in the browser alone.
import { $, show, table, verdict } from "/static/common.js";
import { publicModelTrust, publicOutputs, sha256, verifyProof } from "/static/aleo.js";

$("verify-button").onclick = async () => {
  const file = $("proof-file").files[0];
  $("facts").replaceChildren();
  if (!file) { show("result", "choose a proof file", "error"); return; }
  if (file.size > 16 * 2 ** 20) { show("result", "larger than 16 MiB: not a pyleo proof file", "error"); return; }
  let proof;
  try {
    proof = JSON.parse(await file.text());
  } catch {
    show("result", "not a pyleo proof file (not JSON)", "error");
    return;
  }
  show("result", "loading Aleo's WebAssembly verifier and verifying…", "note");
  try {
    const modelFile = $("model-file").files[0];
    const trust = modelFile ? await publicModelTrust(await modelFile.text()) : null;
    const published = $("fingerprint").value.trim().toLowerCase().replace(/^0x/, "");
    if (published && trust && published !== trust.fingerprint) {
      throw new Error(`the public model file's SHA-256 is ${trust.fingerprint}, not the published fingerprint ${published}`);
    }
    const r = await verifyProof(proof, trust);
    show("result", verdict(r, "in this browser by @provablehq/wasm"), r.verified ? "ok" : "bad");
    table($("facts"), ["", "from the proof file", "from the public model file"], [
      ["program", proof.program_id ?? "", trust ? trust.programId : ""],
      ["function", proof.function ?? "", trust ? trust.function : ""],
      ["program checksum", r.checksum ?? "", trust ? trust.checksum : ""],
      ["public outputs", publicOutputs(proof).join(", "), ""],
      ["verifying key SHA-256", r.vkSha256 ?? "", trust ? await sha256(trust.verifyingKey) : ""],
      ["block height", String(r.height ?? ""), ""],
      ["public model file SHA-256 (fingerprint)", "", trust ? trust.fingerprint + (published ? " (= the published one)" : "") : ""],
    ]);
  } catch (e) {
    show("result", e.message || String(e), "error");
  }
};
