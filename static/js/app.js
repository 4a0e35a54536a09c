// movetrack's only script besides htmx. Loaded from 'self' (the CSP forbids inline scripts).
"use strict";

// Read aloud: an element with data-speak reads its text in the language of the element
// (its own lang, or the nearest ancestor's). data-speak-parts, a JSON list of
// [text, lang] pairs, reads a text made of parts in different languages, each part with a
// voice for its own language (a module step in Arabic under a Swedish heading, say).
const VOICE_LANGS = { sv: "sv-SE", en: "en-GB", ar: "ar", fa: "fa-IR", prs: "fa-AF" };

function voiceFor(lang) {
  const voices = window.speechSynthesis.getVoices();
  const wanted = (VOICE_LANGS[lang] || lang).toLowerCase();
  const base = wanted.split("-")[0];
  return voices.find((voice) => voice.lang.toLowerCase() === wanted)
    || voices.find((voice) => voice.lang.toLowerCase().split(/[-_]/)[0] === base)
    || null;
}

function utteranceOf(text, lang) {
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = VOICE_LANGS[lang] || lang;
  const voice = voiceFor(lang);
  if (voice) utterance.voice = voice;
  utterance.rate = 0.9;
  return utterance;
}

function speak(button) {
  if (!("speechSynthesis" in window)) return;
  const pageLang = (button.closest("[lang]") || document.documentElement).lang || "sv";
  const parts = button.dataset.speakParts
    ? JSON.parse(button.dataset.speakParts) : [[button.dataset.speak, pageLang]];
  window.speechSynthesis.cancel();
  parts.filter(([text]) => text).forEach(([text, lang]) => {
    window.speechSynthesis.speak(utteranceOf(text, lang || pageLang));
  });
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-speak]");
  if (button) {
    event.preventDefault();
    speak(button);
  }
});

// After htmx swaps in a confirmation or a message, move focus there (which also scrolls it
// into view) so the supervisor sees it where they are looking, and screen readers read it.
// The event fires on the new content: with an outerHTML swap the old target is gone.
document.addEventListener("htmx:afterSettle", (event) => {
  const swapped = event.target;
  const target = swapped.matches("[data-focus-after-swap]")
    ? swapped : swapped.querySelector("[data-focus-after-swap]");
  if (!target) return;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "nearest" });
});

// Hide the read-aloud buttons where the browser cannot speak.
document.addEventListener("DOMContentLoaded", () => {
  if (!("speechSynthesis" in window)) {
    document.querySelectorAll(".button-speak").forEach((el) => { el.hidden = true; });
  }
});

// Print buttons (module sheet, meeting packs): shown only where a script can print;
// without one, the page says to use the browser's own print command.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
});

// The day view's "Other…" (issue 14): forty tiles share the page's one copy of the menu
// (<template id="checkin-options">) instead of carrying one each. A tap opens that copy in
// place of the link, filled in for the person; without a script the link opens the day
// view with this tile's menu drawn open: the same two taps either way, offline too.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.checkin-other");
  const menu = document.getElementById("checkin-options");
  if (!link || !menu) return;
  event.preventDefault();
  const form = link.closest("form");
  const more = menu.content.firstElementChild.cloneNode(true);
  const id = `hours-${form.elements.placement_id.value}`;
  const label = more.querySelector("label");
  label.textContent = link.dataset.hoursLabel;
  label.htmlFor = id;
  Object.assign(more.querySelector("input[name=hours]"), { id, value: link.dataset.hours || "" });
  more.querySelectorAll(".visually-hidden").forEach((name) => { name.textContent = ` – ${form.dataset.offlineName}`; });
  const status = link.dataset.status;
  const chosen = status && more.querySelector(`button[value="${CSS.escape(status)}"]`);
  if (chosen) chosen.setAttribute("aria-pressed", "true");
  if (!status) more.querySelector(".checkin-remove").remove();
  link.replaceWith(more);
  more.querySelector("summary").focus();
});
