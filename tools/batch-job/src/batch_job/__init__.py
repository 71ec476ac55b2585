"""S3 Batch Operations jobs that run transform over a bucket (an operator tool). See `cli`."""
