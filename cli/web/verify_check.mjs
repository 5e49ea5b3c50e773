// Verify a pyleo proof file with Aleo's WebAssembly verifier (@provablehq/wasm) in node:
//   node cli/web/verify_check.mjs PROOF.json [HEIGHT,HEIGHT,...]
// Prints one JSON line per height: {"height": h, "verified": true|false}. The default height is the
// proof's own "block_height" (pyleo.vm.WASM_BLOCK_HEIGHT for proofs made by `pyleo serve`), else
// 22962000 (consensus V22, where aleo-sdk 0.8.0 proves by default).
import { readFile } from "node:fs/promises";

// The package loads its .wasm with fetch(new URL(..., import.meta.url)); node's fetch reads no file: URLs.
const webFetch = globalThis.fetch;
globalThis.fetch = async (url, ...rest) =>
  String(url).startsWith("file:")
    ? new Response(await readFile(new URL(String(url))), { headers: { "content-type": "application/wasm" } })
    : webFetch(url, ...rest);

const aleo = await import("@provablehq/wasm/mainnet.js");
const proof = JSON.parse(await readFile(process.argv[2], "utf8"));
const heights = process.argv[3]
  ? process.argv[3].split(",").map(Number)
  : [proof.block_height ?? 22962000];
const execution = aleo.Execution.fromString(proof.execution);
const key = aleo.VerifyingKey.fromString(proof.verifying_key);
const program = aleo.Program.fromString(proof.program);
for (const height of heights) {
  const verified = aleo.verifyFunctionExecution(execution, key, program, proof.function, null, null, height);
  console.log(JSON.stringify({ height, verified }));
}
