// movetrack's only script besides htmx. Loaded from 'self' (the CSP forbids inline scripts).
"use strict";

// Read aloud: any element with data-speak reads its text in the page's language.
function speak(text) {
  if (!("speechSynthesis" in window) || !text) return;
  window.speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = document.documentElement.lang === "en" ? "en-GB" : "sv-SE";
  utterance.rate = 0.9;
  window.speechSynthesis.speak(utterance);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-speak]");
  if (button) {
    event.preventDefault();
    speak(button.dataset.speak);
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
