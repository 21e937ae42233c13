//! The MQ arithmetic encoder (Annex C) with its probability states (Table C.2) and the context labels of tier 1.

/// Qe, next state after an MPS, next state after an LPS, and whether an LPS switches the MPS (Table C.2).
const QE: [(u32, u8, u8, bool); 47] = [
    (0x5601, 1, 1, true),
    (0x3401, 2, 6, false),
    (0x1801, 3, 9, false),
    (0x0AC1, 4, 12, false),
    (0x0521, 5, 29, false),
    (0x0221, 38, 33, false),
    (0x5601, 7, 6, true),
    (0x5401, 8, 14, false),
    (0x4801, 9, 14, false),
    (0x3801, 10, 14, false),
    (0x3001, 11, 17, false),
    (0x2401, 12, 18, false),
    (0x1C01, 13, 20, false),
    (0x1601, 29, 21, false),
    (0x5601, 15, 14, true),
    (0x5401, 16, 14, false),
    (0x5101, 17, 15, false),
    (0x4801, 18, 16, false),
    (0x3801, 19, 17, false),
    (0x3401, 20, 18, false),
    (0x3001, 21, 19, false),
    (0x2801, 22, 19, false),
    (0x2401, 23, 20, false),
    (0x2201, 24, 21, false),
    (0x1C01, 25, 22, false),
    (0x1801, 26, 23, false),
    (0x1601, 27, 24, false),
    (0x1401, 28, 25, false),
    (0x1201, 29, 26, false),
    (0x1101, 30, 27, false),
    (0x0AC1, 31, 28, false),
    (0x09C1, 32, 29, false),
    (0x08A1, 33, 30, false),
    (0x0521, 34, 31, false),
    (0x0441, 35, 32, false),
    (0x02A1, 36, 33, false),
    (0x0221, 37, 34, false),
    (0x0141, 38, 35, false),
    (0x0111, 39, 36, false),
    (0x0085, 40, 37, false),
    (0x0049, 41, 38, false),
    (0x0025, 42, 39, false),
    (0x0015, 43, 40, false),
    (0x0009, 44, 41, false),
    (0x0005, 45, 42, false),
    (0x0001, 45, 43, false),
    (0x5601, 46, 46, false),
];

/// Context labels (Annex D): 0-8 zero coding, 9-13 sign coding, 14-16 magnitude refinement, then run-length and
/// uniform.
pub(super) const CTX_RL: usize = 17;
pub(super) const CTX_UNI: usize = 18;
const CONTEXTS: usize = 19;

/// The MQ encoder of C.2, writing into a buffer whose first byte stands for the byte before the stream (C.2.8).
#[derive(Clone)]
pub(super) struct Mq {
    a: u32,
    c: u32,
    ct: u32,
    out: Vec<u8>,
    /// State index and MPS of each context.
    contexts: [(u8, u8); CONTEXTS],
}

impl Mq {
    pub(super) fn new() -> Self {
        let mut contexts = [(0u8, 0u8); CONTEXTS];
        // Initial states of Table D.7: zero-coding context 0 at 4, run-length at 3, uniform at 46.
        contexts[0] = (4, 0);
        contexts[CTX_RL] = (3, 0);
        contexts[CTX_UNI] = (46, 0);
        Self { a: 0x8000, c: 0, ct: 12, out: vec![0], contexts }
    }

    fn last(&self) -> u8 {
        self.out.last().copied().unwrap_or(0)
    }

    fn byte_out(&mut self) {
        if self.last() == 0xFF {
            self.out.push((self.c >> 20) as u8);
            self.c &= 0xF_FFFF;
            self.ct = 7;
        } else if self.c < 0x800_0000 {
            self.out.push((self.c >> 19) as u8);
            self.c &= 0x7_FFFF;
            self.ct = 8;
        } else {
            // The carry goes into the byte already written.
            if let Some(b) = self.out.last_mut() {
                *b = b.wrapping_add(1);
            }
            if self.last() == 0xFF {
                self.c &= 0x7FF_FFFF;
                self.out.push((self.c >> 20) as u8);
                self.c &= 0xF_FFFF;
                self.ct = 7;
            } else {
                self.out.push((self.c >> 19) as u8);
                self.c &= 0x7_FFFF;
                self.ct = 8;
            }
        }
    }

    fn renorm(&mut self) {
        loop {
            self.a <<= 1;
            self.c <<= 1;
            self.ct -= 1;
            if self.ct == 0 {
                self.byte_out();
            }
            if self.a & 0x8000 != 0 {
                break;
            }
        }
    }

    pub(super) fn encode(&mut self, cx: usize, bit: u8) {
        let Some(&(state, mps)) = self.contexts.get(cx) else { return };
        let Some(&(qe, nmps, nlps, switch)) = QE.get(usize::from(state)) else { return };
        self.a -= qe;
        if bit == mps {
            if self.a & 0x8000 == 0 {
                if self.a < qe {
                    self.a = qe;
                } else {
                    self.c += qe;
                }
                if let Some(s) = self.contexts.get_mut(cx) {
                    s.0 = nmps;
                }
                self.renorm();
            } else {
                self.c += qe;
            }
        } else {
            if self.a < qe {
                self.c += qe;
            } else {
                self.a = qe;
            }
            if let Some(s) = self.contexts.get_mut(cx) {
                s.0 = nlps;
                if switch {
                    s.1 ^= 1;
                }
            }
            self.renorm();
        }
    }

    /// FLUSH (C.2.9), dropping a final 0xFF as the standard requires; returns the codeword without the byte that
    /// stood before it.
    pub(super) fn finish(mut self) -> Vec<u8> {
        let tempc = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= tempc {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        self.byte_out();
        self.c <<= self.ct;
        self.byte_out();
        if self.last() == 0xFF {
            self.out.pop();
        }
        self.out.split_off(1)
    }
}
