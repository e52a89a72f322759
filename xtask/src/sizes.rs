//! Transfer sizes: raw, gzip (level 9) and brotli (quality 11), as a browser would download them.

use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

impl Sizes {
    pub fn of(bytes: &[u8]) -> Sizes {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(bytes).expect("writing to memory");
        let gzip = gz.finish().expect("writing to memory").len();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).expect("writing to memory");
        Sizes { raw: bytes.len(), gzip, brotli: br.len() }
    }

    pub fn of_file(path: &Path) -> Result<Sizes, String> {
        std::fs::read(path).map(|b| Sizes::of(&b)).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn add(&mut self, o: Sizes) {
        self.raw += o.raw;
        self.gzip += o.gzip;
        self.brotli += o.brotli;
    }
}

/// One printed line: `label  raw 123.4 KB  gzip 45.6 KB  brotli 38.9 KB`.
pub fn line(label: &str, s: Sizes) -> String {
    let kb = |n: usize| n as f64 / 1000.0;
    format!("{label:<28} raw {:>8.1} KB   gzip {:>7.1} KB   brotli {:>7.1} KB", kb(s.raw), kb(s.gzip), kb(s.brotli))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_shrinks_repetitive_input_and_keeps_raw_size() {
        let input = b"webhook ".repeat(1000);
        let s = Sizes::of(&input);
        assert_eq!(s.raw, 8000);
        assert!(s.gzip < 200 && s.brotli < 200, "{s:?}");
    }
}
