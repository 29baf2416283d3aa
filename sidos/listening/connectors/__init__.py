"""Network sources of public posts (RSS/Atom, Mastodon, Bluesky), one folder each, all the same shape."""
