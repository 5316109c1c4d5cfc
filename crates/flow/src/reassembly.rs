//! Per-direction stream bookkeeping: which relative sequence ranges arrived,
//! how far the stream is contiguous, and which holes an acknowledgement
//! proves were missed (Zeek's content gaps, conn.log's `missed_bytes`).
//!
//! When an analyzer wants the stream, the payload goes along: in-order
//! bytes are handed on at once ([`StreamOut`]), out-of-order ones are kept
//! until the hole before them fills or is acknowledged as missing (then the
//! analyzer sees a gap).
//!
//! Memory is bounded: at most [`MAX_BLOCKS`] out-of-order ranges are kept;
//! beyond that the oldest is forgotten (its bytes then count as missing if
//! they are acknowledged, which is the conservative answer). At most
//! [`MAX_BUFFERED`] payload bytes wait per direction; beyond that a range
//! is tracked without its bytes, which analyzers see as a gap.

use std::collections::BTreeMap;

pub const MAX_BLOCKS: usize = 256;
pub const MAX_BUFFERED: usize = 1 << 20;

/// Stream data released by one packet, for the analyzers: pieces in order,
/// each either bytes (stored in `data`) or a gap.
#[derive(Debug, Default)]
pub struct StreamOut {
    pub data: Vec<u8>,
    pub pieces: Vec<Piece>,
}

/// One piece of released stream data of endpoint `ep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub ep: usize,
    /// Bytes `data[start..start+len]` when `gap` is false; `len` missing
    /// bytes when it is true.
    pub start: usize,
    pub len: u64,
    pub gap: bool,
}

impl StreamOut {
    pub fn clear(&mut self) {
        self.data.clear();
        self.pieces.clear();
    }
    fn bytes(&mut self, ep: usize, b: &[u8]) {
        if b.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            ep,
            start: self.data.len(),
            len: b.len() as u64,
            gap: false,
        });
        self.data.extend_from_slice(b);
    }
    fn gap(&mut self, ep: usize, len: u64) {
        if len > 0 {
            self.pieces.push(Piece {
                ep,
                start: 0,
                len,
                gap: true,
            });
        }
    }
}

/// Where released data goes: the analyzers' buffer and the endpoint it
/// belongs to (`None` when no analyzer wants the stream).
pub type Sink<'a> = Option<(&'a mut StreamOut, usize)>;

#[derive(Debug)]
struct Block {
    end: u64,
    /// The range's bytes, when they were kept.
    data: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Reassembly {
    /// Next relative sequence number to deliver (1 = first byte after SYN).
    delivered: u64,
    /// Highest acknowledged point already processed.
    trim: u64,
    /// Out-of-order ranges above `delivered`, by start.
    blocks: BTreeMap<u64, Block>,
    /// Payload bytes kept in `blocks`.
    buffered: usize,
}

impl Default for Reassembly {
    fn default() -> Self {
        Reassembly {
            delivered: 1,
            trim: 1,
            blocks: BTreeMap::new(),
            buffered: 0,
        }
    }
}

impl Reassembly {
    /// Payload `[seq, seq+len)` was seen; `acked` is how far the peer has
    /// already acknowledged this direction. `payload` holds the bytes when
    /// an analyzer wants them (released ones go to `out`).
    pub fn data_sent(
        &mut self,
        seq: u64,
        len: u64,
        acked: u64,
        payload: Option<&[u8]>,
        mut out: Sink<'_>,
    ) {
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
        let bytes = payload.map(|p| &p[((start - seq) as usize).min(p.len())..]);
        if start == self.delivered {
            if let (Some((o, ep)), Some(b)) = (out.as_mut(), bytes) {
                o.bytes(*ep, b);
            }
            self.delivered = end;
            self.advance(out);
            return;
        }
        let keep = bytes.filter(|b| self.buffered + b.len() <= MAX_BUFFERED && out.is_some());
        self.insert(start, end, keep);
        self.advance(out);
    }

    fn insert(&mut self, start: u64, end: u64, data: Option<&[u8]>) {
        if let Some(b) = self.blocks.get(&start) {
            if b.end >= end {
                return;
            }
        }
        let data = data.map(<[u8]>::to_vec);
        self.buffered += data.as_ref().map_or(0, Vec::len);
        if let Some(old) = self.blocks.insert(start, Block { end, data }) {
            self.buffered -= old.data.map_or(0, |d| d.len());
        }
        if self.blocks.len() > MAX_BLOCKS {
            if let Some((_, b)) = self.blocks.pop_last() {
                self.buffered -= b.data.map_or(0, |d| d.len());
            }
        }
    }

    /// Deliver whatever is now contiguous.
    fn advance(&mut self, mut out: Sink<'_>) {
        while let Some(entry) = self.blocks.first_entry() {
            let s = *entry.key();
            if s > self.delivered {
                break;
            }
            let b = entry.remove();
            let kept = b.data.as_ref().map_or(0, Vec::len);
            self.buffered -= kept;
            if b.end > self.delivered {
                if let Some((o, ep)) = out.as_mut() {
                    let skip = (self.delivered - s) as usize;
                    match &b.data {
                        Some(d) => o.bytes(*ep, &d[skip.min(d.len())..]),
                        None => o.gap(*ep, b.end - self.delivered),
                    }
                }
                self.delivered = b.end;
            }
        }
    }

    /// The peer acknowledged up to `seq`. Returns the lengths of the holes
    /// that this proves missing (in stream order); data waiting behind them
    /// is released to `out`.
    pub fn ack_to(&mut self, seq: u64, is_partial: bool, mut out: Sink<'_>) -> Vec<u64> {
        let mut gaps = Vec::new();
        if seq <= self.trim {
            return gaps;
        }
        if self.delivered < seq {
            if seq <= 2 && is_partial {
                // Faked initial sequence of a partial connection.
                return gaps;
            }
            while let Some((&s, _)) = self.blocks.first_key_value() {
                if s >= seq {
                    break;
                }
                if s > self.delivered {
                    gaps.push(s - self.delivered);
                    if let Some((o, ep)) = out.as_mut() {
                        o.gap(*ep, s - self.delivered);
                    }
                    self.delivered = s;
                }
                self.advance(out.as_mut().map(|(o, ep)| (&mut **o, *ep)));
            }
            if seq > self.delivered {
                gaps.push(seq - self.delivered);
                if let Some((o, ep)) = out.as_mut() {
                    o.gap(*ep, seq - self.delivered);
                }
                self.delivered = seq;
            }
        }
        self.trim = seq;
        gaps
    }

    /// The next relative sequence number to deliver: everything below it
    /// was delivered or reported missing.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_data_has_no_gap() {
        let mut r = Reassembly::default();
        r.data_sent(1, 100, 1, None, None);
        r.data_sent(101, 50, 1, None, None);
        assert!(r.ack_to(151, false, None).is_empty());
    }

    #[test]
    fn acked_hole_is_a_gap() {
        let mut r = Reassembly::default();
        r.data_sent(1, 100, 1, None, None);
        r.data_sent(201, 50, 1, None, None);
        assert_eq!(r.ack_to(251, false, None), vec![100]);
        assert_eq!(r.delivered(), 251);
    }

    #[test]
    fn out_of_order_fill_is_not_a_gap() {
        let mut r = Reassembly::default();
        r.data_sent(101, 100, 1, None, None);
        r.data_sent(1, 100, 1, None, None);
        assert!(r.ack_to(201, false, None).is_empty());
    }

    #[test]
    fn ack_beyond_everything_reports_tail() {
        let mut r = Reassembly::default();
        r.data_sent(1, 10, 1, None, None);
        assert_eq!(r.ack_to(31, false, None), vec![20]);
    }

    #[test]
    fn block_count_is_bounded() {
        let mut r = Reassembly::default();
        for i in 0..10_000u64 {
            r.data_sent(10 + i * 10, 5, 1, None, None);
        }
        assert!(r.blocks.len() <= MAX_BLOCKS);
    }

    fn released(out: &StreamOut) -> Vec<(usize, Result<Vec<u8>, u64>)> {
        out.pieces
            .iter()
            .map(|p| {
                let v = if p.gap {
                    Err(p.len)
                } else {
                    Ok(out.data[p.start..p.start + p.len as usize].to_vec())
                };
                (p.ep, v)
            })
            .collect()
    }

    #[test]
    fn payload_is_released_in_stream_order() {
        let mut r = Reassembly::default();
        let mut out = StreamOut::default();
        r.data_sent(4, 3, 1, Some(b"def"), Some((&mut out, 1)));
        assert!(out.pieces.is_empty(), "out of order data waits");
        r.data_sent(1, 3, 1, Some(b"abc"), Some((&mut out, 1)));
        assert_eq!(
            released(&out),
            vec![(1, Ok(b"abc".to_vec())), (1, Ok(b"def".to_vec()))]
        );
        assert_eq!(r.buffered, 0);
    }

    #[test]
    fn retransmitted_overlap_is_released_once() {
        let mut r = Reassembly::default();
        let mut out = StreamOut::default();
        r.data_sent(1, 4, 1, Some(b"abcd"), Some((&mut out, 0)));
        r.data_sent(3, 4, 1, Some(b"cdef"), Some((&mut out, 0)));
        assert_eq!(
            released(&out),
            vec![(0, Ok(b"abcd".to_vec())), (0, Ok(b"ef".to_vec()))]
        );
    }

    #[test]
    fn acked_hole_releases_a_gap_then_the_data_behind_it() {
        let mut r = Reassembly::default();
        let mut out = StreamOut::default();
        r.data_sent(1, 2, 1, Some(b"ab"), Some((&mut out, 0)));
        r.data_sent(6, 2, 1, Some(b"fg"), Some((&mut out, 0)));
        assert_eq!(r.ack_to(8, false, Some((&mut out, 0))), vec![3]);
        assert_eq!(
            released(&out),
            vec![
                (0, Ok(b"ab".to_vec())),
                (0, Err(3)),
                (0, Ok(b"fg".to_vec()))
            ]
        );
    }

    #[test]
    fn buffered_payload_is_bounded() {
        let mut r = Reassembly::default();
        let mut out = StreamOut::default();
        let chunk = vec![b'x'; 64 * 1024];
        for i in 0..64u64 {
            let seq = 1_000 + i * 100_000;
            r.data_sent(
                seq,
                chunk.len() as u64,
                1,
                Some(&chunk),
                Some((&mut out, 0)),
            );
        }
        assert!(r.buffered <= MAX_BUFFERED);
        // Releasing everything turns the ranges kept without bytes into gaps.
        r.ack_to(1_000 + 64 * 100_000, false, Some((&mut out, 0)));
        let data: u64 = out.pieces.iter().filter(|p| !p.gap).map(|p| p.len).sum();
        assert_eq!(data as usize, (MAX_BUFFERED / chunk.len()) * chunk.len());
        assert_eq!(r.buffered, 0);
    }
}
