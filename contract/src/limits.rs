//! Input limits: the defaults of `MAX_INPUT_BYTES` and `MAX_INPUT_PIXELS`, the two limits an
//! operator sets. The others (metadata blocks, JPEG scans) are the image crate's, fixed.
//!
//! Chosen from measured peak memory (see the README's "Limits and memory" section and
//! `bench/`): the worst case per pixel is a 16-bit RGBA PNG (8 bytes a pixel while decoding,
//! then 4 in 8-bit RGBA), so 40 megapixels stay under about 500 MB in a 1 GB function.

/// Default `MAX_INPUT_BYTES`: 64 MiB, checked against the object's length before reading it.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Default `MAX_INPUT_PIXELS`: 40 megapixels, checked against the image header before decoding.
pub const DEFAULT_MAX_INPUT_PIXELS: u64 = 40_000_000;
