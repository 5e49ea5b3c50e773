// In-browser verification of a pyleo proof file with Aleo's WebAssembly verifier (@provablehq/wasm,
// served by `pyleo serve`: from node_modules after `npm ci` in a checkout, else from pyleo's cache, where the first
// `pyleo serve` fetches it (pyleo_cli/web/verifier.py; the wheel does not ship it)). Nothing here asks the server.

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

// pyleo.vm.WASM_BLOCK_HEIGHT: proofs made by `pyleo serve` (and `pyleo prove --for-browser`) carry it as
// "block_height"; proofs without it were made under the latest consensus version (V22, Varuna V3), which this
// verifier build predates: it would check them under its own latest rules (V19, Varuna V2), which are not the
// file's, so they are not checked here (LATEST_RULES). The height rule is `pyleo verify`'s (docs/formats.md): a
// proof's "block_height", when present, lies in [WASM_BLOCK_HEIGHT, 2^32) (tests/test_forgery.py checks these
// numbers against pyleo.vm's).
/**
 * The text of a file's bytes as `pyleo verify` decodes it (pyleo.files.parse_json): UTF-8, strictly (a TypeError for
 * bytes that are not UTF-8, where File.text() would put U+FFFD in their place), a byte-order mark kept (it is not
 * JSON, so parseStrict refuses it as pyleo verify does; File.text() drops it).
 */
export function decodeStrict(bytes) {
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
}

/**
 * The JSON document `text`, read as `pyleo verify` reads a verifier's file (pyleo.files.parse_json): JSON.parse's
 * value, refused with an Error naming the key when an object holds a key twice (readers differ on which copy counts,
 * so a person reading the file and the verifier would see different values). JSON.parse's SyntaxError otherwise.
 */
export function parseStrict(text) {
  const doc = JSON.parse(text);
  let i = 0;
  const space = () => { while (" \t\n\r".includes(text[i]) && i < text.length) i++; };
  const string = () => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    return JSON.parse(text.slice(start, ++i));
  };
  // `node` is JSON.parse's value for the text at i; `fractional` collects the keys of `node`'s members written as
  // numbers with a fraction or an exponent (FRACTIONAL)
  const value = (node, key = null, fractional = null) => {
    space();
    const open = text[i];
    if (open === '"') { string(); return; }
    if (open !== "{" && open !== "[") {
      const start = i;
      while (i < text.length && !",]} \t\n\r".includes(text[i])) i++;
      if (fractional && /[.eE]/.test(text.slice(start, i)) && typeof node === "number") fractional.add(key);
      return;
    }
    i++;
    space();
    const seen = new Set();
    const mine = new Set();
    let index = 0;
    while (text[i] !== (open === "{" ? "}" : "]")) {
      let at = index++;
      if (open === "{") {
        space();
        at = string();
        if (seen.has(at)) throw new Error(`the key ${JSON.stringify(at)} appears twice in one object`);
        seen.add(at);
        space();
        i++;   // the colon
      }
      value(node[at], at, mine);
      space();
      if (text[i] === ",") i++;
      space();
    }
    i++;
    if (open === "{") Object.defineProperty(node, FRACTIONAL, { value: mine });
  };
  value(doc);
  return doc;
}

/**
 * Set by parseStrict on each object it returns (not enumerable): the keys whose values the text writes as numbers
 * with a fraction or an exponent. `4.0` is not the count 4 to `pyleo verify` (pyleo.files.same_json; Python reads it
 * as a float), though JSON.parse reads both as 4.
 */
export const FRACTIONAL = Symbol("written with a fraction or an exponent");

/** Whether `doc[key]` is an integer written as one (not `4.0` or `4e0`, when parseStrict read `doc`). */
const integerField = (doc, key) => Number.isInteger(doc[key]) && !(doc[FRACTIONAL] && doc[FRACTIONAL].has(key));

export const WASM_BLOCK_HEIGHT = 22175000;

/** What a verdict here does not report from a proof file, and why (docs/formats.md). */
export const NOT_REPORTED = {
  global_state_root: "the ledger state the execution was proved against (pyleo's local stand-in, not a " +
    "network's): checked as part of the execution, not reported",
  pyleo: "informative (the prover's version)", aleo_sdk: "informative (the prover's version)",
  snarkvm: "informative (the prover's version)", timings: "informative (the prover's seconds)",
};

/**
 * The height whose consensus rules verify `proof`: its "block_height", which must be an integer in
 * [WASM_BLOCK_HEIGHT, 2^32) as `pyleo verify` requires, else null (no "block_height": the latest rules, which
 * this verifier predates). Throws Error naming block_height when it is outside.
 */
export function verificationHeight(proof) {
  if (!Object.prototype.hasOwnProperty.call(proof, "block_height")) return null;
  const h = proof.block_height;
  if (!integerField(proof, "block_height") || h < WASM_BLOCK_HEIGHT || h >= 2 ** 32) {
    throw new Error(`block_height ${JSON.stringify(h)}${Number.isInteger(h) && !integerField(proof, "block_height")
      ? " (written with a fraction or an exponent)" : ""} is not an integer in [${WASM_BLOCK_HEIGHT}, 2^32): pyleo proves and ` +
      `verifies only under Varuna V2 (consensus V20, from height ${WASM_BLOCK_HEIGHT}) or later`);
  }
  return h;
}

/** pyleo.types.FIELD_MODULUS: the order of Aleo's field. */
export const FIELD_MODULUS = 8444461749428370424248824938781546531375899335154063827935233455917409239041n;

/**
 * The field element a literal such as "-24field", "24 field" or "24" names, written as snarkVM writes it
 * ("<n>field", n in [0, p)), as pyleo.values.field_literal reads a commitment: "-5field" and "0005field" are the
 * elements p - 5 and 5. Throws Error for text that is not a field element (at most 80 digits).
 */
export function fieldLiteral(c) {
  const t = String(c).replace(/\s+/g, "");
  const body = t.endsWith("field") ? t.slice(0, -"field".length) : t;
  if (!/^-?[0-9]{1,80}$/.test(body)) throw new Error(`${JSON.stringify(String(c).slice(0, 100))} is not a field element`);
  return `${((BigInt(body) % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS}field`;
}

/**
 * Why the public outputs of `proof` do not carry `commitment` (the public model's commitment to private
 * weights) as their last one, as `pyleo verify --public-model` requires; null when they do or there is none.
 */
export function commitmentReason(proof, commitment, outs = publicOutputs(proof)) {
  if (commitment === null || commitment === undefined) return null;
  const want = fieldLiteral(commitment);
  const got = outs.length ? outs[outs.length - 1] : "no public output";
  return got === want ? null : `the proof's commitment (its last public output) is ${got}, not the published ${want}`;
}

/**
 * The public outputs a proof's execution carries (Aleo literals without whitespace), in order. With `plaintext`
 * (the verifier's Plaintext class), each as snarkVM reads it: its parser skips comments inside a value
 * ("[1i64, /* approved *\/ 2i64]" is [1i64,2i64]), and what is proved is the value read, not the file's text.
 */
export function publicOutputs(proof, plaintext = null) {
  try {
    const [t] = JSON.parse(proof.execution).transitions;
    return t.outputs.filter((o) => o.type === "public")
      .map((o) => String(plaintext ? plaintext.fromString(String(o.value)) : o.value).replace(/\s+/g, ""));
  } catch {
    return [];
  }
}

/**
 * The trust a public model file (format pyleo-public-model/1, docs/formats.md; the text the main page's
 * link serves) gives: {checksum, programId, function, verifyingKey, commitment, fingerprint}. The checksum
 * is computed here from its program; the verifying key is the file's "verifying_keys"[function], derived by
 * the server from that program (a browser cannot derive it), so the file itself must be the one the model's
 * owner publishes: fingerprint is the SHA-256 (hex) of the file's exact text, to compare with theirs. The
 * commitment (private weights; null otherwise) must be the proof's last public output, as with
 * `pyleo verify --public-model`.
 * Throws Error with a message when it is not one, when its checksum field disagrees with its program,
 * or when it carries no verifying key.
 */
export async function publicModelTrust(text) {
  const w = await loadVerifier();
  let doc = null;
  try { doc = parseStrict(text); } catch (e) {
    if (/appears twice/.test(e.message)) throw new Error(`not a pyleo public model file: ${e.message}`);
    doc = null;
  }
  if (!doc || doc.format !== "pyleo-public-model/1" || typeof doc.program !== "string") {
    throw new Error("not a pyleo public model file (format pyleo-public-model/1 with the program text)");
  }
  let program;
  try {
    program = w.Program.fromString(doc.program);
  } catch (e) {
    throw new Error(`the public model's program cannot be read: ${e}`);
  }
  const checksum = hex(program.toChecksum());
  // pyleo's checksum is sha3-256 of the program's text; snarkVM's (toChecksum) of its text as snarkVM writes it
  // (pyleo writes it so): the two agree on such a text, which the file's program must be, as pyleo commit wrote it
  if (typeof doc.checksum !== "string" || doc.checksum !== checksum || program.toString() !== doc.program) {
    const said = typeof doc.checksum === "string" ? doc.checksum : JSON.stringify(doc.checksum ?? null);
    throw new Error(`the public model file says checksum ${said}, its program has ` +
      `${checksum}${program.toString() !== doc.program ? " (and is not written as snarkVM writes it)" : ""}: the file ` +
      "was altered");
  }
  const fn = Object.prototype.hasOwnProperty.call(doc, "function") ? doc.function : "predict";
  if (typeof fn !== "string" || !/^[A-Za-z][A-Za-z0-9_]*$/.test(fn)) {   // pyleo.names.is_identifier
    throw new Error(`the public model file's "function" must be a function name (an Aleo identifier), not ${JSON.stringify(fn)}`);
  }
  const verifyingKey = doc.verifying_keys && doc.verifying_keys[fn];
  if (typeof verifyingKey !== "string") {
    throw new Error(`the public model file carries no verifying key of \`${fn}\`: take it from \`pyleo serve\`'s ` +
      "\"public model file\" link (the browser cannot derive a key from the program)");
  }
  try {
    w.VerifyingKey.fromString(verifyingKey);
  } catch (e) {
    throw new Error(`the public model file's verifying key cannot be read: ${e}`);
  }
  if (doc.commitment !== undefined && doc.commitment !== null && typeof doc.commitment !== "string") {
    throw new Error("the public model file's commitment must be a string or null");
  }
  if (typeof doc.commitment === "string") fieldLiteral(doc.commitment);   // pyleo verify refuses one that is not a field
  const committed = typeof doc.commitment === "string";
  const weights = Object.prototype.hasOwnProperty.call(doc, "weights") ? doc.weights : committed ? "private" : "public";
  if (weights !== (committed ? "private" : "public")) {
    throw new Error(`the public model file says weights ${JSON.stringify(doc.weights)} with commitment ` +
      `${JSON.stringify(doc.commitment ?? null)}: private weights come with their commitment, public ones without; ` +
      "the file was altered");
  }
  return { checksum, program: doc.program, programId: program.id(), function: fn, verifyingKey: verifyingKey.trim(),
           commitment: doc.commitment ?? null, decoding: readDecoding(doc.decoding), fingerprint: await sha256(text) };
}

/**
 * A public model file's "decoding" as pyleo.trust.Decoding.from_json reads it: null, or {classes: labels (JSON
 * texts, numbers or booleans) or null, scale: a positive finite number or null, link: "exp" (with a scale) or
 * absent}. Throws Error naming "decoding" for anything else (the page showed "[object Object]" as the class).
 */
export function readDecoding(decoding) {
  if (decoding === null || decoding === undefined) return null;
  const { classes = null, scale = null, link = null } = typeof decoding === "object" && !Array.isArray(decoding)
    ? decoding : { classes: 0 };
  if (!(classes === null || (Array.isArray(classes) && classes.every((c) => ["string", "number", "boolean"].includes(typeof c))))) {
    throw new Error('the public model file\'s "decoding" must be {"classes": [labels] or null, "scale": number or null}');
  }
  if (!(scale === null || (typeof scale === "number" && scale > 0 && Number.isFinite(scale)))) {
    throw new Error('the public model file\'s "decoding"."scale" must be a positive number or null');
  }
  if (!(link === null || (link === "exp" && scale !== null))) {
    throw new Error('the public model file\'s "decoding"."link" must be "exp" (with a scale) or absent');
  }
  return { classes, scale, ...(link !== null ? { link } : {}) };
}

/**
 * What a proved first output (`literal`, e.g. "1u8") stands for as the public model file names it (its
 * "decoding": class names, or the scale of a regressor's value and its log link; docs/formats.md), as pyleo.trust.Decoding
 * reads it; null when the file has no decoding or the literal is not an integer (a commitment). Not a claim of
 * the proof: the proved literal is.
 */
export function decodeOutput(decoding, literal) {
  const m = /^(-?[0-9]+)(?:[iu](?:8|16|32|64|128))$/.exec(String(literal ?? "").trim());
  if (!decoding || !m) return null;
  const v = Number(m[1]);
  if (Array.isArray(decoding.classes)) return v >= 0 && v < decoding.classes.length ? String(decoding.classes[v]) : null;
  if (typeof decoding.scale === "number" && decoding.scale > 0) {
    const value = decoding.link === "exp" ? Math.exp(v / decoding.scale) : v / decoding.scale;   // a GLM's log link
    return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : "inf";
  }
  return String(v);
}

/** pyleo.vm.PROOF_FORMAT and pyleo.vm.NETWORK: the one format and network `pyleo verify` reads a proof file of. */
export const PROOF_FORMAT = "pyleo-proof/2";
export const NETWORK = "mainnet";

/**
 * Why a proof file's object is not one `pyleo verify` reads (pyleo.vm.Proof.from_json): another format (a split
 * proof is checked by `pyleo verify` only), another network, a field missing or of another type (`constraints` an
 * integer written as one); null when it is one. Its copies are checked against its execution by fileCopiesReason.
 */
export function proofFileReason(proof) {
  if (!proof || typeof proof !== "object" || Array.isArray(proof)) return "not a pyleo proof file (expected a JSON object)";
  if (proof.format !== PROOF_FORMAT) {
    return `not a pyleo proof file this page reads: its format is ${JSON.stringify(proof.format ?? null)}, not ` +
      `${PROOF_FORMAT}` + (proof.format === "pyleo-split-proof/1" ? " (a split proof: check it with `pyleo verify`)" : "");
  }
  for (const key of ["network", "function", "program", "execution", "verifying_key", "program_id", "program_checksum"]) {
    if (typeof proof[key] !== "string") return `the proof file's "${key}" is missing or not a string`;
  }
  if (proof.network !== NETWORK) {
    return `a proof for the ${JSON.stringify(proof.network)} network; pyleo proves and verifies on ${NETWORK}`;
  }
  if (!integerField(proof, "constraints")) return 'the proof file\'s "constraints" is missing or not an integer';
  for (const key of ["public_inputs", "public_outputs"]) {
    if (!Array.isArray(proof[key])) return `the proof file's "${key}" is missing or not a list`;
  }
  return null;
}

/** A value as snarkVM prints it, on one line (pyleo.vm.sdk.compact_value). */
const compactValue = (text) => String(text).replace(/\s+/g, " ").trim().replaceAll("[ ", "[").replaceAll(" ]", "]");

/**
 * Why the proof file's readable copies of its execution's public values ("public_inputs", "public_outputs": each
 * public or constant value as snarkVM reads it, null for a private one) are not the values its one transition
 * carries, as pyleo.vm.Proof.from_json refuses them; null when they are. `plaintext`: the verifier's Plaintext.
 */
export function fileCopiesReason(proof, transition, plaintext) {
  const visible = (items) => (items ?? []).map((o) => (["public", "constant"].includes(o.type) && typeof o.value === "string"
    ? compactValue(plaintext.fromString(o.value)) : null));
  for (const [key, items] of [["public_inputs", transition.inputs], ["public_outputs", transition.outputs]]) {
    let actual;
    try {
      actual = visible(items);
    } catch (e) {
      return `the execution holds a public value that is not an Aleo value: ${e}`;
    }
    if (JSON.stringify(proof[key]) !== JSON.stringify(actual)) {
      return `the file states ${key} ${JSON.stringify(proof[key])}, but its execution gives ${JSON.stringify(actual)}: ` +
        "the file was altered";
    }
  }
  return null;
}

/** Why a proof made under the latest rules (no "block_height": `pyleo prove`'s default) is not checked here. */
export const LATEST_RULES = "This proof was made under the network's latest consensus rules (V22, Varuna V3, " +
  "`pyleo prove`'s default), which this browser's verifier (@provablehq/wasm 0.11.10) predates: check it with " +
  "`pyleo verify PROOF --public-model FILE`, or prove it with `pyleo prove … --for-browser` to check it here.";

export const NO_KEY = "the verifying key cannot be checked in this browser without the model's public file " +
  "(a program checksum names the program's text, but the browser cannot derive its circuit's key, and the key a " +
  "proof file carries may be another circuit's): give the public model file";

/**
 * Verify a proof file's JSON object (as `pyleo prove` / `pyleo serve` write it, read by parseStrict) in the browser,
 * reading it as `pyleo verify` does (proofFileReason, fileCopiesReason, verificationHeight; its constraints those of
 * the key). trust: what publicModelTrust returns for the model's public file. The execution is verified with
 * trust.verifyingKey, never with the key the proof file carries: a proof whose key differs is
 * rejected, and without trust nothing is verified (reason NO_KEY); nor is a proof made under the latest rules (no
 * "block_height", reason LATEST_RULES, said before the WebAssembly loads).
 * Returns {verified, reason, checksum and programId (of its program), vkSha256 (of the proof file's key), height,
 * outputs (the public outputs as snarkVM reads them, once the proof is bound to the public model), notReported,
 * seconds}.
 */
export async function verifyProof(proof, trust = null) {
  const malformed = proofFileReason(proof);
  if (malformed) return { verified: false, reason: malformed };
  // Said before loading the verifier (seconds): whatever else the file holds, it is not checked here.
  if (!Object.prototype.hasOwnProperty.call(proof, "block_height")) return { verified: false, reason: LATEST_RULES, height: null };
  const w = await loadVerifier();
  const t0 = performance.now();
  const done = (verified, reason, extra = {}) =>
    ({ verified, reason, seconds: (performance.now() - t0) / 1000, ...extra });
  let program, execution, transition;
  try {
    program = w.Program.fromString(proof.program);
    execution = w.Execution.fromString(proof.execution);
    [transition] = JSON.parse(proof.execution).transitions;
  } catch (e) {
    return done(false, `the WebAssembly verifier cannot read the proof file: ${e}`);
  }
  const checksum = hex(program.toChecksum());
  const vkSha256 = await sha256(proof.verifying_key);
  if (proof.program_id !== program.id() || proof.program_checksum !== checksum) {   // copies, as pyleo verify checks them
    return done(false, `the file states program_id ${JSON.stringify(proof.program_id)} and program_checksum ` +
      `${JSON.stringify(proof.program_checksum)}, but its program is ${program.id()} with checksum ${checksum}: ` +
      "the file was altered", { checksum, vkSha256, programId: program.id() });
  }
  const copies = transition && typeof transition === "object" ? fileCopiesReason(proof, transition, w.Plaintext)
    : "the execution is not one transition";
  if (copies) return done(false, copies, { checksum, vkSha256, programId: program.id() });
  let height;
  try {
    height = verificationHeight(proof);
  } catch (e) {
    return done(false, e.message, { checksum, vkSha256 });
  }
  const facts = { checksum, vkSha256, height, programId: program.id(), notReported: NOT_REPORTED };
  if (!trust || typeof trust.verifyingKey !== "string") return done(false, NO_KEY, facts);
  if (checksum !== trust.checksum || (typeof trust.program === "string" && proof.program !== trust.program)) {
    // pyleo verify's checksum is of the text: another text of the same program (a comment, a space) is another
    return done(false, `the proof's program has checksum ${checksum}${checksum === trust.checksum ? " but another text" : ""}, ` +
      `not the public model's ${trust.checksum}`, facts);
  }
  if (proof.function !== trust.function) {
    return done(false, `the proof is of function \`${proof.function}\`, the public model's is \`${trust.function}\``, facts);
  }
  if (proof.verifying_key.trim() !== trust.verifyingKey) {
    return done(false, "the proof was made with another circuit's key: its verifying key is not the one the " +
      "public model file gives for this program", facts);
  }
  let keyConstraints;
  try {
    keyConstraints = w.VerifyingKey.fromString(trust.verifyingKey).numConstraints();
  } catch (e) {
    return done(false, `the public model file's verifying key cannot be read: ${e}`, facts);
  }
  if (proof.constraints !== keyConstraints) {
    return done(false, `the proof claims ${proof.constraints.toLocaleString("en")} constraints, its verifying key has ` +
      `${keyConstraints.toLocaleString("en")}`, facts);
  }
  const transitions = execution.transitions();
  const t = transitions.length === 1 ? transitions[0] : null;
  if (!t || t.programId() !== program.id() || t.functionName() !== proof.function) {
    return done(false, "the execution is not one transition of the proof's program and function", facts);
  }
  facts.outputs = publicOutputs(proof, w.Plaintext);
  const committed = commitmentReason(proof, trust.commitment, facts.outputs);
  if (committed) return done(false, committed, facts);
  let ok = false;
  try {
    const key = w.VerifyingKey.fromString(trust.verifyingKey);
    ok = w.verifyFunctionExecution(execution, key, program, proof.function, null, null, height);
  } catch (e) {
    return done(false, `the WebAssembly verifier failed: ${e}`, facts);
  }
  return done(ok, ok ? null : "Aleo's WebAssembly verifier rejects the proof", facts);
}
