// The page's Aleo network block (issue 23): the chosen model's deployment and execution costs in credits,
// and the current sample's prediction as an execution transaction to download (signed with the server's key).
import { $, api, show } from "/static/common.js";

const credits = (micro) => `${(micro / 1e6).toLocaleString(undefined, { maximumFractionDigits: 6 })} credits ` +
  `(${micro.toLocaleString()} microcredits)`;

let current = null;   // { id, name, sample }: the chosen model and how to read the sample form

/** Show the block for a chosen model; `sample()` reads the sample form's feature values. */
export function showNetwork(model, sample) {
  current = { id: model.id, name: model.name, sample };
  $("aleo").classList.remove("hidden");
  $("aleo-download").classList.add("hidden");
  show("aleo-costs", "");
  show("aleo-transaction-status", "");
}

async function showCosts() {
  const id = current.id;
  $("aleo-costs-button").disabled = true;
  show("aleo-costs", "Synthesizing the deployment (once per model; up to a minute)…", "note");
  try {
    const c = await api(`/api/models/${id}/network-costs`);
    if (current.id !== id) return;
    show("aleo-costs", `snarkVM's costs on mainnet: deploying ${c.program_id} (${c.program_bytes.toLocaleString()} ` +
      `program bytes) costs ${credits(c.deployment)}, of which ${credits(c.namespace)} for its name; each ` +
      `prediction as a transaction costs ${credits(c.execution)}.`, "ok");
  } catch (e) {
    show("aleo-costs", e.message, "error");
  } finally {
    $("aleo-costs-button").disabled = false;
  }
}

async function makeTransaction() {
  $("aleo-transaction-button").disabled = true;
  $("aleo-download").classList.add("hidden");
  show("aleo-transaction-status", "Proving the prediction and its fee as one transaction…", "note");
  try {
    const response = await fetch(`/api/models/${current.id}/transaction`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ features: current.sample() }),
    });
    const text = await response.text();
    if (!response.ok) {
      const body = JSON.parse(text);
      throw new Error(body.error + (body.hint ? `\nhint: ${body.hint}` : ""));
    }
    const link = $("aleo-download-link");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = `${current.name}.predict.tx.json`;
    $("aleo-download").classList.remove("hidden");
    show("aleo-transaction-status", `Transaction ${JSON.parse(text).id}: check it with ` +
      "`pyleo verify FILE --model MODEL`, send it with `pyleo execute … --broadcast`.", "ok");
  } catch (e) {
    show("aleo-transaction-status", e.message, "error");
  } finally {
    $("aleo-transaction-button").disabled = false;
  }
}

$("aleo-costs-button").onclick = showCosts;
$("aleo-transaction-button").onclick = makeTransaction;
