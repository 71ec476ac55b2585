//! The contract's renditions made by the image pipeline.
//!
//! `imaging` knows boxes and encoders; `contract` knows rendition specs, reasons and RESULTs;
//! neither knows the other. This crate is where they meet, once, without AWS: the pipeline
//! core and the `render` tool both go through it.
//!
//! # Layout
//! - [`target`]: a rendition spec as imaging's [`Target`](imaging::Target).
//! - [`limits`], [`default_limits`]: the settings' input limits as imaging's [`Limits`].
//! - [`reject`]: imaging's rejection as the contract's reason.
//! - [`render`]: renditions of one input, each output with the rendition it was made for, and
//!   its entry in a RESULT ([`Output::info`]).

use contract::limits::{DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_INPUT_PIXELS};
use contract::response::{OutputInfo, Reject};
use contract::spec::{OutputFormat, Rendition};
use imaging::{Encoding, RejectionKind, Target};

pub use imaging::{Limits, Rejection, RenderError, SourceFormat};

// imaging's memory-budget test renders the costliest inputs of BUDGETED_PIXELS within the
// budget the README states; the product's default must not ask for more (checked when built).
const _: () = assert!(
    DEFAULT_MAX_INPUT_PIXELS <= imaging::BUDGETED_PIXELS,
    "MAX_INPUT_PIXELS's default is above what imaging's memory-budget test measures"
);

// The same for the AVIF box cap the contract admits.
const _: () = assert!(
    contract::spec::MAX_AVIF_BOX_SIDE <= imaging::BUDGETED_AVIF_SIDE,
    "the AVIF box cap is above what imaging's memory-budget test measures"
);

/// The image pipeline's target for `rendition`: its box and its encoder.
pub fn target(rendition: &Rendition) -> Target {
    let encoding = match rendition.format {
        OutputFormat::Jpeg => Encoding::Jpeg {
            quality: rendition.quality,
        },
        OutputFormat::Png => Encoding::Png,
        OutputFormat::WebP => Encoding::WebP {
            quality: rendition.quality,
        },
        OutputFormat::WebPLossless => Encoding::WebPLossless,
        OutputFormat::Avif => Encoding::Avif {
            quality: rendition.quality,
        },
    };
    Target {
        width: rendition.width,
        height: rendition.height,
        encoding,
    }
}

/// The image pipeline's limits for `MAX_INPUT_BYTES` and `MAX_INPUT_PIXELS`.
pub fn limits(max_input_bytes: u64, max_input_pixels: u64) -> Limits {
    Limits::new(max_input_bytes, max_input_pixels)
}

/// The limits of the settings' defaults (what `render` uses: it reads no settings).
pub fn default_limits() -> Limits {
    limits(DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_INPUT_PIXELS)
}

/// The contract's reason for an image rejection.
pub fn reject(rejection: &Rejection) -> Reject {
    match rejection.kind() {
        RejectionKind::NotAnImage => Reject::NotAnImage,
        RejectionKind::Corrupt => Reject::Corrupt,
        RejectionKind::TooLarge => Reject::TooLarge,
        RejectionKind::UnsupportedFormat => Reject::UnsupportedFormat,
    }
}

/// One finished rendition.
#[derive(Debug, Clone)]
pub struct Output {
    /// The rendition it was made for.
    pub rendition: Rendition,
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

impl Output {
    /// Its entry in a RESULT's `outputs`, written under `key`.
    pub fn info(&self, key: String) -> OutputInfo {
        OutputInfo {
            key,
            content_type: Some(self.rendition.format.content_type().to_owned()),
            width: Some(self.width),
            height: Some(self.height),
            bytes: Some(self.bytes.len() as u64),
        }
    }
}

/// Every rendition of one input, and what the input was.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// The input's format.
    pub source_format: SourceFormat,
    /// The input's width, after EXIF orientation.
    pub source_width: u32,
    /// The input's height, after EXIF orientation.
    pub source_height: u32,
    /// The outputs, in the order of the renditions asked for.
    pub outputs: Vec<Output>,
    /// What was ignored on the way and why (for the caller's log, never fatal).
    pub notes: Vec<String>,
}

/// Makes `renditions` of the image in `bytes` (imaging's [`render`](imaging::render)).
pub fn render(
    bytes: &[u8],
    renditions: &[Rendition],
    limits: &Limits,
) -> Result<Rendering, RenderError> {
    let targets: Vec<Target> = renditions.iter().map(target).collect();
    let made = imaging::render(bytes, &targets, limits)?;
    if made.outputs.len() != renditions.len() {
        return Err(RenderError::Internal {
            what: "the image pipeline",
            detail: format!(
                "it made {} outputs for {} renditions",
                made.outputs.len(),
                renditions.len()
            ),
        });
    }
    let outputs = renditions
        .iter()
        .zip(made.outputs)
        .map(|(rendition, out)| Output {
            rendition: rendition.clone(),
            width: out.width,
            height: out.height,
            bytes: out.bytes,
        })
        .collect();
    Ok(Rendering {
        source_format: made.source_format,
        source_width: made.source_width,
        source_height: made.source_height,
        outputs,
        notes: made.notes,
    })
}

#[cfg(test)]
mod tests;
