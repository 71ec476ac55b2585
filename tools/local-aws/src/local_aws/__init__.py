"""The local two-account AWS: moto on loopback, provisioned like the real thing. See `cli`."""
