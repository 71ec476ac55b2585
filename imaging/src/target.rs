//! What to make of an image: a box to fit inside and an encoding. The caller's names, file
//! names and specs are its own business: the pipeline only sees sizes and encoders.

use std::fmt;

/// How an output is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JPEG with 4:2:0 chroma, alpha flattened on white; `quality` 1..=100 as libjpeg takes it.
    Jpeg {
        /// libjpeg's quality.
        quality: u8,
    },
    /// PNG, lossless, alpha kept.
    Png,
    /// WebP, lossless, alpha kept.
    WebPLossless,
    /// WebP, lossy (libwebp), alpha kept; `quality` 1..=100 as libwebp takes it.
    WebP {
        /// libwebp's quality.
        quality: u8,
    },
    /// AVIF (rav1e, one thread), alpha kept; `quality` 1..=100 as ravif takes it.
    Avif {
        /// ravif's quality.
        quality: u8,
    },
}

/// One output: fit inside `width` x `height` (aspect kept, never upscaled), then `encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Box width, at least 1.
    pub width: u32,
    /// Box height, at least 1.
    pub height: u32,
    /// The encoder and its settings.
    pub encoding: Encoding,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encoding {
            Encoding::Jpeg { quality } => {
                write!(f, "{}x{} JPEG q{quality}", self.width, self.height)
            }
            Encoding::Png => write!(f, "{}x{} PNG", self.width, self.height),
            Encoding::WebPLossless => write!(f, "{}x{} lossless WebP", self.width, self.height),
            Encoding::WebP { quality } => {
                write!(f, "{}x{} WebP q{quality}", self.width, self.height)
            }
            Encoding::Avif { quality } => {
                write!(f, "{}x{} AVIF q{quality}", self.width, self.height)
            }
        }
    }
}
