//! libwebp's decoder and lossy encoder: the crate's second unsafe module, beside libjpeg's
//! error handlers, kept to the calls and nothing else.
//!
//! Why the decoder is sound:
//! - `WebPGetFeaturesInternal` reads at most `bytes.len()` bytes of the slice it is given and
//!   writes only the struct it is given.
//! - `WebPDecode` writes into our buffer (`is_external_memory`), whose length and stride it is
//!   given and checks against the output size before writing a row; every other buffer it uses
//!   it allocates and frees itself. `WebPFreeDecBuffer` frees nothing of an external buffer and
//!   is called on every path (a guard's `Drop`).
//!
//! Why the encoder is sound:
//! - `WebPConfigInitInternal` and `WebPPictureInitInternal` initialise every field of the
//!   zeroed structs they are given (plain C structs of integers, floats and pointers, for which
//!   all-zero is a valid value), checked against the ABI version the bindings were made for.
//! - `WebPPictureImportRGB(A)` reads exactly `stride * height` bytes of the slice, whose length
//!   is checked first; it copies them into buffers the picture owns, freed by `WebPPictureFree`
//!   on every path (a guard's `Drop`).
//! - The memory writer collects the output into a buffer libwebp allocates; it is copied into a
//!   `Vec` before `WebPMemoryWriterClear` frees it, also on every path.
//! - No callback of libwebp calls back into Rust but `WebPMemoryWrite`, libwebp's own.
#![allow(unsafe_code)]

use libwebp_sys as webp;

/// libwebp's effort (`method`, 0 fastest .. 6 smallest): 4 is its own default, cwebp's too.
pub(crate) const METHOD: i32 = 4;

/// What a WebP's bitstream says of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub has_animation: bool,
}

/// libwebp's reading of the headers (the container and the bitstream's first bytes).
pub(crate) fn features(bytes: &[u8]) -> Result<Features, String> {
    // SAFETY: see the module comment.
    unsafe {
        let mut f: webp::WebPBitstreamFeatures = std::mem::zeroed();
        let status = webp::WebPGetFeaturesInternal(
            bytes.as_ptr(),
            bytes.len(),
            &mut f,
            webp::WEBP_DECODER_ABI_VERSION as i32,
        );
        if status != webp::VP8StatusCode::VP8_STATUS_OK {
            return Err(status_text(status));
        }
        Ok(Features {
            width: u32::try_from(f.width).map_err(|_| "a negative width")?,
            height: u32::try_from(f.height).map_err(|_| "a negative height")?,
            has_alpha: f.has_alpha != 0,
            has_animation: f.has_animation != 0,
        })
    }
}

/// Decodes a still WebP into 8-bit RGB (`channels` 3) or straight-alpha RGBA (4), scaled on
/// decode to `width`x`height` (libwebp's area-averaging rescaler) when that differs from its
/// own size. The caller has checked the size against its limits: the output buffer is
/// allocated here, exactly `width * height * channels` bytes.
pub(crate) fn decode(
    bytes: &[u8],
    own: (u32, u32),
    (width, height): (u32, u32),
    channels: u8,
) -> Result<Vec<u8>, String> {
    let (w, h, stride, len) = geometry(width, height, channels)?;
    let mut out = vec![0u8; len];
    // SAFETY: see the module comment; `out` outlives the call and is `len` bytes long.
    unsafe {
        let mut config = Config(std::mem::zeroed());
        if webp::WebPInitDecoderConfigInternal(&mut config.0, webp::WEBP_DECODER_ABI_VERSION as i32)
            == 0
        {
            return Err("libwebp's decoder configuration (ABI version) was refused".into());
        }
        if (width, height) != own {
            config.0.options.use_scaling = 1;
            config.0.options.scaled_width = w;
            config.0.options.scaled_height = h;
        }
        config.0.output.colorspace = if channels == 4 {
            webp::WEBP_CSP_MODE::MODE_RGBA
        } else {
            webp::WEBP_CSP_MODE::MODE_RGB
        };
        config.0.output.is_external_memory = 1;
        config.0.output.u.RGBA = webp::WebPRGBABuffer {
            rgba: out.as_mut_ptr(),
            stride,
            size: len,
        };
        let status = webp::WebPDecode(bytes.as_ptr(), bytes.len(), &mut config.0);
        if status != webp::VP8StatusCode::VP8_STATUS_OK {
            return Err(status_text(status));
        }
        if (config.0.output.width, config.0.output.height) != (w, h) {
            return Err(format!(
                "libwebp decoded {}x{} where {width}x{height} was asked",
                config.0.output.width, config.0.output.height
            ));
        }
    }
    Ok(out)
}

/// libwebp's `int` width, height and row stride of `width`x`height` pixels of `channels` (3 or
/// 4) bytes, and their byte length.
fn geometry(width: u32, height: u32, channels: u8) -> Result<(i32, i32, i32, usize), String> {
    if !(channels == 3 || channels == 4) {
        return Err(format!("{channels} channels (3 or 4 are)"));
    }
    let side = |v: u32| i32::try_from(v).map_err(|_| format!("a side of {v} pixels"));
    let (w, h) = (side(width)?, side(height)?);
    let stride = w
        .checked_mul(i32::from(channels))
        .ok_or("the row is too long")?;
    let len = usize::try_from(stride).unwrap_or(0) * usize::try_from(h).unwrap_or(0);
    Ok((w, h, stride, len))
}

fn status_text(status: webp::VP8StatusCode) -> String {
    use webp::VP8StatusCode as S;
    match status {
        S::VP8_STATUS_OUT_OF_MEMORY => "libwebp ran out of memory",
        S::VP8_STATUS_INVALID_PARAM => "libwebp refused a parameter",
        S::VP8_STATUS_BITSTREAM_ERROR => "its bitstream is invalid",
        S::VP8_STATUS_UNSUPPORTED_FEATURE => "it uses a feature libwebp does not support here",
        S::VP8_STATUS_NOT_ENOUGH_DATA => "its data ends early (truncated)",
        _ => "libwebp stopped",
    }
    .to_owned()
}

/// Frees what libwebp allocated for a decode, on every path.
struct Config(webp::WebPDecoderConfig);

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: zeroed or initialised by WebPInitDecoderConfigInternal; an external buffer
        // or one never allocated is left alone.
        unsafe { webp::WebPFreeDecBuffer(&mut self.0.output) }
    }
}

/// Encodes 8-bit RGB (`channels` 3) or RGBA (4, straight alpha, kept) pixels as lossy WebP at
/// `quality` (1..=100, libwebp's `quality` unchanged).
pub(crate) fn encode_lossy(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: u8,
    quality: u8,
) -> Result<Vec<u8>, String> {
    let (w, h, stride, len) = geometry(width, height, channels)?;
    if pixels.len() != len {
        return Err(format!(
            "{} bytes are not {width}x{height} pixels of {channels} channels",
            pixels.len()
        ));
    }
    // SAFETY: see the module comment; every pointer passed lives across the call.
    unsafe {
        let mut config: webp::WebPConfig = std::mem::zeroed();
        if webp::WebPConfigInitInternal(
            &mut config,
            webp::WebPPreset::WEBP_PRESET_DEFAULT,
            f32::from(quality),
            webp::WEBP_ENCODER_ABI_VERSION as i32,
        ) == 0
        {
            return Err("libwebp's configuration (ABI version) was refused".into());
        }
        config.method = METHOD;
        if webp::WebPValidateConfig(&config) == 0 {
            return Err("libwebp refused its configuration".into());
        }
        let mut picture = Picture(std::mem::zeroed());
        if webp::WebPPictureInitInternal(&mut picture.0, webp::WEBP_ENCODER_ABI_VERSION as i32) == 0
        {
            return Err("libwebp's picture (ABI version) was refused".into());
        }
        picture.0.use_argb = 0;
        picture.0.width = w;
        picture.0.height = h;
        let imported = if channels == 4 {
            webp::WebPPictureImportRGBA(&mut picture.0, pixels.as_ptr(), stride)
        } else {
            webp::WebPPictureImportRGB(&mut picture.0, pixels.as_ptr(), stride)
        };
        if imported == 0 {
            return Err("libwebp could not import the pixels (out of memory)".into());
        }
        let mut writer = Writer(std::mem::zeroed());
        webp::WebPMemoryWriterInit(&mut writer.0);
        picture.0.writer = Some(webp::WebPMemoryWrite);
        picture.0.custom_ptr = (&mut writer.0 as *mut webp::WebPMemoryWriter).cast();
        if webp::WebPEncode(&config, &mut picture.0) == 0 {
            return Err(format!(
                "libwebp's encoder failed ({:?})",
                picture.0.error_code
            ));
        }
        if writer.0.mem.is_null() {
            return Err("libwebp wrote nothing".into());
        }
        Ok(std::slice::from_raw_parts(writer.0.mem, writer.0.size).to_vec())
    }
}

/// Frees the picture's buffers on every path.
struct Picture(webp::WebPPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: initialised by WebPPictureInitInternal before any path returns with it;
        // freeing an initialised picture without buffers is a no-op.
        unsafe { webp::WebPPictureFree(&mut self.0) }
    }
}

/// Frees libwebp's output buffer on every path.
struct Writer(webp::WebPMemoryWriter);

impl Drop for Writer {
    fn drop(&mut self) {
        // SAFETY: initialised by WebPMemoryWriterInit (or all-zero: mem null, size 0), which
        // WebPMemoryWriterClear accepts.
        unsafe { webp::WebPMemoryWriterClear(&mut self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, channels: u8) -> Vec<u8> {
        let mut px = Vec::new();
        for y in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 128]);
                if channels == 4 {
                    px.push(if x < w / 2 { 255 } else { 64 });
                }
            }
        }
        px
    }

    fn decoded(webp: &[u8]) -> image::DynamicImage {
        image::load_from_memory_with_format(webp, image::ImageFormat::WebP).expect("a WebP")
    }

    #[test]
    fn a_lossy_webp_decodes_to_its_size_close_to_its_pixels_and_keeps_alpha() {
        let rgb = gradient(64, 48, 3);
        let out = encode_lossy(&rgb, 64, 48, 3, 80).expect("encodes");
        assert_eq!(&out[..4], b"RIFF");
        assert_eq!(&out[8..16], b"WEBPVP8 ", "lossy (VP8), not lossless (VP8L)");
        let back = decoded(&out).to_rgb8();
        assert_eq!(back.dimensions(), (64, 48));
        let diff: u64 = back
            .as_raw()
            .iter()
            .zip(&rgb)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        assert!(
            diff / (rgb.len() as u64) < 6,
            "mean difference {}",
            diff / rgb.len() as u64
        );

        let rgba = gradient(64, 48, 4);
        let out = encode_lossy(&rgba, 64, 48, 4, 80).expect("encodes");
        let back = decoded(&out).to_rgba8();
        assert_eq!(back.get_pixel(10, 10)[3], 255);
        assert!(back.get_pixel(50, 10)[3].abs_diff(64) <= 2, "alpha kept");
    }

    #[test]
    fn the_quality_goes_to_the_encoder() {
        let rgb = gradient(128, 96, 3);
        let low = encode_lossy(&rgb, 128, 96, 3, 10).expect("encodes");
        let high = encode_lossy(&rgb, 128, 96, 3, 95).expect("encodes");
        assert!(low.len() < high.len(), "{} vs {}", low.len(), high.len());
    }

    #[test]
    fn pixels_that_do_not_fill_the_size_are_refused() {
        assert!(encode_lossy(&[0; 10], 4, 4, 3, 80).is_err());
        assert!(encode_lossy(&[0; 32], 4, 4, 2, 80).is_err());
    }
}
