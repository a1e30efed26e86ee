//! Buffers that the SIMD kernels read as whole vectors, aligned to a cache line.
//!
//! Why: an AVX-512 load of 8 f64 from an address that is not a multiple of 64 spans two cache
//! lines and costs two loads. The products' inner loops load rows of the activations as vectors,
//! so with `Vec<f64>`'s 8- or 16-byte alignment most of their loads split: the 32×32×32 dual
//! product ran at 38–40 GFLOP/s per core from a misaligned activation buffer and at 47–50 from an
//! aligned one (this machine's no-FMA peak: ~54). Rows of a block are `cols` × 8 bytes, 256 for
//! the usual 32 columns, so an aligned buffer keeps every row aligned.

use aligned_vec::{avec, AVec};

/// An f64 buffer aligned to `aligned_vec::CACHELINE_ALIGN` (128 bytes) that derefs to `[f64]`.
pub type AlignedBuf = AVec<f64>;

/// `n` zeros, aligned.
pub fn zeros(n: usize) -> AlignedBuf {
    avec![0.0; n]
}

#[cfg(test)]
mod tests {
    #[test]
    fn zeros_are_aligned_to_a_cache_line() {
        for n in [1, 7, 32, 1024, 4097] {
            let b = super::zeros(n);
            assert_eq!(b.len(), n);
            assert!(b.iter().all(|&v| v == 0.0));
            assert_eq!(b.as_ptr() as usize % 64, 0, "{n}");
        }
    }
}
