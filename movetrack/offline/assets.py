"""The app's version as the browser sees it: a hash of the files the service worker keeps.
A release that changes any of them gets a new service worker and a new static cache."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from movetrack import config

# What a page on the tablet needs besides itself; pictograms are kept as pages use them.
CORE_ASSETS = ("css/app.css", "js/app.js", "js/offline-queue.js", config.HTMX_LOCAL_PATH,
               "favicon.svg", "icons/icon-192.png")
WORKER = "js/sw.js"


@cache
def asset_version(static_folder: str) -> str:
    digest = hashlib.sha256()
    for name in (*CORE_ASSETS, WORKER):
        digest.update(name.encode())
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:12]
