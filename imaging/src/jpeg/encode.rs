//! JPEG encoding through libjpeg-turbo's code: its fastest defaults (identical output to
//! libjpeg-turbo: baseline, 4:2:0, standard tables), the given quality, no metadata written.

use mozjpeg::{ColorSpace, Compress};

/// `rgb` (interleaved 8-bit RGB, `width` x `height`) as a JPEG of `quality`.
pub(crate) fn encode_rgb(
    rgb: &[u8],
    width: u32,
    height: u32,
    quality: u8,
) -> Result<Vec<u8>, String> {
    std::panic::catch_unwind(|| {
        let mut compress = Compress::new(ColorSpace::JCS_RGB);
        compress.set_fastest_defaults();
        compress.set_size(width as usize, height as usize);
        compress.set_quality(f32::from(quality));
        let mut started = compress
            .start_compress(Vec::new())
            .map_err(|e| e.to_string())?;
        started.write_scanlines(rgb).map_err(|e| e.to_string())?;
        started.finish().map_err(|e| e.to_string())
    })
    .unwrap_or_else(|panic| Err(crate::error::panic_message(&*panic)))
}
