// Polku chat widget. Embed with one tag:
//   <script src="https://polku.example/web/static/widget.js" data-key="WIDGET_KEY"
//           data-customer-token="(optional, signed by your site after login)" defer></script>
// Safety rule: nothing the model writes becomes HTML or script. Text goes in with textContent;
// only URLs on the allow-list become links (built with DOM APIs, rel="noopener noreferrer"); no images.
// An anonymous visitor is known by the visitor token the server issues (X-Visitor-Token): kept for
// the browser tab's session and sent back, so only this visitor can continue their conversation.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__polkuWidget) return;
  window.__polkuWidget = true;
  const base = new URL(script.src).origin;
  const key = script.dataset.key || "";
  const token = script.dataset.customerToken || "";
  // The widget speaks the page's language (data-lang, else <html lang>); questions are answered in
  // their own language, and the page's is the hint when a question gives none ("GDPR?").
  const pageLang = (script.dataset.lang || document.documentElement.lang || navigator.language || "fi")
    .slice(0, 2).toLowerCase();
  const LANG = pageLang === "fi" ? "fi" : "en";
  const STRINGS = {
    fi: {
      title: "Kysy meiltä", close: "Sulje keskustelu", conversation: "Keskustelu", question: "Kysymyksesi",
      placeholder: "Kirjoita kysymyksesi…", send: "Lähetä", person: "Puhu ihmisen kanssa",
      personRecommended: "Puhu ihmisen kanssa (suositus)", optOut: "Personoinnin kielto", privacy: "Tietosuoja ja kiellot",
      anonymous: "Keskustelet nimettömänä: vastaukset perustuvat julkisiin tuotetietoihimme, eikä henkilötietojasi käytetä. ",
      optedOut: "Personointi on pois päältä. Palvelukysymyksiisi vastaamiseen käytämme silti yhteystietojasi, sopimustanne ja aiempia tukipyyntöjä (asiakassopimus). ",
      customer: "Vastataksemme käytämme yhteystietojasi, organisaatiosi sopimusta ja aiempia tukipyyntöjä (asiakassopimus). Keskustelut säilytetään 12 kuukautta. ",
      failed: "Jokin meni vikaan. Yritä uudelleen.", sorry: "Valitettavasti tämä ei onnistunut: ",
      offline: "keskustelupalveluun ei saatu yhteyttä. Tarkista yhteys ja yritä uudelleen.",
      status: (n) => `keskustelupalvelu vastasi ${n}.`, broke: "yhteys katkesi ennen kuin vastaus valmistui.",
      unreadable: "vastausta ei voitu lukea.", answerFailed: "vastaus epäonnistui.", incomplete: "vastaus jäi kesken.",
      typing: "Avustaja kirjoittaa", cannot: "En voi vastata tähän täällä. ", sources: "Lähteet: ",
      contactAsk: "Kirjoita sähköpostiosoitteesi tai puhelinnumerosi, niin asiantuntija ottaa sinuun yhteyttä.",
      connecting: "Yhdistän sinut ihmiseen…", ticket: (id) => `Asiantuntija jatkaa tästä; tapauksesi numero on ${id}. Hän näkee koko keskustelun.`,
      picked: "Asiantuntija ottaa keskustelun hoitaakseen ja näkee kaiken tähän mennessä kirjoitetun.",
      turningOff: "Poistan personoinnin käytöstä…", alreadyOff: "Personointi oli jo pois päältä.",
      off: (n) => `Valmis: personointi, markkinointisähköpostit ja seuranta ovat nyt pois päältä (${n} lupaa peruttu).`,
    },
    en: {
      title: "Ask us", close: "Close chat", conversation: "Conversation", question: "Your question",
      placeholder: "Type your question…", send: "Send", person: "Talk to a person",
      personRecommended: "Talk to a person (recommended)", optOut: "Opt out of personalisation", privacy: "Privacy and opt-out",
      anonymous: "You are chatting anonymously: answers come from our public product information only; no personal data is used. ",
      optedOut: "Personalisation is off. To answer your service questions we still use your contact details, contract and earlier support requests (our contract with you). ",
      customer: "To answer you we use your contact details, your organisation's contract and earlier support requests (our contract with you). Chats are kept 12 months. ",
      failed: "Something went wrong. Please try again.", sorry: "Sorry, that did not work: ",
      offline: "the chat service could not be reached. Check your connection and try again.",
      status: (n) => `the chat service answered ${n}.`, broke: "the connection broke before the answer was complete.",
      unreadable: "the answer could not be read.", answerFailed: "the answer failed.", incomplete: "the answer stopped before it was complete.",
      typing: "The assistant is typing", cannot: "I cannot answer that here. ", sources: "Sources: ",
      contactAsk: "Type your e-mail address or phone number and a specialist will contact you.",
      connecting: "Connecting you to a person…", ticket: (id) => `A person will continue from here; your case number is ${id}. They see this whole conversation.`,
      picked: "A person will pick up this conversation; they see everything written so far.",
      turningOff: "Turning personalisation off…", alreadyOff: "Personalisation was already off.",
      off: (n) => `Done: personalisation, marketing e-mail and tracking are now off (${n} permission${n > 1 ? "s" : ""} withdrawn).`,
    },
  };
  const T = STRINGS[LANG];
  const title = script.dataset.title || T.title;
  let allow = [];  // link allow-list, from the server's settings
  const transcript = [];
  let sending = false;
  let threadId = null;  // the conversation so far, continued by each question
  const VISITOR_KEY = "polku.visitor";
  let visitor = "";
  try { visitor = token ? "" : (sessionStorage.getItem(VISITOR_KEY) || ""); } catch (_) { /* storage blocked: this page only */ }

  const CSS = `
    :host { all: initial; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; }
    * { box-sizing: border-box; }
    .launcher { position: fixed; right: 20px; bottom: 20px; border: 0; border-radius: 999px; padding: .7rem 1.1rem;
      background: #1f5fbf; color: #fff; font: inherit; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.2); z-index: 2147483000; }
    .panel { position: fixed; right: 20px; bottom: 76px; width: min(380px, calc(100vw - 40px)); height: min(560px, calc(100vh - 100px));
      display: flex; flex-direction: column; background: #fff; border: 1px solid #d8dde6; border-radius: 12px;
      box-shadow: 0 10px 30px rgba(0,0,0,.18); overflow: hidden; z-index: 2147483000; }
    .panel[hidden] { display: none; }
    header { background: #16233b; color: #fff; padding: .6rem .8rem; display: flex; justify-content: space-between; align-items: center; }
    header h2 { font-size: 1rem; margin: 0; }
    header button { background: transparent; border: 0; color: #fff; font-size: 1.2rem; cursor: pointer; }
    .notice { font-size: .8rem; color: #41495a; background: #f5f7fa; padding: .45rem .8rem; border-bottom: 1px solid #e3e7ee; }
    .notice a { color: #1f5fbf; }
    .log { flex: 1; overflow-y: auto; padding: .7rem .8rem; display: flex; flex-direction: column; gap: .5rem; }
    .msg { max-width: 88%; padding: .45rem .65rem; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .user { align-self: flex-end; background: #1f5fbf; color: #fff; }
    .assistant { align-self: flex-start; background: #eef2f8; }
    .system { align-self: center; font-size: .82rem; color: #41495a; background: #fff8e1; }
    .error { align-self: stretch; background: #fdecea; color: #b3261e; border: 1px solid #f3b7b2; }
    .sources { font-size: .78rem; color: #5b6475; margin-top: .35rem; }
    .why { font-size: .75rem; color: #5b6475; margin-top: .25rem; }
    .typing { align-self: flex-start; background: #eef2f8; border-radius: 10px; padding: .55rem .7rem; display: flex; gap: 4px; }
    .typing span { width: 7px; height: 7px; border-radius: 50%; background: #7a8496; animation: blink 1.2s infinite; }
    .typing span:nth-child(2) { animation-delay: .2s; } .typing span:nth-child(3) { animation-delay: .4s; }
    @keyframes blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { .typing span { animation: none; } }
    form { display: flex; gap: .4rem; padding: .6rem .8rem; border-top: 1px solid #e3e7ee; }
    form label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    textarea { flex: 1; resize: none; height: 2.6rem; font: inherit; border: 1px solid #b8c0cc; border-radius: 8px; padding: .4rem .5rem; }
    button.send, button.handoff { font: inherit; border-radius: 8px; border: 1px solid #1f5fbf; cursor: pointer; }
    button.send { background: #1f5fbf; color: #fff; padding: 0 .8rem; }
    .foot { padding: 0 .8rem .6rem; }
    button.handoff { background: #fff; color: #1f5fbf; padding: .3rem .6rem; font-size: .85rem; width: 100%; }
    button:disabled { opacity: .55; cursor: default; }
    :focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
  `;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- the UI, inside a shadow root so the host page's CSS and ours do not mix
  const host = document.createElement("div");
  host.id = "polku-chat";
  const root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet needs no 'unsafe-inline' in the host page's CSP; a <style> element is the fallback.
  let style = null;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (_) {
    style = document.createElement("style");
    style.textContent = CSS;
  }
  const launcher = el("button", "launcher", title);
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "polku-panel");
  const panel = el("section", "panel");
  panel.id = "polku-panel";
  panel.hidden = true;
  panel.setAttribute("aria-label", title);
  const head = el("header");
  const h = el("h2", null, title);
  const close = el("button", null, "×");
  close.type = "button";
  close.setAttribute("aria-label", T.close);
  head.append(h, close);
  const notice = el("div", "notice");
  notice.setAttribute("role", "note");
  const log = el("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", T.conversation);
  const form = el("form");
  const label = el("label", null, T.question);
  label.htmlFor = "polku-input";
  const input = el("textarea");
  input.id = "polku-input";
  input.maxLength = 2000;
  input.placeholder = T.placeholder;
  const send = el("button", "send", T.send);
  send.type = "submit";
  form.append(label, input, send);
  const foot = el("div", "foot");
  const handoff = el("button", "handoff", T.person);
  handoff.type = "button";
  handoff.disabled = true;
  foot.append(handoff);
  panel.append(head, notice, log, form, foot);
  if (style) root.append(style);
  root.append(launcher, panel);

  function renderNotice(optedOut) {
    const link = el("a", null, token ? T.optOut : T.privacy);
    link.href = base + "/web/privacy";
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.className = "optout";
    if (token) link.addEventListener("click", optOut);
    const text = !token ? T.anonymous : optedOut ? T.optedOut : T.customer;
    notice.replaceChildren(document.createTextNode(text), link);
  }

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) input.focus(); else launcher.focus();
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function say(cls, text) {
    const node = el("div", "msg " + cls, text);
    log.append(node);
    scroll();
    return node;
  }

  function allowed(url) {
    try {
      const u = new URL(url);
      if (u.protocol !== "https:" && u.protocol !== "http:") return false;
      const hostName = u.hostname.toLowerCase();
      return allow.some((d) => hostName === d || hostName.endsWith("." + d));
    } catch (_) { return false; }
  }

  // Text with **bold** and allow-listed URLs, built node by node; everything else stays literal text.
  function richText(target, text) {
    const parts = String(text).split(/(\*\*[^*\n]+\*\*|https?:\/\/[^\s<>"'()\[\]]+)/g);
    for (const part of parts) {
      if (!part) continue;
      if (/^\*\*[^*\n]+\*\*$/.test(part)) {
        target.append(el("strong", null, part.slice(2, -2)));
      } else if (/^https?:\/\//.test(part)) {
        const url = part.replace(/[.,;:!?]+$/, "");
        const rest = part.slice(url.length);
        if (allowed(url)) {
          const a = el("a", null, url);
          a.href = url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          target.append(a);
        } else {
          target.append(document.createTextNode(url));
        }
        if (rest) target.append(document.createTextNode(rest));
      } else {
        target.append(document.createTextNode(part));
      }
    }
  }

  function renderAnswer(node, answer) {
    node.replaceChildren();
    richText(node, answer.text);
    if (answer.citations && answer.citations.length) {
      const src = el("div", "sources", T.sources + answer.citations.map((c) => c.title).join("; "));
      node.append(src);
    }
    if (answer.transparency) node.append(el("div", "why", answer.transparency));
  }

  function errorText(err) {
    return err && err.message ? err.message : T.failed;
  }

  function showError(message) {
    const node = say("error", T.sorry + message);
    node.setAttribute("role", "alert");
  }

  function headers() {
    const h = { "Content-Type": "application/json", "X-API-Key": key };
    if (token) h["X-Customer-Token"] = token;
    else if (visitor) h["X-Visitor-Token"] = visitor;
    return h;
  }

  function keepVisitor(resp) {
    const issued = resp.headers.get("X-Visitor-Token");
    if (token || !issued || issued === visitor) return;
    visitor = issued;
    try { sessionStorage.setItem(VISITOR_KEY, issued); } catch (_) { /* kept in memory only */ }
  }

  // An error with the server's error code, so callers can tell "gone" from "busy" or "offline".
  function failure(message, code) {
    const err = new Error(message);
    err.code = code;
    return err;
  }

  async function post(path, body) {
    let resp;
    try {
      resp = await fetch(base + path, { method: "POST", headers: headers(), body: JSON.stringify(body), mode: "cors",
                                        credentials: "omit" });
    } catch (_) {
      throw new Error(T.offline);
    }
    keepVisitor(resp);
    if (!resp.ok) {
      let message = T.status(resp.status);
      let code = null;
      try { const b = await resp.json(); if (b.error) { message = b.error.message; code = b.error.code; } } catch (_) { /* keep status */ }
      throw failure(message, code);
    }
    return resp;
  }

  // Read the SSE stream: `token` pieces are appended as text nodes as they arrive.
  async function streamAnswer(resp, onToken) {
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      let chunk;
      try { chunk = await reader.read(); } catch (_) { throw new Error(T.broke); }
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
        let value = null;
        try { value = data ? JSON.parse(data) : null; } catch (_) { throw new Error(T.unreadable); }
        if (name === "token" && value && typeof value.text === "string") onToken(value.text);
        else if (name === "error") {
          const error = (value && value.error) || {};
          throw failure(error.message || T.answerFailed, error.code || null);
        }
        else if (name === "done") return value;
      }
    }
    throw new Error(T.incomplete);
  }

  async function ask(question) {
    sending = true;
    send.disabled = true;
    say("user", question);
    transcript.push({ role: "user", content: question });
    const typing = el("div", "typing");
    typing.setAttribute("role", "status");
    typing.setAttribute("aria-label", T.typing);
    typing.append(el("span"), el("span"), el("span"));
    log.append(typing);  // shown at once, before the request leaves
    scroll();
    let bubble = null;
    try {
      const body = { question, language: LANG };
      if (threadId) body.thread_id = threadId;
      const resp = await post("/v1/widget/ask/stream", body);
      const answer = await streamAnswer(resp, (piece) => {
        if (!bubble) { typing.remove(); bubble = say("assistant", ""); bubble.setAttribute("aria-busy", "true"); }
        bubble.append(document.createTextNode(piece));
        scroll();
      });
      typing.remove();
      if (!bubble) bubble = say("assistant", "");
      bubble.removeAttribute("aria-busy");
      if (answer.status === "blocked") {
        bubble.textContent = T.cannot + (answer.reason || "");
      } else {
        renderAnswer(bubble, answer);
      }
      transcript.push({ role: "assistant", content: answer.text || answer.reason || "" });
      if (answer.thread_id) threadId = answer.thread_id;
      if (answer.handoff) handoff.textContent = T.personRecommended;
    } catch (err) {
      typing.remove();
      if (bubble) bubble.removeAttribute("aria-busy");
      // Only a thread the server no longer knows (expired, or this visitor's token timed out) is dropped:
      // after a busy signal or a network error the conversation, and a later hand-off, must go on in it.
      if (err.code === "not_found") threadId = null;
      showError(errorText(err));
    } finally {
      sending = false;
      send.disabled = false;
      handoff.disabled = transcript.length === 0;
      scroll();
    }
  }

  // An anonymous visitor is asked how to reach them first: their next message is the contact note. One who
  // already wrote a phone number or an e-mail address is not asked again: the transcript carries it.
  let awaitingContact = false;
  const CONTACT = /[\w.+-]+@[\w-]+\.[\w.]+|(?:\+\d{1,3}[\s-]?)?\b0?\d{2,3}[\s-]?\d{3}[\s-]?\d{3,4}\b/;

  function startHandOff() {
    if (token || transcript.some((m) => m.role === "user" && CONTACT.test(m.content))) { handOff(""); return; }
    awaitingContact = true;
    handoff.disabled = true;
    say("system", T.contactAsk);
    input.focus();
  }

  async function handOff(note) {
    handoff.disabled = true;
    const wait = say("system", T.connecting);
    try {
      // The stored thread is the transcript; without one (every answer failed) the widget's own copy.
      const body = threadId ? { thread_id: threadId } : { messages: transcript.filter((m) => m.content) };
      if (note) body.note = note;
      const resp = await post("/v1/widget/handoff", body);
      const out = await resp.json();
      wait.textContent = out.ticket_id ? T.ticket(out.ticket_id) : T.picked;
    } catch (err) {
      wait.remove();
      showError(errorText(err));
      handoff.disabled = false;
    }
  }

  async function optOut(ev) {
    ev.preventDefault();
    const wait = say("system", T.turningOff);
    try {
      const out = await (await post("/v1/widget/opt-out", {})).json();
      const n = out.withdrawn.length;
      wait.textContent = n ? T.off(n) : T.alreadyOff;
      renderNotice(true);
    } catch (err) {
      wait.remove();
      showError(errorText(err));
    }
  }

  launcher.addEventListener("click", () => toggle(panel.hidden));
  close.addEventListener("click", () => toggle(false));
  panel.addEventListener("keydown", (ev) => { if (ev.key === "Escape") toggle(false); });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (!q || sending) return;
    input.value = "";
    if (awaitingContact) {
      awaitingContact = false;
      say("user", q);
      transcript.push({ role: "user", content: q });
      handOff(q);
      return;
    }
    ask(q);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  handoff.addEventListener("click", startHandOff);

  renderNotice(false);
  fetch(base + "/web/widget-config.json", { credentials: "omit" })
    .then((r) => (r.ok ? r.json() : { link_allowlist: [] }))
    .then((c) => { allow = (c.link_allowlist || []).map((d) => String(d).toLowerCase()); })
    .catch(() => { allow = []; });  // without the list no answer text becomes a link
  if (document.body) document.body.append(host);
  else document.addEventListener("DOMContentLoaded", () => document.body.append(host));
})();
