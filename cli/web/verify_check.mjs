// Verify a pyleo proof file with Aleo's WebAssembly verifier (@provablehq/wasm) in node:
//   node cli/web/verify_check.mjs PROOF.json [--public-model PUBLIC.json] [HEIGHT,HEIGHT,...]
// Prints one JSON line per height: {"height": h, "key": "proof file"|"public model", "verified": true|false}.
// The execution is verified with the verifying key of the public model file when one is given (its
// "verifying_keys"[function], as `pyleo serve` serves it), else with the key the proof file carries
// (what an attacker controls: only for measuring). The default height is the proof's own "block_height"
// (pyleo.vm.WASM_BLOCK_HEIGHT for proofs made by `pyleo serve`), else 22962000 (consensus V22, where
// aleo-sdk 0.8.0 proves by default).
import { readFile } from "node:fs/promises";

// The package loads its .wasm with fetch(new URL(..., import.meta.url)); node's fetch reads no file: URLs.
const webFetch = globalThis.fetch;
globalThis.fetch = async (url, ...rest) =>
  String(url).startsWith("file:")
    ? new Response(await readFile(new URL(String(url))), { headers: { "content-type": "application/wasm" } })
    : webFetch(url, ...rest);

const aleo = await import("@provablehq/wasm/mainnet.js");
const args = process.argv.slice(2);
const at = args.indexOf("--public-model");
const publicModel = at >= 0 ? JSON.parse(await readFile(args.splice(at, 2)[1], "utf8")) : null;
const proof = JSON.parse(await readFile(args[0], "utf8"));
const heights = args[1] ? args[1].split(",").map(Number) : [proof.block_height ?? 22962000];
const execution = aleo.Execution.fromString(proof.execution);
const key = aleo.VerifyingKey.fromString(publicModel ? publicModel.verifying_keys[proof.function] : proof.verifying_key);
const program = aleo.Program.fromString(proof.program);
for (const height of heights) {
  const verified = aleo.verifyFunctionExecution(execution, key, program, proof.function, null, null, height);
  console.log(JSON.stringify({ height, key: publicModel ? "public model" : "proof file", verified }));
}
