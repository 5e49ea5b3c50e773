// In-browser verification of a pyleo proof file with Aleo's WebAssembly verifier (@provablehq/wasm,
// served by `pyleo serve` from node_modules, installed by `npm ci`). Nothing here asks the server.

let aleo = null;

/** The verifier module (loads ~21 MB of WebAssembly once). */
export async function loadVerifier() {
  if (!aleo) aleo = await import("/wasm/index.js");
  return aleo;
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 (hex) of a text, with the browser's WebCrypto. */
export async function sha256(text) {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

// pyleo.vm.WASM_BLOCK_HEIGHT: proofs made by `pyleo serve` carry it as "block_height"; proofs without it
// were made under the latest consensus version (V22, Varuna V3), which this verifier build predates.
const LATEST_HEIGHT = 22962000;

/** The public outputs a proof's execution carries (Aleo literals), in order. */
export function publicOutputs(proof) {
  try {
    const [t] = JSON.parse(proof.execution).transitions;
    return t.outputs.filter((o) => o.type === "public").map((o) => String(o.value).replace(/\s+/g, ""));
  } catch {
    return [];
  }
}

/**
 * The trust a public model file (format pyleo-public-model/1, from `pyleo commit --out` or the main
 * page's link) gives: {checksum}, computed here from its program text. (Its commitment, for private
 * weights, is not checked here: such proofs come from `pyleo prove`, made under rules this verifier
 * build predates; `pyleo verify --public-model` checks them.)
 * Throws Error with a message when it is not one, or when its checksum field disagrees with its program.
 */
export async function publicModelTrust(doc) {
  const w = await loadVerifier();
  if (!doc || doc.format !== "pyleo-public-model/1" || typeof doc.program !== "string") {
    throw new Error("not a pyleo public model file (format pyleo-public-model/1 with the program text)");
  }
  let checksum;
  try {
    checksum = hex(w.Program.fromString(doc.program).toChecksum());
  } catch (e) {
    throw new Error(`the public model's program cannot be read: ${e}`);
  }
  if (doc.checksum && doc.checksum !== checksum) {
    throw new Error(`the public model file says checksum ${doc.checksum}, its program has ${checksum}`);
  }
  return { checksum };
}

/**
 * Verify a proof file's JSON object (as `pyleo prove` / `pyleo serve` write it) in the browser.
 * trust: {checksum}: the program checksum (64 hex digits) the visitor trusts; without it only the
 * proof itself is checked (some program with this text gave these outputs). Returns {verified, reason, checksum, vkSha256, height, seconds}.
 */
export async function verifyProof(proof, trust = {}) {
  const trustedChecksum = trust.checksum || "";
  const w = await loadVerifier();
  const t0 = performance.now();
  const done = (verified, reason, extra = {}) =>
    ({ verified, reason, seconds: (performance.now() - t0) / 1000, ...extra });
  if (!proof || typeof proof !== "object" || typeof proof.execution !== "string" ||
      typeof proof.program !== "string" || typeof proof.verifying_key !== "string" || typeof proof.function !== "string") {
    return done(false, "not a pyleo proof file (it needs program, function, verifying_key and execution)");
  }
  let program, execution, key;
  try {
    program = w.Program.fromString(proof.program);
    execution = w.Execution.fromString(proof.execution);
    key = w.VerifyingKey.fromString(proof.verifying_key);
  } catch (e) {
    return done(false, `the WebAssembly verifier cannot read the proof file: ${e}`);
  }
  const checksum = hex(program.toChecksum());
  const vkSha256 = await sha256(proof.verifying_key);
  const trusted = (trustedChecksum || "").trim().toLowerCase().replace(/^0x/, "");
  if (trusted && checksum !== trusted) {
    return done(false, `the proof's program has checksum ${checksum}, not the trusted ${trusted}`, { checksum, vkSha256 });
  }
  const transitions = execution.transitions();
  const t = transitions.length === 1 ? transitions[0] : null;
  if (!t || t.programId() !== program.id() || t.functionName() !== proof.function) {
    return done(false, "the execution is not one transition of the proof's program and function", { checksum, vkSha256 });
  }
  const height = Number.isInteger(proof.block_height) ? proof.block_height : LATEST_HEIGHT;
  let ok = false;
  try {
    ok = w.verifyFunctionExecution(execution, key, program, proof.function, null, null, height);
  } catch (e) {
    return done(false, `the WebAssembly verifier failed: ${e}`, { checksum, vkSha256, height });
  }
  let reason = null;
  if (!ok) {
    reason = Number.isInteger(proof.block_height)
      ? "Aleo's WebAssembly verifier rejects the proof"
      : "Aleo's WebAssembly verifier rejects the proof; it was made under the latest consensus version " +
        "(V22, Varuna V3), which @provablehq/wasm 0.11.10 predates: prove it with `pyleo prove --for-browser` " +
        "or `pyleo serve` to check it here";
  }
  return done(ok, reason, { checksum, vkSha256, height });
}
