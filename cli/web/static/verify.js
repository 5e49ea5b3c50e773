// The drop page: verify a proof file in the browser alone.
import { $, show, table, verdict } from "/static/common.js";
import { publicModelTrust, publicOutputs, verifyProof } from "/static/aleo.js";

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
    const trust = { checksum: $("checksum").value.trim() };
    const modelFile = $("model-file").files[0];
    if (modelFile) {
      let doc;
      try { doc = JSON.parse(await modelFile.text()); } catch { doc = null; }
      const fromModel = await publicModelTrust(doc);
      if (trust.checksum && trust.checksum.toLowerCase().replace(/^0x/, "") !== fromModel.checksum) {
        throw new Error(`the checksum typed in is not the public model's (${fromModel.checksum})`);
      }
      Object.assign(trust, fromModel);
    }
    const r = await verifyProof(proof, trust);
    show("result", verdict(r, "in this browser by @provablehq/wasm"), r.verified ? "ok" : "bad");
    table($("facts"), ["", "from the proof file"], [
      ["program", proof.program_id ?? ""], ["function", proof.function ?? ""],
      ["program checksum", r.checksum ?? ""], ["public outputs", publicOutputs(proof).join(", ")],
      ["verifying key SHA-256 (from the file)", r.vkSha256 ?? ""], ["block height", String(r.height ?? "")],
    ]);
  } catch (e) {
    show("result", e.message || String(e), "error");
  }
};
