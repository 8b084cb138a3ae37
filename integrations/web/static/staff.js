// Shared helpers of the staff pages: the API key, JSON and SSE calls, safe DOM building, errors.
// Everything that came from the server is put on the page as text (textContent), never as HTML.
"use strict";

const Polku = (() => {
  const KEY = "polku.apiKey";

  class ApiError extends Error {
    constructor(message, code, status) { super(message); this.code = code; this.status = status; }
  }

  function apiKey() {
    const params = new URLSearchParams(location.search);
    const given = params.get("key");
    if (given) {  // keep the key out of the address bar, history and referrers
      sessionStorage.setItem(KEY, given);
      params.delete("key");
      const rest = params.toString();
      history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
    }
    return sessionStorage.getItem(KEY);
  }

  function setKey(value) { sessionStorage.setItem(KEY, value); }

  function el(tag, opts = {}, children = []) {
    const node = document.createElement(tag);
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.cls) node.className = opts.cls;
    for (const [name, value] of Object.entries(opts.attrs || {})) {
      if (/^on/i.test(name) || name === "href" || name === "src" || name === "style") {
        throw new Error("unsafe attribute " + name);
      }
      node.setAttribute(name, String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // A link to one of our own pages (relative URL built by the page, never taken from model output).
  function pageLink(path, params, text) {
    const a = document.createElement("a");
    a.href = path + "?" + new URLSearchParams(params).toString();
    a.textContent = text;
    return a;
  }

  function headers(json) {
    const h = { "X-API-Key": apiKey() || "" };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  async function failure(resp) {
    let code = "http_" + resp.status, message = `The server answered ${resp.status} ${resp.statusText}.`;
    try {
      const body = await resp.json();
      if (body && body.error) { code = body.error.code; message = body.error.message; }
    } catch (_) { /* not JSON: keep the status line */ }
    return new ApiError(message, code, resp.status);
  }

  async function send(method, path, body) {
    let resp;
    try {
      resp = await fetch(path, { method, headers: headers(body !== undefined),
                                 body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError("Could not reach the Polku server. Check the connection and try again.", "network", 0);
    }
    if (!resp.ok) throw await failure(resp);
    return resp;
  }

  async function getJSON(path) { return (await send("GET", path)).json(); }

  // POST (or GET, without a body) and read a Server-Sent Event stream: progress → token… → done, or error.
  async function stream(path, body, on = {}) {
    const resp = await send(body === undefined ? "GET" : "POST", path, body);
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      let chunk;
      try { chunk = await reader.read(); } catch (err) {
        throw new ApiError("The connection broke before the answer was complete. Try again.", "network", 0);
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        const value = data ? JSON.parse(data) : null;
        if (name === "error") {
          const e = (value && value.error) || {};
          throw new ApiError(e.message || "The request failed.", e.code || "error", value && value.status);
        }
        if (name === "done") return value;
        if (on[name]) on[name](value);
      }
    }
    throw new ApiError("The stream ended without an answer. Try again.", "incomplete", 0);
  }

  const HELP = {
    unauthorized: "Your API key was not accepted.",
    forbidden: "Your role may not use this.",
    rate_limited: "Too many requests; wait a moment and try again.",
  };

  // Show a failure in the page's alert region; nothing fails silently.
  function showError(region, err) {
    const help = HELP[err.code];
    region.replaceChildren(el("strong", { text: help ? help + " " : "Something went wrong: " }),
                           document.createTextNode(err.message || String(err)));
    if (err.code === "unauthorized") region.append(" ", keyButton());
  }

  function clearError(region) { region.replaceChildren(); }

  function keyButton() {
    const b = el("button", { text: "Enter another key", cls: "secondary", attrs: { type: "button" } });
    b.addEventListener("click", () => { sessionStorage.removeItem(KEY); location.reload(); });
    return b;
  }

  // Shown at once (within a frame of the click): work is going on.
  function busy(region, text) {
    region.replaceChildren(el("span", { cls: "spinner", attrs: { "aria-hidden": "true" } }), el("span", { text }));
    region.setAttribute("aria-busy", "true");
  }

  function idle(region, text = "") {
    region.replaceChildren(text ? el("span", { text }) : "");
    region.removeAttribute("aria-busy");
  }

  // The key form: shown when no key is known yet.
  function requireKey(onReady) {
    if (apiKey()) { onReady(); return; }
    const form = document.getElementById("key-form");
    form.hidden = false;
    form.querySelector("input").focus();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const value = form.querySelector("input").value.trim();
      if (!value) return;
      setKey(value);
      form.hidden = true;
      onReady();
    });
  }

  const money = (v) => (v === null || v === undefined ? "–" :
    new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(v));
  const pct = (v, digits = 0) => (v === null || v === undefined ? "–" : (v * 100).toFixed(digits) + " %");
  const num = (v, digits = 0) => (v === null || v === undefined ? "–" :
    Number(v).toLocaleString("en-GB", { maximumFractionDigits: digits }));
  const date = (v) => (v ? String(v).slice(0, 16).replace("T", " ") : "–");

  return { ApiError, apiKey, el, pageLink, getJSON, send, stream, showError, clearError, busy, idle,
           requireKey, money, pct, num, date };
})();
