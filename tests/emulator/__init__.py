"""A stateful emulator of the Cloudflare v4 API subset the collection uses (test double)."""
