"""The local AWS: moto on loopback, a source and two destination accounts, where the templates deploy. See `cli`."""
