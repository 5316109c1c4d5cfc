//! The conn.log `history` string: one letter per event kind and direction
//! (upper case from the originator), recorded once, or logarithmically for
//! the counted kinds (`c`, `g`, `t`, `w`: at 1, 10, 100, ... occurrences).

/// History letters of one connection.
#[derive(Debug, Default, Clone)]
pub struct History {
    letters: String,
    /// Bit per (letter, direction) already recorded by `check`.
    seen: u64,
}

fn bit(is_orig: bool, code: char) -> u64 {
    let idx = (code.to_ascii_uppercase() as u8).wrapping_sub(b'A') as u64 % 26;
    1 << (idx + if is_orig { 0 } else { 32 })
}

fn cased(is_orig: bool, code: char) -> char {
    if is_orig {
        code.to_ascii_uppercase()
    } else {
        code.to_ascii_lowercase()
    }
}

impl History {
    /// Record `code` the first time it is seen in this direction. Returns
    /// whether it had been seen before (then nothing is added).
    pub fn check(&mut self, is_orig: bool, code: char) -> bool {
        let b = bit(is_orig, code);
        if self.seen & b != 0 {
            return true;
        }
        self.seen |= b;
        self.add(is_orig, code);
        false
    }

    /// `check`, ignoring whether it was new.
    pub fn once(&mut self, is_orig: bool, code: char) {
        self.check(is_orig, code);
    }

    /// Append a letter unconditionally.
    pub fn add(&mut self, is_orig: bool, code: char) {
        self.letters.push(cased(is_orig, code));
    }

    /// Analysis of the connection is partial (a limit was exceeded): `X`,
    /// recorded once whichever side triggered it.
    pub fn partial(&mut self, is_orig: bool) {
        if !self.letters.contains(['X', 'x']) {
            self.add(is_orig, 'X');
        }
    }

    /// The roles were swapped: letters recorded so far change case (they
    /// were sent by what is now the other side) and the history is marked
    /// with a leading `^`.
    pub fn flip(&mut self) {
        let swapped: String = self
            .letters
            .chars()
            .filter(|&c| c != '^')
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        self.letters = format!("^{swapped}");
        self.seen = self.seen.rotate_left(32);
    }

    pub fn as_str(&self) -> &str {
        &self.letters
    }
}

/// A counted history event: recorded at the 1st, 10th, 100th ... time.
#[derive(Debug, Clone, Copy)]
pub struct Scaled {
    count: u32,
    threshold: u32,
}

impl Default for Scaled {
    fn default() -> Self {
        Scaled {
            count: 0,
            threshold: 1,
        }
    }
}

impl Scaled {
    pub fn hit(&mut self, hist: &mut History, is_orig: bool, code: char) {
        self.count = self.count.saturating_add(1);
        if self.count == self.threshold {
            hist.add(is_orig, code);
            self.threshold = self.threshold.saturating_mul(10);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_cased_by_direction_and_recorded_once() {
        let mut h = History::default();
        assert!(!h.check(true, 'S'));
        assert!(h.check(true, 'S'));
        h.once(false, 'H');
        h.once(false, 'h');
        assert_eq!(h.as_str(), "Sh");
    }

    #[test]
    fn flip_swaps_roles_of_recorded_letters() {
        let mut h = History::default();
        h.once(true, 'H');
        h.flip();
        assert_eq!(h.as_str(), "^h");
        // 'H' is now known as seen from the responder.
        assert!(h.check(false, 'H'));
        h.once(false, 'A');
        assert_eq!(h.as_str(), "^ha");
    }

    #[test]
    fn scaled_letters_are_logarithmic() {
        let mut h = History::default();
        let mut s = Scaled::default();
        for _ in 0..150 {
            s.hit(&mut h, false, 'T');
        }
        assert_eq!(h.as_str(), "ttt");
    }
}
