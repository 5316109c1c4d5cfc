//! IP fragment reassembly with bounded memory.
//!
//! Datagrams are keyed by (source, destination, identification). Each one
//! keeps the unfragmentable header of the first fragment seen and a buffer of
//! the fragmentable part, plus the list of byte ranges received. Overlapping
//! data keeps what arrived first (as Zeek does) and is reported as
//! `fragment_overlap` (same bytes) or `fragment_inconsistency` (different
//! bytes). The table holds at most `max_datagrams` datagrams and `max_bytes`
//! buffered bytes; the oldest datagram is evicted beyond that and counted.
use crate::Nanos;
use std::net::IpAddr;

/// Largest fragmentable part a datagram may reach (offset 65528 + 65535).
pub const MAX_DATAGRAM: usize = 65528 + 65535;
/// Most distinct byte ranges kept per datagram before it is given up.
const MAX_RANGES: usize = 64;
/// Zeek's lower bound below which a non-final fragment is suspicious.
const MIN_ACCEPTABLE_FRAG_SIZE: u32 = 64;
/// Zeek's upper bound for the end of a fragment.
const MAX_ACCEPTABLE_FRAG_SIZE: u32 = 64000;

/// Limits of the reassembly table.
#[derive(Clone, Debug)]
pub struct FragConfig {
    /// Datagrams under reassembly at once.
    pub max_datagrams: usize,
    /// Bytes buffered over all datagrams.
    pub max_bytes: usize,
    /// Zeek's `frag_timeout` in nanoseconds; 0 means never (Zeek's default).
    pub timeout: Nanos,
}

impl Default for FragConfig {
    fn default() -> Self {
        FragConfig {
            max_datagrams: 1024,
            max_bytes: 16 << 20,
            timeout: 0,
        }
    }
}

/// Identity of a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
}

/// One fragment as the IP layer saw it.
#[derive(Clone, Copy, Debug)]
pub struct Fragment<'p> {
    /// Unfragmentable header bytes (IPv4 header with options, or IPv6 base
    /// header plus extension headers preceding the fragment header).
    pub header: &'p [u8],
    /// Transport protocol (IPv4) or the fragment header's next header (IPv6).
    pub proto: u8,
    /// Byte offset of `payload` in the datagram.
    pub offset: u32,
    pub more: bool,
    pub dont_fragment: bool,
    /// Fragment data (already clipped to the IP length).
    pub payload: &'p [u8],
}

/// A completed datagram written into the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reassembled {
    /// Length of the unfragmentable header at the start of the buffer.
    pub header_len: usize,
    /// Transport protocol / next header of the fragmentable part.
    pub proto: u8,
}

#[derive(Debug)]
struct Datagram {
    key: FragKey,
    /// Arrival order, for eviction of the oldest.
    seq: u64,
    first_seen: Nanos,
    header: Vec<u8>,
    /// `proto` of the first fragment seen (consistency check).
    first_proto: u8,
    /// `proto` of the offset-0 fragment (the one that counts).
    proto: u8,
    /// Known total size of the fragmentable part (0 = not yet known).
    frag_size: u32,
    data: Vec<u8>,
    /// Sorted, merged, non-overlapping received ranges [lo, hi).
    ranges: Vec<(u32, u32)>,
}

impl Datagram {
    fn bytes(&self) -> usize {
        self.header.capacity() + self.data.capacity() + self.ranges.capacity() * 8
    }
}

/// Fragment reassembly table (one per decoder).
#[derive(Debug, Default)]
pub struct FragTable {
    pub config: FragConfig,
    datagrams: Vec<Datagram>,
    bytes: usize,
    seq: u64,
    /// Datagrams dropped to respect the limits.
    pub evictions: u64,
    /// Datagrams dropped because they timed out.
    pub timeouts: u64,
}

impl FragTable {
    pub fn new(config: FragConfig) -> Self {
        FragTable {
            config,
            ..Default::default()
        }
    }

    /// Datagrams currently under reassembly.
    pub fn len(&self) -> usize {
        self.datagrams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.datagrams.is_empty()
    }

    /// Bytes currently buffered.
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    fn remove(&mut self, i: usize) -> Datagram {
        let d = self.datagrams.swap_remove(i);
        self.bytes = self.bytes.saturating_sub(d.bytes());
        d
    }

    /// Drops datagrams older than the timeout.
    pub fn expire(&mut self, now: Nanos) {
        if self.config.timeout <= 0 {
            return;
        }
        let mut i = 0;
        while i < self.datagrams.len() {
            if now.saturating_sub(self.datagrams[i].first_seen) > self.config.timeout {
                self.remove(i);
                self.timeouts += 1;
            } else {
                i += 1;
            }
        }
    }

    fn evict_oldest(&mut self) {
        if let Some((i, _)) = self.datagrams.iter().enumerate().min_by_key(|(_, d)| d.seq) {
            self.remove(i);
            self.evictions += 1;
        }
    }

    /// Adds a fragment. Weird names are reported through `weird`. When the
    /// datagram is complete its bytes (header then payload) are written to
    /// `out` and the datagram leaves the table.
    pub fn add(
        &mut self,
        now: Nanos,
        key: FragKey,
        frag: Fragment<'_>,
        out: &mut Vec<u8>,
        weird: &mut dyn FnMut(&'static str),
    ) -> Option<Reassembled> {
        self.expire(now);
        let idx = match self.datagrams.iter().position(|d| d.key == key) {
            Some(i) => {
                let d = &self.datagrams[i];
                if d.first_proto != frag.proto || d.header.len() != frag.header.len() {
                    weird("fragment_protocol_inconsistency");
                }
                i
            }
            None => {
                if self.config.max_datagrams == 0 {
                    return None;
                }
                while self.datagrams.len() >= self.config.max_datagrams {
                    self.evict_oldest();
                }
                self.seq += 1;
                let d = Datagram {
                    key,
                    seq: self.seq,
                    first_seen: now,
                    header: frag.header.to_vec(),
                    first_proto: frag.proto,
                    proto: frag.proto,
                    frag_size: 0,
                    data: Vec::new(),
                    ranges: Vec::new(),
                };
                self.bytes += d.bytes();
                self.datagrams.push(d);
                self.datagrams.len() - 1
            }
        };

        if frag.dont_fragment {
            weird("fragment_with_DF");
        }

        let lo = frag.offset;
        let hi = lo + frag.payload.len() as u32;
        let total_len = (frag.header.len() + frag.payload.len()) as u32;
        {
            let d = &mut self.datagrams[idx];
            if lo == 0 {
                d.proto = frag.proto;
            }
            if !frag.more {
                if d.frag_size == 0 {
                    d.frag_size = hi;
                } else if hi != d.frag_size {
                    weird("fragment_size_inconsistency");
                    if hi > d.frag_size {
                        d.frag_size = hi;
                    }
                }
            } else if total_len < MIN_ACCEPTABLE_FRAG_SIZE {
                weird("excessively_small_fragment");
            }
            if hi > MAX_ACCEPTABLE_FRAG_SIZE {
                weird("excessively_large_fragment");
            }
            if d.frag_size != 0 && hi > d.frag_size {
                weird("fragment_size_inconsistency");
                d.frag_size = hi;
            }
        }

        if hi as usize > MAX_DATAGRAM || self.datagrams[idx].ranges.len() >= MAX_RANGES {
            self.remove(idx);
            self.evictions += 1;
            return None;
        }

        // Grow the buffer, respecting the global byte budget.
        let need = hi as usize;
        let old_cap = self.datagrams[idx].data.capacity();
        if self.datagrams[idx].data.len() < need {
            let extra = need.saturating_sub(old_cap);
            // Evictions below move datagrams around: identify ours by key.
            let my_key = self.datagrams[idx].key;
            while extra > 0
                && self.bytes + extra > self.config.max_bytes
                && self.datagrams.len() > 1
            {
                // Evict the oldest datagram other than this one.
                let victim = self
                    .datagrams
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.key != my_key)
                    .min_by_key(|(_, d)| d.seq)
                    .map(|(i, _)| i);
                match victim {
                    Some(v) => {
                        self.remove(v);
                        self.evictions += 1;
                    }
                    None => break,
                }
            }
            let idx2 = self.datagrams.iter().position(|d| d.key == key)?;
            if self.bytes + extra > self.config.max_bytes {
                self.remove(idx2);
                self.evictions += 1;
                return None;
            }
            let d = &mut self.datagrams[idx2];
            d.data.resize(need, 0);
            let grown = d.data.capacity().saturating_sub(old_cap);
            self.bytes += grown;
        }
        let idx = self.datagrams.iter().position(|d| d.key == key)?;
        let d = &mut self.datagrams[idx];

        // Compare overlaps with what is already there; write only the gaps.
        for &(rlo, rhi) in d.ranges.iter() {
            if rhi <= lo || rlo >= hi {
                continue;
            }
            let olo = rlo.max(lo);
            let ohi = rhi.min(hi);
            let old = d.data.get(olo as usize..ohi as usize).unwrap_or(&[]);
            let new = frag
                .payload
                .get((olo - lo) as usize..(ohi - lo) as usize)
                .unwrap_or(&[]);
            if old != new {
                weird("fragment_inconsistency");
            } else {
                weird("fragment_overlap");
            }
        }
        // Fill gaps.
        let ranges_snapshot_len = d.ranges.len();
        for i in 0..=ranges_snapshot_len {
            let (glo, ghi) = {
                let next_lo = d.ranges.get(i).map(|r| r.0).unwrap_or(u32::MAX);
                let prev_hi = if i == 0 {
                    0
                } else {
                    d.ranges.get(i - 1).map(|r| r.1).unwrap_or(0)
                };
                (prev_hi.max(lo), next_lo.min(hi))
            };
            if glo < ghi {
                if let (Some(dst), Some(src)) = (
                    d.data.get_mut(glo as usize..ghi as usize),
                    frag.payload.get((glo - lo) as usize..(ghi - lo) as usize),
                ) {
                    dst.copy_from_slice(src);
                }
            }
        }
        // Merge the new range into the list.
        if lo < hi {
            let pos = d
                .ranges
                .iter()
                .position(|r| r.0 > lo)
                .unwrap_or(d.ranges.len());
            d.ranges.insert(pos, (lo, hi));
            let mut merged: usize = 0;
            for i in 1..d.ranges.len() {
                let r = d.ranges[i];
                let last = d.ranges[merged];
                if r.0 <= last.1 {
                    d.ranges[merged].1 = last.1.max(r.1);
                } else {
                    merged += 1;
                    d.ranges[merged] = r;
                }
            }
            d.ranges.truncate(merged + 1);
        }

        // Complete?
        if d.frag_size == 0 {
            return None;
        }
        let first = *d.ranges.first()?;
        if first.0 != 0 {
            return None;
        }
        let end;
        if d.ranges.len() > 1 {
            if first.1 >= d.frag_size {
                weird("fragment_size_inconsistency");
                end = first.1;
            } else {
                return None;
            }
        } else if first.1 > d.frag_size {
            weird("fragment_size_inconsistency");
            end = first.1;
        } else if first.1 < d.frag_size {
            return None;
        } else {
            end = first.1;
        }

        let d = self.remove(idx);
        out.clear();
        out.extend_from_slice(&d.header);
        out.extend_from_slice(d.data.get(..end as usize).unwrap_or(&d.data));
        Some(Reassembled {
            header_len: d.header.len(),
            proto: d.proto,
        })
    }
}
