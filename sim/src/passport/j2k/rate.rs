//! Post-compression rate-distortion optimisation (J.14): how many coding passes of each code-block to keep for a
//! given distortion-rate slope.

use super::tier1::CodedBand;

/// For each code-block, the number of passes that maximises distortion removed minus `slope` times bytes (J.14.3).
pub(super) fn choice_for(components: &[Vec<CodedBand>], slope: f64) -> Vec<Vec<usize>> {
    let mut choice = Vec::new();
    for bands in components {
        for band in bands {
            let per_block = band
                .blocks
                .iter()
                .map(|block| {
                    if slope == 0.0 {
                        return block.passes.len();
                    }
                    let mut best = (0usize, 0.0f64);
                    for (n, (bytes, gain)) in block.passes.iter().enumerate() {
                        let value = gain - slope * bytes.len() as f64;
                        if value > best.1 {
                            best = (n + 1, value);
                        }
                    }
                    best.0
                })
                .collect();
            choice.push(per_block);
        }
    }
    choice
}
