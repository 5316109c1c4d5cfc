//! Per-direction stream bookkeeping: which relative sequence ranges arrived,
//! how far the stream is contiguous, and which holes an acknowledgement
//! proves were missed (Zeek's content gaps, conn.log's `missed_bytes`).
//!
//! Memory is bounded: at most [`MAX_BLOCKS`] out-of-order ranges are kept;
//! beyond that the oldest is forgotten (its bytes then count as missing if
//! they are acknowledged, which is the conservative answer).

use std::collections::BTreeMap;

pub const MAX_BLOCKS: usize = 256;

#[derive(Debug)]
pub struct Reassembly {
    /// Next relative sequence number to deliver (1 = first byte after SYN).
    delivered: u64,
    /// Highest acknowledged point already processed.
    trim: u64,
    /// Out-of-order ranges above `delivered`: start -> end (exclusive).
    blocks: BTreeMap<u64, u64>,
}

impl Default for Reassembly {
    fn default() -> Self {
        Reassembly {
            delivered: 1,
            trim: 1,
            blocks: BTreeMap::new(),
        }
    }
}

impl Reassembly {
    /// Payload `[seq, seq+len)` was seen; `acked` is how far the peer has
    /// already acknowledged this direction.
    pub fn data_sent(&mut self, seq: u64, len: u64, acked: u64) {
        let mut start = seq;
        let end = seq.saturating_add(len);
        if start < acked {
            if end <= acked {
                return;
            }
            start = acked;
        }
        if end <= self.delivered {
            return;
        }
        let start = start.max(self.delivered);
        let slot = self.blocks.entry(start).or_insert(end);
        if *slot < end {
            *slot = end;
        }
        if self.blocks.len() > MAX_BLOCKS {
            if let Some((&k, _)) = self.blocks.iter().next_back() {
                self.blocks.remove(&k);
            }
        }
        self.advance();
    }

    /// Deliver whatever is now contiguous.
    fn advance(&mut self) {
        while let Some((&s, &e)) = self.blocks.iter().next() {
            if s > self.delivered {
                break;
            }
            self.blocks.remove(&s);
            self.delivered = self.delivered.max(e);
        }
    }

    /// The peer acknowledged up to `seq`. Returns the lengths of the holes
    /// that this proves missing (in stream order).
    pub fn ack_to(&mut self, seq: u64, is_partial: bool) -> Vec<u64> {
        let mut gaps = Vec::new();
        if seq <= self.trim {
            return gaps;
        }
        if self.delivered < seq {
            if seq <= 2 && is_partial {
                // Faked initial sequence of a partial connection.
                return gaps;
            }
            while let Some((&s, &e)) = self.blocks.iter().next() {
                if s >= seq {
                    break;
                }
                if s > self.delivered {
                    gaps.push(s - self.delivered);
                }
                self.blocks.remove(&s);
                self.delivered = self.delivered.max(e);
                self.advance();
            }
            if seq > self.delivered {
                gaps.push(seq - self.delivered);
                self.delivered = seq;
            }
        }
        self.trim = seq;
        gaps
    }

    #[cfg(test)]
    fn delivered(&self) -> u64 {
        self.delivered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_data_has_no_gap() {
        let mut r = Reassembly::default();
        r.data_sent(1, 100, 1);
        r.data_sent(101, 50, 1);
        assert!(r.ack_to(151, false).is_empty());
    }

    #[test]
    fn acked_hole_is_a_gap() {
        let mut r = Reassembly::default();
        r.data_sent(1, 100, 1);
        r.data_sent(201, 50, 1);
        assert_eq!(r.ack_to(251, false), vec![100]);
        assert_eq!(r.delivered(), 251);
    }

    #[test]
    fn out_of_order_fill_is_not_a_gap() {
        let mut r = Reassembly::default();
        r.data_sent(101, 100, 1);
        r.data_sent(1, 100, 1);
        assert!(r.ack_to(201, false).is_empty());
    }

    #[test]
    fn ack_beyond_everything_reports_tail() {
        let mut r = Reassembly::default();
        r.data_sent(1, 10, 1);
        assert_eq!(r.ack_to(31, false), vec![20]);
    }

    #[test]
    fn block_count_is_bounded() {
        let mut r = Reassembly::default();
        for i in 0..10_000u64 {
            r.data_sent(10 + i * 10, 5, 1);
        }
        assert!(r.blocks.len() <= MAX_BLOCKS);
    }
}
