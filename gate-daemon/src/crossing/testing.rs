//! What the crossing's property tests share: a small reproducible random number generator.

/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators", 2016): reproducible from
/// its seed, so a failing case can be replayed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// A generator for `seed` (any value; mixed so that neighbouring seeds differ at once).
    pub(crate) fn seeded(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}
