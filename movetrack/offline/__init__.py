"""The tablet offline: the service worker, the web app manifest, and what the day view
keeps on the tablet for the day (see README, "Offline on the tablet")."""
