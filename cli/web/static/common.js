// Small helpers shared by the two pages.

/** fetch JSON; throws Error(message) with the server's {"error", "hint"} on a 4xx/5xx answer. */
export async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error + (body.hint ? `\nhint: ${body.hint}` : "")
      : `the server answered ${response.status}`;
    throw new Error(message);
  }
  return body;
}

export const $ = (id) => document.getElementById(id);

/** Show a message in element `id`: kind "error", "ok", "bad", "note" or "" (plain). */
export function show(id, text, kind = "") {
  const el = $(id);
  el.className = kind;
  el.textContent = text;
}

export function table(el, header, rows) {
  el.replaceChildren();
  const tr = el.insertRow();
  for (const h of header) { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); }
  for (const row of rows) {
    const r = el.insertRow();
    for (const cell of row) r.insertCell().textContent = cell;
  }
}

/** The outcome of a verification, as one line. */
export function verdict(result, where) {
  const secs = result.seconds != null ? ` (${result.seconds.toFixed(2)} s)` : "";
  return result.verified ? `✔ verified ${where}${secs}` : `✘ not verified ${where}: ${result.reason}`;
}
