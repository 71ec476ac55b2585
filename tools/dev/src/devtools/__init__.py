"""Developer drivers: the steps of `scripts/demo` that are not shell (ports, upload-url's
request and answer, the S3 event of an upload). See `cli`."""
