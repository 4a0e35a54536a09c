"""The checks every page meets in a real browser, in one place for every browser test: no
sideways scroll, no touch target under 44×44 px, no axe violation."""

from __future__ import annotations

import json

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS, Axe

# A checkbox or radio button is tapped through its label, so the label is its target.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, .button, input:not([type=hidden]), select, textarea, summary, nav a')]
  .filter(el => el.offsetParent !== null)
  .map(el => ({el, target: (el.matches('[type=checkbox], [type=radio]') && el.closest('label')) || el}))
  .map(({el, target}) => ({el, box: target.getBoundingClientRect()}))
  .filter(({box}) => box.width < 44 || box.height < 44)
  .map(({el, box}) =>
    `${el.tagName} "${(el.innerText || el.value || el.name || '').trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`)"""  # noqa: E501 (one JavaScript template literal)

SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"
AXE = Axe()


def what_is_wrong(page) -> list[str]:
    """What the page shows wrong at the current viewport."""
    wrong = []
    if page.evaluate(SCROLLS_SIDEWAYS):
        wrong.append(f"scrolls sideways ({page.evaluate('document.documentElement.scrollWidth')} px)")
    small = page.evaluate(SMALL_TARGETS)
    if small:
        wrong.append(f"touch targets under 44×44: {small}")
    results = axe_results(page)
    if results.violations_count:
        wrong.append(f"axe: {results.generate_report()}")
    return wrong


def axe_results(page) -> AxeResults:
    """Axe's answer, as Axe().run gives it; axe is put into the page once, not at every
    viewport (it stays while only the viewport changes), which saves a tenth of the time."""
    if page.evaluate("typeof axe === 'undefined'"):
        page.evaluate(AXE.axe_script)
    return AxeResults(page.evaluate(f"axe.run({json.dumps(DEFAULT_OPTIONS)})"))
